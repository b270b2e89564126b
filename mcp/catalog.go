package mcp

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/internal/apicall"
	"github.com/ascend-tools/ascend/internal/spec"
)

// Names of the generic tools.
const (
	toolSearch      = "search_operations"
	toolDescribe    = "describe_operation"
	toolRead        = "call_read_operation"
	toolWrite       = "call_write_operation"
	toolDestructive = "call_destructive_operation"
)

// effect is what calling an operation does to App Store Connect, which decides the tool that
// calls it and that tool's annotations.
type effect int

const (
	effectRead        effect = iota // GET: changes nothing
	effectWrite                     // POST and PATCH: creates, updates, adds links; undone by another call
	effectDestructive               // DELETE, and PATCH replacing a to-many relationship (drops the links not listed)
)

func effectOf(op *spec.Operation) effect {
	switch {
	case op.Method == http.MethodGet:
		return effectRead
	case op.Method == http.MethodDelete, strings.HasSuffix(op.ID, "_replaceToManyRelationship"):
		return effectDestructive
	}
	return effectWrite
}

// idempotent reports whether sending the operation twice has the effect of sending it once:
// everything but a POST that creates (adding links to a to-many relationship is idempotent).
func idempotent(op *spec.Operation) bool {
	return op.Method != http.MethodPost || strings.HasSuffix(op.ID, "_createToManyRelationship")
}

func (e effect) tool() string {
	switch e {
	case effectRead:
		return toolRead
	case effectDestructive:
		return toolDestructive
	}
	return toolWrite
}

// visible reports whether this server shows op: a key that may only read sees read operations.
func (s *server) visible(op *spec.Operation) bool {
	return s.opts.Write || effectOf(op) == effectRead
}

// resourceOf is the JSON:API type an operation reads or writes, "" when the spec does not say.
func resourceOf(op *spec.Operation) string {
	if op.ResponseSchema != "" {
		if typ, _, ok := spec.ResponseItemType(op.ResponseSchema); ok && typ != "" {
			return typ
		}
	}
	if op.RequestSchema != "" {
		if b, ok := spec.RequestBody(op.RequestSchema); ok && b.Type != "" {
			return b.Type
		}
	}
	// A delete names its resource only in the path: /vN/{type}/{id}, or the target of
	// /vN/{type}/{id}/relationships/{rel}.
	segs := strings.Split(strings.TrimPrefix(op.Path, "/"), "/")
	if len(segs) < 2 {
		return ""
	}
	if len(segs) == 5 && segs[3] == "relationships" {
		if rt, ok := spec.Resource(segs[1]); ok {
			return rt.Relationships[segs[4]].Type
		}
		return ""
	}
	if len(segs) <= 3 {
		return segs[1]
	}
	return ""
}

type searchArgs struct {
	Query    string `json:"query"`
	Tag      string `json:"tag"`
	Resource string `json:"resource"`
	Method   string `json:"method"`
	Limit    int    `json:"limit"`
	Offset   int    `json:"offset"`
}

type opSummary struct {
	ID         string `json:"id"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Resource   string `json:"resource,omitempty"`
	Deprecated bool   `json:"deprecated,omitempty"`
}

type searchAnswer struct {
	Total      int         `json:"total"`
	Operations []opSummary `json:"operations"`
	NextOffset int         `json:"next_offset,omitempty"`
	Tags       []string    `json:"tags,omitempty"` // when nothing matched: the tags there are
}

const (
	defaultSearchLimit = 25
	maxSearchLimit     = 100
)

func (s *server) search(_ context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a searchArgs
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if a.Limit <= 0 {
		a.Limit = defaultSearchLimit
	}
	a.Limit = min(a.Limit, maxSearchLimit)
	a.Offset = max(a.Offset, 0)
	words := searchWords(a.Query)
	method := strings.ToUpper(strings.TrimSpace(a.Method))
	type hit struct {
		op    *spec.Operation
		score int
	}
	var hits []hit
	for _, op := range spec.Operations() {
		if !s.visible(&op) {
			continue
		}
		if a.Tag != "" && !strings.EqualFold(op.Tag, a.Tag) {
			continue
		}
		if method != "" && op.Method != method {
			continue
		}
		res := resourceOf(&op)
		if a.Resource != "" && !strings.EqualFold(res, a.Resource) {
			continue
		}
		score, ok := matchScore(&op, res, words)
		if !ok {
			continue
		}
		hits = append(hits, hit{op: &op, score: score})
	}
	// Best matches first; among equals, shorter paths (the resource itself before its
	// relations), then the catalog's order.
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return len(hits[i].op.Path) < len(hits[j].op.Path)
	})
	out := searchAnswer{Total: len(hits), Operations: []opSummary{}}
	for i := a.Offset; i < len(hits) && len(out.Operations) < a.Limit; i++ {
		op := hits[i].op
		out.Operations = append(out.Operations, opSummary{ID: op.ID, Method: op.Method, Path: op.Path, Resource: resourceOf(op), Deprecated: op.Deprecated})
	}
	if end := a.Offset + len(out.Operations); end < len(hits) {
		out.NextOffset = end
	}
	if len(hits) == 0 {
		out.Tags = s.tags()
	}
	return answer(out), nil
}

// searchWords splits a query into lower-case words; a plural "s" is dropped so that
// "screenshots" finds appScreenshotSets too.
func searchWords(q string) []string {
	fields := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var out []string
	for _, w := range fields {
		if len(w) > 3 {
			w = strings.TrimSuffix(w, "s")
		}
		out = append(out, w)
	}
	return out
}

// matchScore reports whether every word occurs in the operation's id, path, tag or resource
// type, and how well: a word in the resource type counts most, then in the id.
func matchScore(op *spec.Operation, res string, words []string) (int, bool) {
	id, path, tag, typ := strings.ToLower(op.ID), strings.ToLower(op.Path), strings.ToLower(op.Tag), strings.ToLower(res)
	score := 0
	for _, w := range words {
		switch {
		case strings.Contains(typ, w):
			score += 3
		case strings.Contains(id, w):
			score += 2
		case strings.Contains(path, w) || strings.Contains(tag, w):
			score++
		default:
			return 0, false
		}
	}
	if op.Deprecated {
		score--
	}
	return score, true
}

func (s *server) tags() []string {
	var tags []string
	for _, op := range spec.Operations() {
		if s.visible(&op) && !slices.Contains(tags, op.Tag) {
			tags = append(tags, op.Tag)
		}
	}
	sort.Strings(tags)
	return tags
}

type describeArgs struct {
	Operation string `json:"operation"`
}

type paramDoc struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Array    bool     `json:"array,omitempty"`
	Required bool     `json:"required,omitempty"`
	Enum     []string `json:"enum,omitempty"`
	Maximum  int      `json:"maximum,omitempty"`
}

type fieldDoc struct {
	Type     string               `json:"type,omitempty"`
	Format   string               `json:"format,omitempty"`
	Enum     []string             `json:"enum,omitempty"`
	Required bool                 `json:"required,omitempty"`
	Items    *fieldDoc            `json:"items,omitempty"`
	Props    map[string]*fieldDoc `json:"properties,omitempty"`
}

type relDoc struct {
	Type     string `json:"type,omitempty"`
	ToMany   bool   `json:"to_many,omitempty"`
	Required bool   `json:"required,omitempty"`
}

type bodyDoc struct {
	Schema        string               `json:"schema"`
	Type          string               `json:"type"`
	IDRequired    bool                 `json:"id_required,omitempty"`
	Attributes    map[string]*fieldDoc `json:"attributes,omitempty"`
	Relationships map[string]relDoc    `json:"relationships,omitempty"`
	Example       json.RawMessage      `json:"example"`
}

type returnsDoc struct {
	Status        int      `json:"status"`
	Schema        string   `json:"schema,omitempty"`
	MediaType     string   `json:"media_type,omitempty"`
	Type          string   `json:"type,omitempty"`
	List          bool     `json:"list,omitempty"`
	Attributes    []string `json:"attributes,omitempty"`
	Relationships []string `json:"relationships,omitempty"`
}

type describeAnswer struct {
	ID          string     `json:"id"`
	Method      string     `json:"method"`
	Path        string     `json:"path"`
	Tag         string     `json:"tag"`
	Deprecated  bool       `json:"deprecated,omitempty"`
	Tool        string     `json:"tool"`
	ReadOnly    bool       `json:"read_only"`
	Destructive bool       `json:"destructive"`
	Idempotent  bool       `json:"idempotent"`
	Confirm     bool       `json:"needs_confirm,omitempty"`
	PathParams  []string   `json:"path_params,omitempty"`
	Paged       bool       `json:"paged,omitempty"`
	Query       []paramDoc `json:"query,omitempty"`
	Body        *bodyDoc   `json:"body,omitempty"`
	Returns     returnsDoc `json:"returns"`
}

func (s *server) describe(_ context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a describeArgs
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	op, bad := s.operation(a.Operation)
	if bad != nil {
		return bad, nil
	}
	return answer(describeOp(op)), nil
}

// operation finds a visible operation by id, or answers why not with the nearest ids.
func (s *server) operation(id string) (*spec.Operation, *sdk.CallToolResult) {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, failure(&toolError{Message: "operation is required: an operation id from search_operations, e.g. apps_getCollection", Sent: sentNo})
	}
	op, ok := spec.ByID(id)
	if ok && s.visible(op) {
		return op, nil
	}
	if ok {
		return nil, failure(forbidden(id))
	}
	e := &toolError{Message: "unknown operation " + id, Sent: sentNo}
	if near := s.nearestIDs(id); len(near) > 0 {
		e.Hint = "did you mean " + strings.Join(near, ", ") + "? search_operations finds operations by words"
	} else {
		e.Hint = "search_operations finds operations by words"
	}
	return nil, failure(e)
}

// nearestIDs suggests up to three visible operation ids sharing the most of id's words.
func (s *server) nearestIDs(id string) []string {
	words := searchWords(strings.NewReplacer("_", " ").Replace(splitCamel(id)))
	type cand struct {
		id    string
		score int
	}
	var cands []cand
	for _, op := range spec.Operations() {
		if !s.visible(&op) {
			continue
		}
		lower := strings.ToLower(op.ID)
		n := 0
		for _, w := range words {
			if strings.Contains(lower, w) {
				n++
			}
		}
		if n*2 > len(words) {
			cands = append(cands, cand{op.ID, n*100 - len(op.ID)})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var out []string
	for _, c := range cands[:min(3, len(cands))] {
		out = append(out, c.id)
	}
	return out
}

func splitCamel(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func describeOp(op *spec.Operation) describeAnswer {
	e := effectOf(op)
	out := describeAnswer{
		ID: op.ID, Method: op.Method, Path: op.Path, Tag: op.Tag, Deprecated: op.Deprecated,
		Tool: e.tool(), ReadOnly: e == effectRead, Destructive: e == effectDestructive, Idempotent: idempotent(op),
		Confirm: e == effectDestructive, PathParams: apicall.PathParams(op),
	}
	for _, p := range op.Params {
		out.Query = append(out.Query, paramDoc{Name: p.Name, Type: p.Type, Array: p.Array, Required: p.Required, Enum: p.Enum, Maximum: p.Maximum})
		if p.Name == "limit" && op.Method == http.MethodGet {
			out.Paged = true
		}
	}
	if op.RequestSchema != "" {
		if b, ok := spec.RequestBody(op.RequestSchema); ok {
			out.Body = bodyOf(b)
		}
	}
	out.Returns = returnsDoc{Status: op.SuccessStatus, Schema: op.ResponseSchema, MediaType: op.MediaType}
	if op.ResponseSchema != "" {
		if typ, list, ok := spec.ResponseItemType(op.ResponseSchema); ok {
			out.Returns.Type, out.Returns.List = typ, list
			if rt, ok := spec.Resource(typ); ok {
				out.Returns.Attributes = sortedKeys(rt.Attributes)
				out.Returns.Relationships = sortedKeys(rt.Relationships)
			}
		}
	}
	return out
}

func bodyOf(b *spec.Body) *bodyDoc {
	d := &bodyDoc{Schema: b.Schema, Type: b.Type, IDRequired: b.IDRequired}
	if len(b.Attributes) > 0 {
		d.Attributes = map[string]*fieldDoc{}
		for name, f := range b.Attributes {
			fd := fieldOf(f, 0)
			if fd == nil {
				fd = &fieldDoc{}
			}
			fd.Required = slices.Contains(b.RequiredAttributes, name)
			d.Attributes[name] = fd
		}
	}
	if len(b.Relationships) > 0 {
		d.Relationships = map[string]relDoc{}
		for name, r := range b.Relationships {
			d.Relationships[name] = relDoc{Type: r.Type, ToMany: r.ToMany, Required: slices.Contains(b.RequiredRelationships, name)}
		}
	}
	d.Example = exampleBody(b)
	return d
}

// fieldOf documents a field, nested objects to a few levels (Apple's are shallow).
func fieldOf(f *spec.Field, depth int) *fieldDoc {
	if f == nil || depth > 4 {
		return nil
	}
	d := &fieldDoc{Type: f.Type, Format: f.Format, Enum: f.Enum, Items: fieldOf(f.Items, depth+1)}
	if len(f.Properties) > 0 {
		d.Props = map[string]*fieldDoc{}
		for k, v := range f.Properties {
			if pd := fieldOf(v, depth+1); pd != nil {
				pd.Required = slices.Contains(f.Required, k)
				d.Props[k] = pd
			} else {
				d.Props[k] = &fieldDoc{}
			}
		}
	}
	return d
}

// exampleBody is a skeleton of a valid body: the type, the id when the path names it, every
// required attribute and relationship with a placeholder of the right kind.
func exampleBody(b *spec.Body) json.RawMessage {
	type ident struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	type linkage struct {
		Data any `json:"data"`
	}
	type resource struct {
		Type          string             `json:"type"`
		ID            string             `json:"id,omitempty"`
		Attributes    map[string]any     `json:"attributes,omitempty"`
		Relationships map[string]linkage `json:"relationships,omitempty"`
	}
	type doc struct {
		Data any `json:"data"`
	}
	if len(b.Attributes) == 0 && len(b.Relationships) == 0 && b.Type != "" {
		// A relationship request: data is the linked resources' identifiers.
		raw, _ := json.Marshal(doc{Data: []ident{{Type: b.Type, ID: "<id>"}}})
		return raw
	}
	r := resource{Type: b.Type}
	if b.IDRequired {
		r.ID = "<id from the path>"
	}
	for _, name := range b.RequiredAttributes {
		if r.Attributes == nil {
			r.Attributes = make(map[string]any)
		}
		r.Attributes[name] = placeholder(b.Attributes[name])
	}
	for _, name := range b.RequiredRelationships {
		if r.Relationships == nil {
			r.Relationships = map[string]linkage{}
		}
		rel := b.Relationships[name]
		id := ident{Type: rel.Type, ID: "<" + rel.Type + " id>"}
		if rel.ToMany {
			r.Relationships[name] = linkage{Data: []ident{id}}
		} else {
			r.Relationships[name] = linkage{Data: id}
		}
	}
	raw, _ := json.Marshal(doc{Data: r})
	return raw
}

func placeholder(f *spec.Field) any {
	if f == nil {
		return "<value>"
	}
	if len(f.Enum) > 0 {
		return "<one of " + strings.Join(f.Enum, ", ") + ">"
	}
	switch f.Type {
	case "boolean":
		return false
	case "integer", "number":
		return 0
	case "array":
		return []any{}
	case "object":
		return struct{}{}
	}
	if f.Format != "" {
		return "<" + f.Format + ">"
	}
	return "<string>"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
