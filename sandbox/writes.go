package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Titles of Apple's entity errors (409), by code.
var entityTitles = map[string]string{
	"ENTITY_ERROR":                       "The provided entity is invalid",
	"ENTITY_ERROR.ATTRIBUTE.INVALID":     "The provided entity includes an attribute with an invalid value",
	"ENTITY_ERROR.ATTRIBUTE.REQUIRED":    "The provided entity is missing a required attribute",
	"ENTITY_ERROR.ATTRIBUTE.UNKNOWN":     "The provided entity includes an unknown attribute",
	"ENTITY_ERROR.RELATIONSHIP.INVALID":  "The provided entity includes a relationship with an invalid value",
	"ENTITY_ERROR.RELATIONSHIP.REQUIRED": "The provided entity is missing a required relationship",
	"ENTITY_ERROR.RELATIONSHIP.UNKNOWN":  "The provided entity includes an unknown relationship",
}

func entityError(code, detail, pointer string) apiError {
	title := entityTitles[code]
	if title == "" {
		title = entityTitles["ENTITY_ERROR"]
	}
	return newError(http.StatusConflict, code, title, detail).pointer(pointer)
}

func unprocessable(detail string) *httpError {
	return errResp(http.StatusUnprocessableEntity, newError(http.StatusUnprocessableEntity, "ENTITY_UNPROCESSABLE",
		"The request entity is not a valid request document object", detail))
}

// identifier is a JSON:API resource identifier {type, id}.
type identifier struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// linkage is a relationship's data: null, one identifier or a list.
type linkage struct {
	present bool
	many    bool
	ids     []identifier
}

func parseLinkage(raw json.RawMessage) (linkage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return linkage{}, fmt.Errorf("missing data")
	}
	l := linkage{present: true}
	switch raw[0] {
	case 'n':
		return l, nil
	case '[':
		l.many = true
		if err := json.Unmarshal(raw, &l.ids); err != nil {
			return l, err
		}
	default:
		var one identifier
		if err := json.Unmarshal(raw, &one); err != nil {
			return l, err
		}
		l.ids = []identifier{one}
	}
	for _, id := range l.ids {
		if id.Type == "" || id.ID == "" {
			return l, fmt.Errorf("identifier without type or id")
		}
	}
	return l, nil
}

// resourceDoc is the data member of a create or update request.
type resourceDoc struct {
	Type  string
	ID    string
	Attrs map[string]any
	Rels  map[string]linkage
}

func parseResourceDoc(body []byte) (*resourceDoc, *httpError) {
	var top struct {
		Data *struct {
			Type          string                     `json:"type"`
			ID            string                     `json:"id"`
			Attributes    map[string]any             `json:"attributes"`
			Relationships map[string]json.RawMessage `json:"relationships"`
		} `json:"data"`
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, unprocessable("The request body is empty; send a JSON document with a data member.")
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, unprocessable("Unexpected or invalid value: " + err.Error())
	}
	if top.Data == nil {
		return nil, unprocessable("The request document has no 'data' member.")
	}
	doc := &resourceDoc{Type: top.Data.Type, ID: top.Data.ID, Attrs: top.Data.Attributes, Rels: map[string]linkage{}}
	for name, raw := range top.Data.Relationships {
		var wrap struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &wrap); err != nil {
			return nil, unprocessable(fmt.Sprintf("Unexpected or invalid value at 'data.relationships.%s'.", name))
		}
		l, err := parseLinkage(wrap.Data)
		if err != nil {
			return nil, unprocessable(fmt.Sprintf("Unexpected or invalid value at 'data.relationships.%s.data': %v", name, err))
		}
		doc.Rels[name] = l
	}
	return doc, nil
}

// checkDoc validates a request resource against the operation's body schema and the store:
// unknown or ill-typed attributes, missing required ones, relationships of the wrong type,
// and related ids that do not exist (409, as Apple answers them). It returns every problem at
// once, as Apple does.
func (s *Server) checkDoc(doc *resourceDoc, body *Body, typ string, create bool) *httpError {
	var errs []apiError
	wantType := typ
	if body != nil && body.Type != "" {
		wantType = body.Type
	}
	if doc.Type != wantType {
		errs = append(errs, entityError("ENTITY_ERROR", fmt.Sprintf("The resource type '%s' is not valid here; expected '%s'.", doc.Type, wantType), "/data/type"))
		return errResp(http.StatusConflict, errs...)
	}
	if body == nil {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Attrs)) {
		f, known := body.Attributes[name]
		if !known {
			errs = append(errs, entityError("ENTITY_ERROR.ATTRIBUTE.UNKNOWN", fmt.Sprintf("'%s' is not a valid attribute of '%s' for this request.", name, wantType), "/data/attributes/"+name))
			continue
		}
		if why := checkField(f, doc.Attrs[name]); why != "" {
			errs = append(errs, entityError("ENTITY_ERROR.ATTRIBUTE.INVALID", fmt.Sprintf("The value of '%s' is invalid: %s.", name, why), "/data/attributes/"+name))
		}
	}
	if create {
		for _, name := range body.RequiredAttributes {
			if v, ok := doc.Attrs[name]; !ok || v == nil {
				errs = append(errs, entityError("ENTITY_ERROR.ATTRIBUTE.REQUIRED", fmt.Sprintf("You must provide a value for the attribute '%s' with this request", name), "/data/attributes/"+name))
			}
		}
		for _, name := range body.RequiredRelationships {
			if l, ok := doc.Rels[name]; !ok || len(l.ids) == 0 {
				errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.REQUIRED", fmt.Sprintf("You must provide a value for the relationship '%s' with this request", name), "/data/relationships/"+name))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Rels)) {
		rel, known := body.Relationships[name]
		ptr := "/data/relationships/" + name
		if !known {
			errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.UNKNOWN", fmt.Sprintf("'%s' is not a valid relationship of '%s' for this request.", name, wantType), ptr))
			continue
		}
		l := doc.Rels[name]
		if l.many != rel.ToMany && len(l.ids) > 0 {
			errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.INVALID", fmt.Sprintf("The relationship '%s' takes %s.", name, map[bool]string{true: "a list of resource identifiers", false: "one resource identifier"}[rel.ToMany]), ptr))
			continue
		}
		for _, id := range l.ids {
			if rel.Type != "" && id.Type != rel.Type {
				errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.INVALID", fmt.Sprintf("The relationship '%s' must refer to '%s', not '%s'.", name, rel.Type, id.Type), ptr))
				continue
			}
			if s.referenced(id.Type, id.ID) == nil {
				if s.computed(id.Type) {
					errs = append(errs, unknownComputed(id.Type, id.ID, ptr))
				} else {
					errs = append(errs, unknownRelatedID(id.ID, ptr))
				}
			}
		}
	}
	if len(errs) > 0 {
		return errResp(http.StatusConflict, errs...)
	}
	return nil
}

// unknownRelatedID is Apple's answer to a request document naming a related resource that
// does not exist: 409 ENTITY_ERROR.RELATIONSHIP.INVALID, "'<id>' is not a valid ID for this
// relationship.", pointing at the relationship (as captured from App Store Connect for an app
// info's primaryCategory and for creates; the spec lists no 404 for a create at all).
func unknownRelatedID(id, pointer string) apiError {
	return entityError("ENTITY_ERROR.RELATIONSHIP.INVALID", fmt.Sprintf("'%s' is not a valid ID for this relationship.", id), pointer)
}

// checkField says what is wrong with a value for a schema field, or "" when it fits.
// null is accepted: Apple treats it as "unset".
func checkField(f *Field, v any) string {
	if v == nil || f == nil {
		return ""
	}
	switch f.Type {
	case "string":
		sv, ok := v.(string)
		if !ok {
			return "expected a string"
		}
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, sv) {
			return fmt.Sprintf("'%s' is not one of %s", sv, strings.Join(f.Enum, ", "))
		}
		switch f.Format {
		case "date-time":
			if _, err := time.Parse(time.RFC3339, sv); err != nil {
				if _, err2 := time.Parse("2006-01-02T15:04:05.000-0700", sv); err2 != nil {
					return "expected an RFC 3339 date-time"
				}
			}
		case "date":
			if _, err := time.Parse(time.DateOnly, sv); err != nil {
				return "expected a date (YYYY-MM-DD)"
			}
		case "uri":
			if u, err := url.Parse(sv); err != nil || u.Scheme == "" {
				return "expected an absolute URL"
			}
		case "email":
			if _, err := mail.ParseAddress(sv); err != nil {
				return "expected an email address"
			}
		}
	case "integer":
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) {
			return "expected an integer"
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return "expected a number"
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return "expected true or false"
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return "expected an array"
		}
		for i, x := range arr {
			if why := checkField(f.Items, x); why != "" {
				return fmt.Sprintf("item %d: %s", i, why)
			}
		}
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return "expected an object"
		}
		for _, req := range f.Required {
			if _, ok := obj[req]; !ok {
				return fmt.Sprintf("'%s' is required", req)
			}
		}
		for k, x := range obj {
			if pf, ok := f.Properties[k]; ok {
				if why := checkField(pf, x); why != "" {
					return k + ": " + why
				}
			}
		}
	}
	return ""
}

func (s *Server) requestBody(op *Operation) *Body {
	if op.RequestSchema == "" {
		return nil
	}
	b, _ := specRequestBody(op.RequestSchema)
	return b
}

// create answers POST /v1/{type}.
func (s *Server) create(req *apiRequest, typ string) (int, any, *httpError) {
	doc, herr := parseResourceDoc(req.body)
	if herr != nil {
		return 0, nil, herr
	}
	inline, herr := s.createIncluded(req.body, doc)
	if herr != nil {
		return 0, nil, herr
	}
	undo := func() {
		for _, r := range inline {
			s.st.remove(r)
		}
	}
	body := s.requestBody(req.op)
	if herr := s.checkDoc(doc, body, typ, true); herr != nil {
		undo()
		return 0, nil, herr
	}
	if herr := s.beforeCreate(doc); herr != nil {
		undo()
		return 0, nil, herr
	}
	for _, r := range inline {
		s.markDirty(r)
	}
	attrs := map[string]any{}
	for k, v := range doc.Attrs {
		if v != nil {
			attrs[k] = v
		}
	}
	rec := s.st.insert(doc.Type, "", attrs)
	for _, name := range slices.Sorted(maps.Keys(doc.Rels)) {
		for _, id := range doc.Rels[name].ids {
			if tgt := s.st.get(id.Type, id.ID); tgt != nil {
				s.st.link(rec, name, tgt)
			}
		}
	}
	if herr := s.afterCreate(req, rec); herr != nil {
		s.st.remove(rec)
		return 0, nil, herr
	}
	s.markDirty(rec)
	rd := s.newRenderer(req, listOptions{})
	// Apple's answer to a create links the collection the resource was posted to; the
	// resource's own URL is its links.self.
	self := req.base + req.r.URL.Path
	status := req.op.SuccessStatus
	if status == 0 {
		status = http.StatusCreated
	}
	return status, rd.document(rd.primary(rec), map[string]any{"self": self}, nil), nil
}

// update answers PATCH /v1/{type}/{id}: attributes present are set (null clears), and
// relationships present are replaced.
func (s *Server) update(req *apiRequest, rec *record) (int, any, *httpError) {
	doc, herr := parseResourceDoc(req.body)
	if herr != nil {
		return 0, nil, herr
	}
	// An update may carry resources to create inline (a subscription's new prices), as a
	// create does.
	inline, herr := s.createIncluded(req.body, doc)
	if herr != nil {
		return 0, nil, herr
	}
	undo := func() {
		for _, r := range inline {
			s.st.remove(r)
		}
	}
	body := s.requestBody(req.op)
	if herr := s.checkDoc(doc, body, rec.Type, false); herr != nil {
		undo()
		return 0, nil, herr
	}
	if doc.ID != rec.ID {
		undo()
		return 0, nil, conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
			fmt.Sprintf("The resource id '%s' in the body does not match the id '%s' in the path.", doc.ID, rec.ID), "/data/id")
	}
	old := rec.clone()
	if herr := s.beforeUpdate(rec, doc); herr != nil {
		undo()
		return 0, nil, herr
	}
	for _, r := range inline {
		s.markDirty(r)
	}
	for k, v := range doc.Attrs {
		if v == nil {
			delete(rec.Attrs, k)
		} else {
			rec.Attrs[k] = v
		}
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Rels)) {
		s.replaceRel(rec, name, doc.Rels[name])
	}
	if herr := s.afterUpdate(req, rec, old, doc); herr != nil {
		return 0, nil, herr
	}
	s.markDirty(rec)
	rd := s.newRenderer(req, parseListOptions(req.query))
	return http.StatusOK, rd.document(rd.primary(rec), map[string]any{"self": req.base + req.r.URL.RequestURI()}, nil), nil
}

// createIncluded makes the resources a create request carries inline in "included" (a price
// schedule's prices, an offer's prices), each with a local id such as "${price-1}", and
// points the primary resource's relationships at the ids they get. An included resource whose
// id already exists (a territory "USA") is a reference, not a new resource.
func (s *Server) createIncluded(body []byte, doc *resourceDoc) ([]*record, *httpError) {
	var top struct {
		Included []json.RawMessage `json:"included"`
	}
	if err := json.Unmarshal(body, &top); err != nil || len(top.Included) == 0 {
		return nil, nil
	}
	var made []*record
	fail := func(e *httpError) ([]*record, *httpError) {
		for _, r := range made {
			s.st.remove(r)
		}
		return nil, e
	}
	local := map[identifier]string{}
	var docs []*resourceDoc
	for i, raw := range top.Included {
		d, herr := parseResourceDoc(append(append([]byte(`{"data":`), raw...), '}'))
		if herr != nil {
			return fail(herr)
		}
		if d.Type == "" || d.ID == "" {
			return fail(conflict("ENTITY_ERROR", entityTitles["ENTITY_ERROR"], "Every included resource needs a type and a (local) id.", fmt.Sprintf("/included/%d", i)))
		}
		key := identifier{Type: d.Type, ID: d.ID}
		if s.st.get(d.Type, d.ID) != nil {
			local[key] = d.ID
			continue
		}
		// A resource to create needs a local id "${...}"; App Store Connect refuses any other
		// (captured: "The provided included entity id 'EN' has invalid format").
		if !strings.HasPrefix(d.ID, "${") || !strings.HasSuffix(d.ID, "}") || len(d.ID) < 4 {
			return fail(errResp(http.StatusConflict, newError(http.StatusConflict, "ENTITY_ERROR.INCLUDED.INVALID_ID",
				"The provided entity id is invalid", fmt.Sprintf("The provided included entity id '%s' has invalid format", d.ID)).pointer(fmt.Sprintf("/included/%d/id", i))))
		}
		if errs := checkInline(d, i); len(errs) > 0 {
			return fail(errResp(http.StatusConflict, errs...))
		}
		attrs := map[string]any{}
		for k, v := range d.Attrs {
			if v != nil {
				attrs[k] = v
			}
		}
		r := s.st.insert(d.Type, "", attrs)
		made = append(made, r)
		local[key] = r.ID
		docs = append(docs, d)
	}
	resolve := func(l linkage) linkage {
		for i, id := range l.ids {
			if real, ok := local[id]; ok {
				l.ids[i].ID = real
			}
		}
		return l
	}
	for i, d := range docs {
		for name, l := range d.Rels {
			for _, id := range resolve(l).ids {
				tgt := s.referenced(id.Type, id.ID)
				if tgt == nil {
					ptr := fmt.Sprintf("/included/%d/relationships/%s", i, name)
					if s.computed(id.Type) {
						return fail(errResp(http.StatusConflict, unknownComputed(id.Type, id.ID, ptr)))
					}
					return fail(errResp(http.StatusConflict, unknownRelatedID(id.ID, ptr)))
				}
				s.st.link(made[i], name, tgt)
			}
		}
	}
	for name, l := range doc.Rels {
		doc.Rels[name] = resolve(l)
	}
	return made, nil
}

// checkInline holds an included resource to create to its inline-create schema (unknown or
// ill-typed attributes, unknown relationships), as the primary resource is held to the
// request's; a type the spec gives no inline-create schema is not checked.
func checkInline(d *resourceDoc, i int) []apiError {
	rt, ok := specResource(d.Type)
	if !ok {
		return nil
	}
	in, ok := specResourceBySchema(rt.Schema + "InlineCreate")
	if !ok {
		return nil
	}
	var errs []apiError
	base := fmt.Sprintf("/included/%d", i)
	for _, name := range slices.Sorted(maps.Keys(d.Attrs)) {
		f, known := in.Attributes[name]
		switch {
		case !known:
			errs = append(errs, entityError("ENTITY_ERROR.ATTRIBUTE.UNKNOWN", fmt.Sprintf("'%s' is not a valid attribute of '%s' for this request.", name, d.Type), base+"/attributes/"+name))
		case checkField(f, d.Attrs[name]) != "":
			errs = append(errs, entityError("ENTITY_ERROR.ATTRIBUTE.INVALID", fmt.Sprintf("The value of '%s' is invalid: %s.", name, checkField(f, d.Attrs[name])), base+"/attributes/"+name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(d.Rels)) {
		if _, known := in.Relationships[name]; !known {
			errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.UNKNOWN", fmt.Sprintf("'%s' is not a valid relationship of '%s' for this request.", name, d.Type), base+"/relationships/"+name))
		}
	}
	return errs
}

func (s *Server) replaceRel(rec *record, name string, l linkage) {
	for _, old := range s.st.related(rec, name) {
		s.st.unlink(rec, name, old)
		s.markDirty(old)
	}
	delete(rec.Rels, name)
	for _, id := range l.ids {
		if tgt := s.st.get(id.Type, id.ID); tgt != nil {
			s.st.link(rec, name, tgt)
			s.markDirty(tgt)
		}
	}
}

func (s *Server) deleteRecord(req *apiRequest, rec *record) (int, any, *httpError) {
	if herr := s.beforeDelete(rec); herr != nil {
		return 0, nil, herr
	}
	s.removeLocked(rec)
	s.afterDelete(rec)
	return req.op.SuccessStatus, nil, nil
}

// relationship answers /v1/{type}/{id}/relationships/{rel}: GET linkage, PATCH replace,
// POST add, DELETE remove.
func (s *Server) relationship(req *apiRequest, owner *record, rel string) (int, any, *httpError) {
	r, ok := s.mdl.relation(owner.Type, rel)
	if req.r.Method == http.MethodGet {
		var items []*record
		toOne := ok && !r.ToMany
		if computed, isComputed := s.relatedHook(owner, rel, req.query); isComputed {
			items = computed
		} else if ok {
			items = s.st.relatedListed(owner, rel)
		} else if itemType := relatedItemType(strings.Replace(req.op.Path, "/relationships/", "/", 1)); itemType != "" {
			// A relationship the owner's model does not declare (a deprecated one): the
			// linkage schema says whether it is to-one; the ids are the owner's or those
			// of the resources pointing at it.
			toOne = strings.HasSuffix(req.op.ResponseSchema, "LinkageResponse")
			for _, id := range owner.Rels[rel] {
				if tgt := s.st.get(itemType, id); tgt != nil {
					items = append(items, tgt)
				}
			}
			if len(items) == 0 {
				items = s.pointingAt(itemType, owner)
			}
		}
		if toOne {
			doc := map[string]any{"data": nil, "links": map[string]any{"self": req.base + req.r.URL.RequestURI(), "related": req.base + s.mdl.selfPath(owner.Type, owner.ID) + "/" + rel}}
			if len(items) > 0 {
				doc["data"] = map[string]any{"type": items[0].Type, "id": items[0].ID}
			}
			return http.StatusOK, doc, nil
		}
		pageItems, links, meta, herr := s.page(req, items)
		if herr != nil {
			return 0, nil, herr
		}
		data := make([]any, 0, len(pageItems))
		for _, it := range pageItems {
			data = append(data, map[string]any{"type": it.Type, "id": it.ID})
		}
		return http.StatusOK, map[string]any{"data": data, "links": links, "meta": meta}, nil
	}
	if !ok {
		return s.fallback(req)
	}
	var top struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(req.body, &top); err != nil {
		return 0, nil, unprocessable("Unexpected or invalid value: " + err.Error())
	}
	l, err := parseLinkage(top.Data)
	if err != nil {
		return 0, nil, unprocessable("Unexpected or invalid value at 'data': " + err.Error())
	}
	var targets []*record
	for _, id := range l.ids {
		if id.Type != r.Type {
			return 0, nil, conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
				fmt.Sprintf("The relationship '%s' must refer to '%s', not '%s'.", rel, r.Type, id.Type), "/data")
		}
		tgt := s.st.get(id.Type, id.ID)
		if tgt == nil {
			e := notFound(id.Type, id.ID)
			e.errs[0] = e.errs[0].pointer("/data")
			return 0, nil, e
		}
		targets = append(targets, tgt)
	}
	if herr := s.checkRelationshipChange(owner, rel, req.r.Method, targets); herr != nil {
		return 0, nil, herr
	}
	switch req.r.Method {
	case http.MethodPatch:
		if r.ToMany && !l.many && len(l.ids) > 0 {
			return 0, nil, conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"], "A to-many relationship takes a list.", "/data")
		}
		if !r.ToMany && l.many {
			return 0, nil, conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"], "A to-one relationship takes one resource identifier or null.", "/data")
		}
		s.replaceRel(owner, rel, l)
	case http.MethodPost:
		for _, t := range targets {
			s.st.link(owner, rel, t)
			s.markDirty(t)
		}
	case http.MethodDelete:
		for _, t := range targets {
			s.st.unlink(owner, rel, t)
			s.markDirty(t)
		}
	}
	s.markDirty(owner)
	return req.op.SuccessStatus, nil, nil
}
