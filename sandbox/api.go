package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// apiRequest is one authenticated, routed and query-checked API call.
type apiRequest struct {
	r      *http.Request
	op     *Operation
	params map[string]string
	query  url.Values
	cursor string
	base   string
	body   []byte
}

// handle serves an operation from the store. The path template decides the shape:
// /v1/{type} (list, create), /v1/{type}/{id} (read, update, delete), /v1/{type}/{id}/{rel}
// (related resources) and /v1/{type}/{id}/relationships/{rel} (linkage).
func (s *Server) handle(req *apiRequest) (int, any, *httpError) {
	segs := strings.Split(strings.Trim(req.op.Path, "/"), "/")
	typ := s.mdl.typeAt("/" + segs[0] + "/" + segs[1])
	if req.r.Method == http.MethodGet {
		// Reads change nothing, so they share the lock and run in parallel.
		s.runDueIfNeeded()
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.dispatch(req, segs, typ)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runDueLocked()
	status, doc, err := s.dispatch(req, segs, typ)
	if err == nil {
		if ferr := s.flushLocked(); ferr != nil {
			s.log.Error("sandbox: save state", "err", ferr)
		}
	}
	return status, doc, err
}

func (s *Server) dispatch(req *apiRequest, segs []string, typ string) (int, any, *httpError) {
	method := req.r.Method
	if req.op.MediaType != "" && req.op.MediaType != "application/json" {
		return s.report(req, segs, typ)
	}
	switch {
	case len(segs) == 2:
		switch method {
		case http.MethodGet:
			return s.listCollection(req, typ)
		case http.MethodPost:
			return s.create(req, typ)
		}
	case len(segs) == 3 && segs[2] == "{id}":
		rec := s.st.get(typ, req.params["id"])
		if rec == nil && method == http.MethodGet {
			rec = s.lookup(typ, req.params["id"])
		}
		if rec == nil {
			return 0, nil, notFound(typ, req.params["id"])
		}
		switch method {
		case http.MethodGet:
			return s.read(req, rec)
		case http.MethodPatch:
			return s.update(req, rec)
		case http.MethodDelete:
			return s.deleteRecord(req, rec)
		}
	case isMetricsPath(segs):
		owner := s.st.get(typ, req.params["id"])
		if owner == nil {
			return 0, nil, notFound(typ, req.params["id"])
		}
		return s.metrics(req, owner, segs[4])
	case len(segs) == 4 && segs[2] == "{id}":
		owner := s.lookup(typ, req.params["id"])
		if owner == nil {
			return 0, nil, notFound(typ, req.params["id"])
		}
		if method == http.MethodGet {
			return s.listRelated(req, owner, segs[3])
		}
	case len(segs) == 5 && segs[2] == "{id}" && segs[3] == "relationships":
		owner := s.st.get(typ, req.params["id"])
		if owner == nil && method == http.MethodGet {
			owner = s.lookup(typ, req.params["id"]) // a computed resource's linkage
		}
		if owner == nil {
			return 0, nil, notFound(typ, req.params["id"])
		}
		return s.relationship(req, owner, segs[4])
	}
	return s.fallback(req)
}

// fallback answers operations that do not map onto the resource store (reports, metrics,
// nested analytics paths): an empty page for lists, 404 for single reads, and a plain
// acceptance for writes, so every catalogued operation has an answer of the right shape.
func (s *Server) fallback(req *apiRequest) (int, any, *httpError) {
	if req.op.ResponseSchema == "" {
		return req.op.SuccessStatus, nil, nil
	}
	itemType, list, ok := specResponseItemType(req.op.ResponseSchema)
	if ok && list {
		lo := parseListOptions(req.query)
		rd := s.newRenderer(req, lo)
		_, links, meta, herr := s.page(req, nil)
		if herr != nil {
			return 0, nil, herr
		}
		return http.StatusOK, rd.document([]any{}, links, meta), nil
	}
	if !ok {
		itemType = "resource"
	}
	return 0, nil, notFound(itemType, req.params["id"])
}

func (s *Server) listCollection(req *apiRequest, typ string) (int, any, *httpError) {
	return s.cachedList(req, func() []*record { return s.st.all(typ) })
}

// cachedList is listDoc of stored records through the render cache: the same request at
// the same write count gets the answer made the first time. items must depend on the
// stored state only (not on the clock, as computed lists may).
func (s *Server) cachedList(req *apiRequest, items func() []*record) (int, any, *httpError) {
	if req.r.Method != http.MethodGet || !s.cacheOn() {
		return s.listDoc(req, items())
	}
	gen := s.mu.gen()
	key := req.base + req.r.URL.RequestURI()
	if doc, ok := s.cache.list(gen, key); ok {
		return http.StatusOK, doc, nil
	}
	status, doc, herr := s.listDoc(req, items())
	if raw, ok := doc.(rawJSON); ok && herr == nil {
		s.cache.putList(gen, key, raw)
	}
	return status, doc, herr
}

// listDoc filters, sorts and pages records into a list document.
func (s *Server) listDoc(req *apiRequest, items []*record) (int, any, *httpError) {
	items = s.filterRecords(items, req.query)
	items = sortRecords(items, req.query.Get("sort"))
	pageItems, links, meta, herr := s.page(req, items)
	if herr != nil {
		return 0, nil, herr
	}
	rd := s.newRenderer(req, parseListOptions(req.query))
	data := make([]json.RawMessage, 0, len(pageItems))
	for _, r := range pageItems {
		data = append(data, rd.primary(r))
	}
	return http.StatusOK, rd.document(data, links, meta), nil
}

func (s *Server) read(req *apiRequest, rec *record) (int, any, *httpError) {
	rd := s.newRenderer(req, parseListOptions(req.query))
	return http.StatusOK, rd.document(rd.primary(rec), map[string]any{"self": req.base + req.r.URL.RequestURI()}, nil), nil
}

// listRelated answers /v1/{type}/{id}/{rel}: the related resources, to-many as a page,
// to-one as a single document.
func (s *Server) listRelated(req *apiRequest, owner *record, rel string) (int, any, *httpError) {
	itemType, list, ok := specResponseItemType(req.op.ResponseSchema)
	if !ok {
		return s.fallback(req)
	}
	var items []*record
	if computed, ok := s.relatedHook(owner, rel, req.query); ok {
		items = computed
	} else if r, isRel := s.mdl.relation(owner.Type, rel); isRel && r.Type == itemType && list && s.st.get(owner.Type, owner.ID) == owner {
		return s.cachedList(req, func() []*record { return s.st.relatedListed(owner, rel) })
	} else if isRel && r.Type == itemType {
		items = s.st.relatedListed(owner, rel)
	} else if ids := owner.Rels[rel]; len(ids) > 0 {
		// A relationship the owner's model does not declare, held on the owner.
		for _, id := range ids {
			if tgt := s.st.get(itemType, id); tgt != nil {
				items = append(items, tgt)
			}
		}
	} else {
		items = s.pointingAt(itemType, owner)
	}
	if list {
		return s.listDoc(req, items)
	}
	self := map[string]any{"self": req.base + req.r.URL.RequestURI()}
	if len(items) == 0 {
		return http.StatusOK, map[string]any{"data": nil, "links": self}, nil
	}
	rd := s.newRenderer(req, parseListOptions(req.query))
	return http.StatusOK, rd.document(rd.primary(items[0]), self, nil), nil
}

// relatedItemType is the type a related path ("/v1/{type}/{id}/{rel}") answers with, from
// the spec.
func relatedItemType(template string) string {
	op, _, ok := specFind(http.MethodGet, strings.Replace(template, "{id}", "x", 1))
	if !ok {
		return ""
	}
	itemType, _, _ := specResponseItemType(op.ResponseSchema)
	return itemType
}

// pointingAt finds resources of a type that relate to owner through any relationship, for
// related paths whose relationship the model does not declare on the owner's side.
func (s *Server) pointingAt(typ string, owner *record) []*record {
	var out []*record
	for _, r := range s.st.all(typ) {
		for name, ids := range r.Rels {
			if s.mdl.target(typ, name) == owner.Type && containsID(ids, owner.ID) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
