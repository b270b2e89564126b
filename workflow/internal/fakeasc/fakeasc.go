// Package fakeasc is a small in-memory App Store Connect for the workflow tests: the app,
// version, app info, localization, review detail and screenshot resources, with Apple's
// asset upload protocol (reserve, presigned parts, commit with MD5, processing delay), request
// counts and injected faults. The sandbox is the faithful emulator; this fake exists so the
// sync logic can be tested in isolation and with precise fault placement.
package fakeasc

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is what to do to one request.
type Fault int

const (
	None Fault = iota
	// FailBefore answers 500 without doing anything.
	FailBefore
	// FailAfter does the work, then answers 500 (the client cannot know it took effect).
	FailAfter
	// DropAfter does the work, then closes the connection without an answer.
	DropAfter
)

// Res is a stored resource.
type Res struct {
	Type, ID string
	Attrs    map[string]any
	Rels     map[string][]string // related ids; a to-one has at most one
	// uploads
	parts      map[int][]byte
	size       int
	completeAt time.Time
	failed     bool
}

// Server is the fake. Configure the exported fields before use; they are read under the lock.
type Server struct {
	*httptest.Server

	mu      sync.Mutex
	seq     int
	store   map[string]map[string]*Res
	created map[string][]string // type -> ids in creation order

	// PartSize splits uploads into parts of this many bytes (default 512 KiB).
	PartSize int
	// ProcessingDelay is the time from commit to COMPLETE.
	ProcessingDelay time.Duration
	// FailProcessing returns true for an asset file name whose processing must end FAILED.
	FailProcessing     func(fileName string, attempt int) bool
	processingAttempts map[string]int
	// Fault, when set, is consulted for each API and upload request.
	Fault func(r *http.Request) Fault
	// Latency is added to every request.
	Latency time.Duration

	counts   map[string]int // "GET", "POST", ... and "PUT upload"
	routes   map[string]int // "GET /v1/appScreenshots/{id}"
	AuthOnUp int            // upload requests that carried an Authorization header
}

// New starts the fake on loopback.
func New() *Server {
	s := &Server{store: map[string]map[string]*Res{}, created: map[string][]string{}, PartSize: 512 << 10,
		counts: map[string]int{}, routes: map[string]int{}, processingAttempts: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Counts returns the requests answered so far by method ("GET", "POST", "PATCH", "DELETE",
// "PUT" for upload parts).
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Routes returns the request counts by method and path template.
func (s *Server) Routes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.routes {
		out[k] = v
	}
	return out
}

// Writes is the number of requests that may change state (everything but GET).
func (s *Server) Writes() int {
	c := s.Counts()
	return c["POST"] + c["PATCH"] + c["DELETE"] + c["PUT"]
}

// Add stores a resource and links it to its parents' to-many relationships.
func (s *Server) Add(typ string, attrs map[string]any, rels map[string]string) *Res {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(typ, attrs, rels)
}

func (s *Server) addLocked(typ string, attrs map[string]any, rels map[string]string) *Res {
	s.seq++
	r := &Res{Type: typ, ID: strconv.Itoa(1000 + s.seq), Attrs: map[string]any{}, Rels: map[string][]string{}}
	for k, v := range attrs {
		r.Attrs[k] = v
	}
	for name, id := range rels {
		r.Rels[name] = []string{id}
		if inv, ok := inverse[typ+"."+name]; ok {
			if p := s.store[inv.parentType][id]; p != nil {
				if inv.toOne {
					p.Rels[inv.rel] = []string{r.ID}
				} else {
					p.Rels[inv.rel] = append(p.Rels[inv.rel], r.ID)
				}
			}
		}
	}
	if s.store[typ] == nil {
		s.store[typ] = map[string]*Res{}
	}
	s.store[typ][r.ID] = r
	s.created[typ] = append(s.created[typ], r.ID)
	return r
}

// AddID adds a resource whose id is given, as Apple's fixed resources have (appCategories
// "PRODUCTIVITY"); it is listed by GET /v1/<typ> like the others.
func (s *Server) AddID(typ, id string, attrs map[string]any) *Res {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &Res{Type: typ, ID: id, Attrs: map[string]any{}, Rels: map[string][]string{}}
	for k, v := range attrs {
		r.Attrs[k] = v
	}
	if s.store[typ] == nil {
		s.store[typ] = map[string]*Res{}
	}
	s.store[typ][id] = r
	s.created[typ] = append(s.created[typ], id)
	return r
}

// Get returns a copy of a resource's attributes and relationships, or nil.
func (s *Server) Get(typ, id string) *Res {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.store[typ][id]
	if r == nil {
		return nil
	}
	s.refreshLocked(r)
	c := &Res{Type: r.Type, ID: r.ID, Attrs: map[string]any{}, Rels: map[string][]string{}}
	for k, v := range r.Attrs {
		c.Attrs[k] = v
	}
	for k, v := range r.Rels {
		c.Rels[k] = slices.Clone(v)
	}
	return c
}

// All returns the ids of every stored resource of a type, in creation order.
func (s *Server) All(typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.created[typ] {
		if s.store[typ][id] != nil {
			out = append(out, id)
		}
	}
	return out
}

type inv struct {
	parentType, rel string
	toOne           bool
}

// inverse maps "childType.toOneRel" to the parent's relationship that lists the child.
var inverse = map[string]inv{
	"appStoreVersions.app": {"apps", "appStoreVersions", false},
	"appInfos.app":         {"apps", "appInfos", false},
	"appStoreVersionLocalizations.appStoreVersion":  {"appStoreVersions", "appStoreVersionLocalizations", false},
	"appInfoLocalizations.appInfo":                  {"appInfos", "appInfoLocalizations", false},
	"appStoreReviewDetails.appStoreVersion":         {"appStoreVersions", "appStoreReviewDetail", true},
	"appScreenshotSets.appStoreVersionLocalization": {"appStoreVersionLocalizations", "appScreenshotSets", false},
	"appScreenshots.appScreenshotSet":               {"appScreenshotSets", "appScreenshots", false},
	"appPreviewSets.appStoreVersionLocalization":    {"appStoreVersionLocalizations", "appPreviewSets", false},
	"appPreviews.appPreviewSet":                     {"appPreviewSets", "appPreviews", false},
}

// relType gives the resource type of a relationship.
var relType = map[string]string{
	"app": "apps", "appStoreVersions": "appStoreVersions", "appInfos": "appInfos",
	"appStoreVersionLocalizations": "appStoreVersionLocalizations", "appStoreVersion": "appStoreVersions",
	"appInfoLocalizations": "appInfoLocalizations", "appInfo": "appInfos",
	"appStoreReviewDetail": "appStoreReviewDetails", "appScreenshotSets": "appScreenshotSets",
	"appStoreVersionLocalization": "appStoreVersionLocalizations", "appScreenshots": "appScreenshots",
	"appScreenshotSet": "appScreenshotSets", "appPreviewSets": "appPreviewSets", "appPreviews": "appPreviews",
	"appPreviewSet":   "appPreviewSets",
	"primaryCategory": "appCategories", "primarySubcategoryOne": "appCategories", "primarySubcategoryTwo": "appCategories",
	"secondaryCategory": "appCategories", "secondarySubcategoryOne": "appCategories", "secondarySubcategoryTwo": "appCategories",
}

var toOneRels = map[string]bool{"app": true, "appStoreVersion": true, "appInfo": true, "appStoreReviewDetail": true,
	"appStoreVersionLocalization": true, "appScreenshotSet": true, "appPreviewSet": true,
	"primaryCategory": true, "primarySubcategoryOne": true, "primarySubcategoryTwo": true,
	"secondaryCategory": true, "secondarySubcategoryOne": true, "secondarySubcategoryTwo": true}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.Latency > 0 {
		time.Sleep(s.Latency)
	}
	fault := None
	if s.Fault != nil {
		fault = s.Fault(r)
	}
	if fault == FailBefore {
		s.count(r, "")
		writeError(w, 500, "INTERNAL_ERROR", "injected failure")
		return
	}
	rec := httptest.NewRecorder()
	s.route(rec, r)
	switch fault {
	case FailAfter:
		writeError(w, 500, "INTERNAL_ERROR", "injected failure after the change")
		return
	case DropAfter:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		writeError(w, 500, "INTERNAL_ERROR", "injected failure after the change")
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (s *Server) count(r *http.Request, route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[r.Method]++
	if route != "" {
		s.routes[r.Method+" "+route]++
	}
}

func writeError(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"status": strconv.Itoa(status), "code": code, "title": code, "detail": detail}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:3500;")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) >= 1 && parts[0] == "upload" {
		s.count(r, "upload")
		s.upload(w, r, parts[1:])
		return
	}
	if len(parts) < 2 || parts[0] != "v1" {
		writeError(w, 404, "NOT_FOUND", "no route "+r.URL.Path)
		return
	}
	tmpl := make([]string, len(parts))
	copy(tmpl, parts)
	if len(tmpl) > 2 {
		tmpl[2] = "{id}"
	}
	s.count(r, "/"+strings.Join(tmpl, "/"))
	s.mu.Lock()
	defer s.mu.Unlock()
	typ := parts[1]
	switch {
	case r.Method == http.MethodGet && len(parts) == 2:
		s.list(w, r, typ, s.created[typ], nil)
	case r.Method == http.MethodGet && len(parts) == 3:
		res := s.store[typ][parts[2]]
		if res == nil {
			writeError(w, 404, "NOT_FOUND", typ+" "+parts[2]+" not found")
			return
		}
		s.refreshLocked(res)
		writeJSON(w, 200, map[string]any{"data": s.render(res), "included": s.included(r, []*Res{res})})
	case r.Method == http.MethodGet && len(parts) == 4:
		res := s.store[typ][parts[2]]
		if res == nil {
			writeError(w, 404, "NOT_FOUND", typ+" "+parts[2]+" not found")
			return
		}
		rel := parts[3]
		if toOneRels[rel] {
			ids := res.Rels[rel]
			if len(ids) == 0 {
				writeJSON(w, 200, map[string]any{"data": nil})
				return
			}
			child := s.store[relType[rel]][ids[0]]
			if child == nil {
				writeJSON(w, 200, map[string]any{"data": nil})
				return
			}
			writeJSON(w, 200, map[string]any{"data": s.render(child)})
			return
		}
		s.list(w, r, relType[rel], res.Rels[rel], res)
	case r.Method == http.MethodPost && len(parts) == 2:
		s.create(w, r, typ)
	case r.Method == http.MethodPatch && len(parts) == 3:
		s.update(w, r, typ, parts[2])
	case r.Method == http.MethodPatch && len(parts) == 5 && parts[3] == "relationships":
		s.replaceRel(w, r, typ, parts[2], parts[4])
	case r.Method == http.MethodDelete && len(parts) == 3:
		s.remove(w, typ, parts[2])
	default:
		writeError(w, 405, "METHOD_NOT_ALLOWED", r.Method+" "+r.URL.Path)
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, typ string, ids []string, parent *Res) {
	q := r.URL.Query()
	var items []*Res
	for _, id := range ids {
		res := s.store[typ][id]
		if res == nil {
			continue
		}
		s.refreshLocked(res)
		if !matches(res, q) {
			continue
		}
		items = append(items, res)
	}
	data := make([]any, 0, len(items))
	for _, it := range items {
		data = append(data, s.render(it))
	}
	writeJSON(w, 200, map[string]any{"data": data, "included": s.included(r, items),
		"links": map[string]any{"self": r.URL.String()}, "meta": map[string]any{"paging": map[string]any{"total": len(items), "limit": 200}}})
}

func matches(res *Res, q map[string][]string) bool {
	for k, vs := range q {
		name, ok := strings.CutPrefix(k, "filter[")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "]")
		allowed := strings.Split(vs[0], ",")
		v, _ := res.Attrs[name].(string)
		if name == "appVersionState" || name == "platform" || name == "versionString" || name == "locale" || name == "bundleId" || name == "screenshotDisplayType" {
			if !slices.Contains(allowed, v) {
				return false
			}
		}
	}
	return true
}

func (s *Server) render(res *Res) map[string]any {
	rels := map[string]any{}
	for name, ids := range res.Rels {
		t := relType[name]
		if toOneRels[name] {
			if len(ids) == 0 {
				rels[name] = map[string]any{"data": nil}
			} else {
				rels[name] = map[string]any{"data": map[string]any{"type": t, "id": ids[0]}}
			}
			continue
		}
		list := make([]any, 0, len(ids))
		for _, id := range ids {
			list = append(list, map[string]any{"type": t, "id": id})
		}
		rels[name] = map[string]any{"data": list, "meta": map[string]any{"paging": map[string]any{"total": len(ids), "limit": 50}}}
	}
	return map[string]any{"type": res.Type, "id": res.ID, "attributes": res.Attrs, "relationships": rels}
}

func (s *Server) included(r *http.Request, items []*Res) []any {
	inc := r.URL.Query().Get("include")
	if inc == "" {
		return nil
	}
	var out []any
	seen := map[string]bool{}
	for _, it := range items {
		for _, rel := range strings.Split(inc, ",") {
			for _, id := range it.Rels[rel] {
				child := s.store[relType[rel]][id]
				if child == nil || seen[child.Type+id] {
					continue
				}
				seen[child.Type+id] = true
				s.refreshLocked(child)
				out = append(out, s.render(child))
			}
		}
	}
	return out
}

type doc struct {
	Data struct {
		Type          string         `json:"type"`
		ID            string         `json:"id"`
		Attributes    map[string]any `json:"attributes"`
		Relationships map[string]struct {
			Data json.RawMessage `json:"data"`
		} `json:"relationships"`
	} `json:"data"`
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, typ string) {
	var d doc
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil || d.Data.Type != typ {
		writeError(w, 400, "ENTITY_ERROR", "bad create body")
		return
	}
	rels := map[string]string{}
	for name, rel := range d.Data.Relationships {
		var one struct{ ID string }
		if json.Unmarshal(rel.Data, &one) == nil && one.ID != "" {
			rels[name] = one.ID
		}
	}
	// Uniqueness that Apple enforces: one localization per locale, one set per display type.
	for name, parentID := range rels {
		invr, ok := inverse[typ+"."+name]
		if !ok {
			continue
		}
		parent := s.store[invr.parentType][parentID]
		if parent == nil {
			writeError(w, 404, "NOT_FOUND", "parent not found")
			return
		}
		if invr.toOne && len(parent.Rels[invr.rel]) > 0 {
			writeError(w, 409, "ENTITY_ERROR.ALREADY_EXISTS", "already exists")
			return
		}
		for _, sib := range parent.Rels[invr.rel] {
			other := s.store[typ][sib]
			if other == nil {
				continue
			}
			for _, k := range []string{"locale", "screenshotDisplayType", "previewType"} {
				if v, ok := d.Data.Attributes[k]; ok && other.Attrs[k] == v {
					writeError(w, 409, "ENTITY_ERROR.ALREADY_EXISTS", k+" already exists")
					return
				}
			}
		}
		if typ == "appScreenshots" && len(parent.Rels[invr.rel]) >= 10 {
			writeError(w, 409, "ENTITY_ERROR", "a set holds at most 10 screenshots")
			return
		}
	}
	attrs := map[string]any{}
	for k, v := range d.Data.Attributes {
		attrs[k] = v
	}
	res := s.addLocked(typ, attrs, rels)
	if typ == "appScreenshots" || typ == "appPreviews" {
		size := int(toFloat(attrs["fileSize"]))
		res.size = size
		res.parts = map[int][]byte{}
		var ops []any
		for off, i := 0, 0; off < size; off, i = off+s.PartSize, i+1 {
			n := min(s.PartSize, size-off)
			ops = append(ops, map[string]any{"method": "PUT", "url": fmt.Sprintf("%s/upload/%s/%d", s.URL, res.ID, i),
				"offset": off, "length": n, "requestHeaders": []any{map[string]any{"name": "Content-Type", "value": "image/png"}}})
		}
		res.Attrs["uploadOperations"] = ops
		res.Attrs["assetDeliveryState"] = map[string]any{"state": "AWAITING_UPLOAD"}
	}
	writeJSON(w, 201, map[string]any{"data": s.render(res)})
}

func toFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, typ, id string) {
	res := s.store[typ][id]
	if res == nil {
		writeError(w, 404, "NOT_FOUND", typ+" "+id+" not found")
		return
	}
	var d doc
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil || d.Data.ID != id {
		writeError(w, 400, "ENTITY_ERROR", "bad update body")
		return
	}
	for k, v := range d.Data.Attributes {
		if k == "uploaded" {
			continue
		}
		if v == nil {
			delete(res.Attrs, k)
			continue
		}
		res.Attrs[k] = v
	}
	for name, rel := range d.Data.Relationships {
		var one *struct{ ID string }
		json.Unmarshal(rel.Data, &one)
		if one == nil {
			delete(res.Rels, name)
		} else {
			res.Rels[name] = []string{one.ID}
		}
	}
	if up, _ := d.Data.Attributes["uploaded"].(bool); up && res.parts != nil {
		var all []byte
		for i := 0; len(all) < res.size; i++ {
			p, ok := res.parts[i]
			if !ok {
				writeError(w, 409, "ENTITY_ERROR", "upload incomplete: part "+strconv.Itoa(i)+" missing")
				return
			}
			all = append(all, p...)
		}
		sum := md5.Sum(all)
		name, _ := res.Attrs["fileName"].(string)
		s.processingAttempts[name]++
		fail := hex.EncodeToString(sum[:]) != res.Attrs["sourceFileChecksum"] ||
			(s.FailProcessing != nil && s.FailProcessing(name, s.processingAttempts[name]))
		res.failed = fail
		res.completeAt = time.Now().Add(s.ProcessingDelay)
		res.Attrs["assetDeliveryState"] = map[string]any{"state": "UPLOAD_COMPLETE"}
		delete(res.Attrs, "uploadOperations")
		s.refreshLocked(res)
	}
	writeJSON(w, 200, map[string]any{"data": s.render(res)})
}

func (s *Server) refreshLocked(res *Res) {
	st, _ := res.Attrs["assetDeliveryState"].(map[string]any)
	if st == nil || st["state"] != "UPLOAD_COMPLETE" || time.Now().Before(res.completeAt) {
		return
	}
	if res.failed {
		res.Attrs["assetDeliveryState"] = map[string]any{"state": "FAILED", "errors": []any{map[string]any{"code": "IMAGE_BAD", "description": "processing failed"}}}
	} else {
		res.Attrs["assetDeliveryState"] = map[string]any{"state": "COMPLETE"}
	}
}

func (s *Server) replaceRel(w http.ResponseWriter, r *http.Request, typ, id, rel string) {
	res := s.store[typ][id]
	if res == nil {
		writeError(w, 404, "NOT_FOUND", typ+" "+id+" not found")
		return
	}
	var body struct {
		Data []struct{ Type, ID string } `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, 400, "ENTITY_ERROR", "bad body")
		return
	}
	var ids []string
	for _, d := range body.Data {
		ids = append(ids, d.ID)
	}
	have := slices.Clone(res.Rels[rel])
	want := slices.Clone(ids)
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		writeError(w, 409, "ENTITY_ERROR", "ordering must name exactly the current items")
		return
	}
	res.Rels[rel] = ids
	w.WriteHeader(204)
}

func (s *Server) remove(w http.ResponseWriter, typ, id string) {
	res := s.store[typ][id]
	if res == nil {
		writeError(w, 404, "NOT_FOUND", typ+" "+id+" not found")
		return
	}
	delete(s.store[typ], id)
	for name, ids := range res.Rels {
		if invr, ok := inverse[typ+"."+name]; ok && len(ids) == 1 {
			if p := s.store[invr.parentType][ids[0]]; p != nil {
				p.Rels[invr.rel] = slices.DeleteFunc(p.Rels[invr.rel], func(x string) bool { return x == id })
			}
		}
	}
	w.WriteHeader(204)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, parts []string) {
	if r.Header.Get("Authorization") != "" {
		s.mu.Lock()
		s.AuthOnUp++
		s.mu.Unlock()
	}
	if r.Method != http.MethodPut || len(parts) != 2 {
		writeError(w, 405, "METHOD_NOT_ALLOWED", "upload parts are PUT /upload/{id}/{n}")
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, 400, "BAD_PART", err.Error())
		return
	}
	n, _ := strconv.Atoi(parts[1])
	s.mu.Lock()
	defer s.mu.Unlock()
	var res *Res
	for _, typ := range []string{"appScreenshots", "appPreviews"} {
		if x := s.store[typ][parts[0]]; x != nil {
			res = x
		}
	}
	if res == nil || res.parts == nil {
		writeError(w, 404, "NOT_FOUND", "no reservation "+parts[0])
		return
	}
	want := min(s.PartSize, res.size-n*s.PartSize)
	if len(data) != want {
		writeError(w, 400, "BAD_PART", fmt.Sprintf("part %d has %d bytes, want %d", n, len(data), want))
		return
	}
	res.parts[n] = data
	w.WriteHeader(200)
}

// Expire makes an asset reservation's upload URLs answer 404, like presigned URLs that have
// expired.
func (s *Server) Expire(typ, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.store[typ][id]
	if r == nil {
		return
	}
	ops, _ := r.Attrs["uploadOperations"].([]any)
	for _, op := range ops {
		if m, ok := op.(map[string]any); ok {
			m["url"] = s.URL + "/upload/expired-" + id + "/0"
		}
	}
}

// Set changes one attribute of a stored resource.
func (s *Server) Set(typ, id, attr string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.store[typ][id]; r != nil {
		r.Attrs[attr] = value
	}
}
