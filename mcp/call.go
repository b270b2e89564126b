package mcp

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/apicall"
	"github.com/ascend-tools/ascend/internal/spec"
)

// Bounds of one answer, so a list never floods an agent's context: items per answer, bytes of
// items per answer (at least one item is always given), text of a non-JSON answer.
const (
	defaultMaxItems = 50
	maxMaxItems     = 200
	maxItemBytes    = 60_000
	maxTextBytes    = 32_000
	// maxReadBytes caps what is read of one answer from App Store Connect.
	maxReadBytes = 64 << 20
)

// scalar is a JSON string, number or boolean given where the API wants text.
type scalar string

func (s *scalar) UnmarshalJSON(b []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		*s = scalar(x)
	case json.Number:
		*s = scalar(x.String())
	case bool:
		*s = scalar(strconv.FormatBool(x))
	default:
		return fmt.Errorf("want a string, number or boolean, got %s", bytes.TrimSpace(b))
	}
	return nil
}

// queryValue is a query parameter's value: a scalar or an array of scalars (sent
// comma-separated, as Apple takes arrays).
type queryValue []string

func (q *queryValue) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		var items []scalar
		if err := json.Unmarshal(t, &items); err != nil {
			return err
		}
		for _, it := range items {
			*q = append(*q, string(it))
		}
		return nil
	}
	var s scalar
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*q = queryValue{string(s)}
	return nil
}

type callArgs struct {
	Operation  string                `json:"operation"`
	PathParams map[string]scalar     `json:"path_params"`
	Query      map[string]queryValue `json:"query"`
}

type readArgs struct {
	callArgs
	MaxItems int    `json:"max_items"`
	Cursor   string `json:"cursor"`
	Raw      bool   `json:"raw"`
}

type writeArgs struct {
	callArgs
	Body   json.RawMessage `json:"body"`
	Repeat bool            `json:"repeat"`
	Raw    bool            `json:"raw"`
}

type destructiveArgs struct {
	callArgs
	Body    json.RawMessage `json:"body"`
	Confirm bool            `json:"confirm"`
}

// prepare turns a call's arguments into a request for an operation of the wanted effect,
// checked exactly as `ascend api` checks one. A refusal comes back as the tool's answer.
func (s *server) prepare(ctx context.Context, a *callArgs, body json.RawMessage, want effect) (*spec.Operation, *apicall.Request, *sdk.CallToolResult) {
	id := strings.TrimSpace(a.Operation)
	op, ok := spec.ByID(id)
	if !ok {
		_, bad := s.operation(id)
		return nil, nil, bad
	}
	got := effectOf(op)
	params := make(map[string]string, len(a.PathParams))
	for k, v := range a.PathParams {
		params[k] = string(v)
	}
	path, pathErr := apicall.PathOf(op, params)
	if got != effectRead && !s.opts.Write {
		where := path
		if pathErr != nil {
			where = op.Path
		}
		s.audit(ctx, op.Method, where, http.StatusForbidden)
		return nil, nil, failure(forbidden(op.ID))
	}
	if got != want {
		return nil, nil, failure(&toolError{
			Message: fmt.Sprintf("%s is %s %s: call it with %s", op.ID, op.Method, op.Path, got.tool()),
			Sent:    sentNo,
		})
	}
	if pathErr != nil {
		return nil, nil, failure(&toolError{Message: pathErr.Error(), Sent: sentNo})
	}
	q := url.Values{}
	for name, v := range a.Query {
		q.Set(name, strings.Join(v, ","))
	}
	req := &apicall.Request{Method: op.Method, Path: path, Query: q}
	if op.MediaType != "" && !strings.Contains(op.MediaType, "json") {
		// Apple refuses a JSON Accept on its CSV and gzip answers.
		req.Accept = op.MediaType
	}
	if t := bytes.TrimSpace(body); len(t) > 0 && string(t) != "null" {
		var compact bytes.Buffer
		if err := json.Compact(&compact, t); err != nil {
			return nil, nil, failure(&toolError{Message: "body is not JSON: " + err.Error(), Sent: sentNo})
		}
		req.Body = compact.Bytes()
	}
	if err := apicall.Check(op, req); err != nil {
		var invalid *apicall.Error
		if errors.As(err, &invalid) {
			return nil, nil, failure(&toolError{Message: invalid.Error(), Errors: invalid.APIErrors(), Sent: sentNo,
				Hint: "describe_operation " + op.ID + " lists its parameters and body"})
		}
		return nil, nil, failure(&toolError{Message: err.Error(), Sent: sentNo})
	}
	return op, req, nil
}

// page is where a paged answer resumes: the cursor of the page App Store Connect is asked
// for (empty: the first) and how many of its items were already given. Hash ties it to the
// request it came from.
type page struct {
	Hash   string `json:"h"`
	Cursor string `json:"c,omitempty"`
	Offset int    `json:"o,omitempty"`
}

func requestHash(req *apicall.Request) string {
	q := url.Values{}
	for k, v := range req.Query {
		if k != "cursor" {
			q[k] = v
		}
	}
	sum := sha256.Sum256([]byte(req.Method + " " + req.Path + "?" + q.Encode()))
	return hex.EncodeToString(sum[:6])
}

func (p page) encode() string {
	raw, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodePage(s string) (page, error) {
	var p page
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(raw, &p)
	}
	if err != nil || p.Offset < 0 {
		return page{}, errors.New("cursor is not one this server gave: pass next_cursor from the previous answer as it is")
	}
	return p, nil
}

func (s *server) callRead(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a readArgs
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	op, r, bad := s.prepare(ctx, &a.callArgs, nil, effectRead)
	if bad != nil {
		return bad, nil
	}
	maxItems := a.MaxItems
	if maxItems <= 0 {
		maxItems = defaultMaxItems
	}
	maxItems = min(maxItems, maxMaxItems)
	at := page{Hash: requestHash(r)}
	if a.Cursor != "" {
		p, err := decodePage(a.Cursor)
		if err == nil && p.Hash != at.Hash {
			err = errors.New("cursor belongs to another request: call again with the same operation, path_params and query as the answer that gave it")
		}
		if err != nil {
			return failure(&toolError{Message: err.Error(), Sent: sentNo}), nil
		}
		at = p
	}
	if lp, ok := op.Param("limit"); ok && !r.Query.Has("limit") {
		n := maxItems
		if lp.Maximum > 0 {
			n = min(n, lp.Maximum)
		}
		r.Query.Set("limit", strconv.Itoa(n))
	}
	if at.Cursor != "" {
		r.Query.Set("cursor", at.Cursor)
	}
	return s.send(ctx, op, r, func(doc *document, out *callAnswer) {
		boundItems(doc, out, at, maxItems, a.Raw)
	}, a.Raw).CallToolResult, nil
}

func (s *server) callWrite(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a writeArgs
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	op, r, bad := s.prepare(ctx, &a.callArgs, a.Body, effectWrite)
	if bad != nil {
		return bad, nil
	}
	if idempotent(op) {
		return s.send(ctx, op, r, nil, a.Raw).CallToolResult, nil
	}
	// A create sent twice makes two: an identical one already sent (or whose outcome is
	// unknown) is refused until the agent has looked, unless it says repeat.
	key := s.opts.Who + "\x00" + op.ID + "\x00" + r.Path + "\x00" + canonicalJSON(r.Body)
	prev, fresh := s.opts.Ledger.begin(key, a.Repeat)
	if !fresh {
		return failure(&toolError{
			Message: fmt.Sprintf("this exact %s was already sent %s (%s); sending it again would create a second one", op.ID, prev.ago(s.opts.Ledger.now()), prev.describe()),
			Sent:    sentNo,
			Hint:    readBackHint(op, r.Body) + "; to create another anyway, call again with repeat: true",
		}), nil
	}
	res := s.send(ctx, op, r, nil, a.Raw)
	s.opts.Ledger.finish(key, res.outcome)
	return res.CallToolResult, nil
}

func (s *server) callDestructive(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a destructiveArgs
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	op, r, bad := s.prepare(ctx, &a.callArgs, a.Body, effectDestructive)
	if bad != nil {
		return bad, nil
	}
	if !a.Confirm {
		return failure(&toolError{
			Message: fmt.Sprintf("%s %s (%s) %s and cannot be undone; nothing was sent", r.Method, r.Path, op.ID, destroys(op)),
			Sent:    sentNo,
			Hint:    "make sure this is what the user wants, then call again with confirm: true",
		}), nil
	}
	return s.send(ctx, op, r, nil, false).CallToolResult, nil
}

// destroys says what a destructive operation removes.
func destroys(op *spec.Operation) string {
	typ := resourceOf(op)
	switch {
	case strings.HasSuffix(op.ID, "_replaceToManyRelationship"):
		return "replaces every link of the relationship, dropping those not listed"
	case strings.HasSuffix(op.ID, "_deleteToManyRelationship"):
		return "removes the listed links"
	case typ != "":
		return "deletes the " + typ + " resource"
	}
	return "deletes the resource"
}

// document is the part of a JSON:API answer a call reads.
type document struct {
	Data     json.RawMessage   `json:"data"`
	Included []json.RawMessage `json:"included"`
	Links    struct {
		Next string `json:"next"`
	} `json:"links"`
	Meta *struct {
		Paging *struct {
			Total int `json:"total"`
		} `json:"paging"`
	} `json:"meta"`
}

// callAnswer is a call's answer.
type callAnswer struct {
	Operation  string            `json:"operation"`
	Status     int               `json:"status"`
	Item       json.RawMessage   `json:"item,omitempty"`
	Items      []json.RawMessage `json:"items,omitempty"`
	Count      *int              `json:"count,omitempty"`
	Total      int               `json:"total,omitempty"`
	NextCursor string            `json:"next_cursor,omitempty"`
	Included   []json.RawMessage `json:"included,omitempty"`
	MediaType  string            `json:"media_type,omitempty"`
	Bytes      int               `json:"bytes,omitempty"`
	Text       string            `json:"text,omitempty"`
	Truncated  bool              `json:"truncated,omitempty"`
	Note       string            `json:"note,omitempty"`
	Remaining  *int              `json:"rate_limit_remaining,omitempty"`
}

// sent is a call's result and what the ledger should remember of it.
type sent struct {
	*sdk.CallToolResult
	outcome entry
}

// send makes the request and shapes the answer; list, when set, shapes a list's items.
func (s *server) send(ctx context.Context, op *spec.Operation, r *apicall.Request, list func(*document, *callAnswer), raw bool) sent {
	rc, resp, err := apicall.Send(ctx, s.opts.Client, r)
	if err != nil {
		var apiErr *asc.ErrorResponse
		if errors.As(err, &apiErr) && apiErr.StatusCode < 500 {
			// App Store Connect refused it: nothing changed, sending a fixed request is safe.
			return sent{CallToolResult: errorOf(err, sentYes), outcome: entry{outcome: outcomeRefused}}
		}
		if r.Method == http.MethodGet {
			return sent{CallToolResult: errorOf(err, sentUnknown)}
		}
		res := errorOf(err, sentUnknown)
		if e, ok := resultError(res); ok && e.Sent == sentUnknown {
			e.Hint = "the write may have taken effect: " + readBackHint(op, r.Body) + " before sending it again"
			res = failure(e)
		}
		return sent{CallToolResult: res, outcome: entry{outcome: outcomeUnknown}}
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxReadBytes))
	if err != nil {
		return sent{CallToolResult: failure(&toolError{Message: fmt.Sprintf("%s %s: read the answer: %v", r.Method, r.Path, err), Sent: sentYes}),
			outcome: entry{outcome: outcomeDone, status: resp.StatusCode}}
	}
	out := callAnswer{Operation: op.ID, Status: resp.StatusCode}
	if resp.Rate.Known {
		out.Remaining = &resp.Rate.Remaining
	}
	done := entry{outcome: outcomeDone, status: resp.StatusCode}
	switch {
	case len(bytes.TrimSpace(data)) == 0:
	case strings.Contains(resp.Header.Get("Content-Type"), "json") || (resp.Header.Get("Content-Type") == "" && json.Valid(data)):
		var doc document
		if err := json.Unmarshal(data, &doc); err != nil {
			return sent{CallToolResult: failure(&toolError{Message: fmt.Sprintf("%s %s answered JSON that is not a document: %v", r.Method, r.Path, err), Sent: sentYes}), outcome: done}
		}
		if t := bytes.TrimSpace(doc.Data); len(t) > 0 && t[0] == '[' {
			if list == nil {
				list = func(doc *document, out *callAnswer) { boundItems(doc, out, page{}, maxMaxItems, raw) }
			}
			list(&doc, &out)
		} else if len(doc.Data) > 0 && string(doc.Data) != "null" {
			out.Item = shape(doc.Data, raw)
			done.id = resourceID(doc.Data)
			out.Included = shapeAll(doc.Included, raw)
		}
	default:
		text(data, resp.Header.Get("Content-Type"), &out)
	}
	return sent{CallToolResult: answer(out), outcome: done}
}

// resultError recovers the toolError of a failure result.
func resultError(res *sdk.CallToolResult) (*toolError, bool) {
	if len(res.Content) != 1 {
		return nil, false
	}
	tc, ok := res.Content[0].(*sdk.TextContent)
	if !ok {
		return nil, false
	}
	var e toolError
	if json.Unmarshal([]byte(tc.Text), &e) != nil {
		return nil, false
	}
	return &e, true
}

// boundItems gives the items of one page from offset at.Offset, at most maxItems and about
// maxItemBytes of them, and a cursor where more remain.
func boundItems(doc *document, out *callAnswer, at page, maxItems int, raw bool) {
	var items []json.RawMessage
	_ = json.Unmarshal(doc.Data, &items)
	if doc.Meta != nil && doc.Meta.Paging != nil {
		out.Total = doc.Meta.Paging.Total
	}
	start := min(at.Offset, len(items))
	size := 0
	out.Items = []json.RawMessage{}
	i := start
	for ; i < len(items) && len(out.Items) < maxItems; i++ {
		it := shape(items[i], raw)
		if len(out.Items) > 0 && size+len(it) > maxItemBytes {
			break
		}
		size += len(it)
		out.Items = append(out.Items, it)
	}
	n := len(out.Items)
	out.Count = &n
	switch {
	case i < len(items):
		next := at
		next.Offset = i
		out.NextCursor = next.encode()
	case doc.Links.Next != "":
		if u, err := url.Parse(doc.Links.Next); err == nil && u.Query().Get("cursor") != "" {
			out.NextCursor = page{Hash: at.Hash, Cursor: u.Query().Get("cursor")}.encode()
		} else {
			out.Note = "App Store Connect has more items but its next link carries no cursor"
		}
	}
	if out.NextCursor != "" {
		out.Note = "more items: call again with the same arguments and cursor: next_cursor"
	}
	out.Included = shapeAll(doc.Included, raw)
}

func shapeAll(items []json.RawMessage, raw bool) []json.RawMessage {
	if len(items) == 0 {
		return nil
	}
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		out = append(out, shape(it, raw))
	}
	return out
}

// shape scrubs a resource and, unless raw, flattens it: type, id, every non-null attribute at
// the top level, and relationships as {name: id or [ids]}; links are left out.
func shape(item json.RawMessage, raw bool) json.RawMessage {
	var v any
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return item
	}
	obj, ok := v.(map[string]any)
	if raw || !ok {
		return marshal(scrub(v))
	}
	// Flattened, only the attributes are kept as they are; links (most of a resource) go, so
	// they need no scrubbing.
	if attrs, ok := obj["attributes"].(map[string]any); ok {
		scrub(attrs)
	}
	var b bytes.Buffer
	b.WriteString(`{"type":`)
	b.Write(marshal(obj["type"]))
	b.WriteString(`,"id":`)
	b.Write(marshal(obj["id"]))
	if attrs, ok := obj["attributes"].(map[string]any); ok {
		for _, k := range sortedKeys(attrs) {
			if attrs[k] == nil || k == "type" || k == "id" || k == "relationships" {
				continue
			}
			b.WriteByte(',')
			b.Write(marshal(k))
			b.WriteByte(':')
			b.Write(marshal(attrs[k]))
		}
	}
	if rels, ok := obj["relationships"].(map[string]any); ok {
		var parts []string
		for _, name := range sortedKeys(rels) {
			rel, _ := rels[name].(map[string]any)
			data, present := rel["data"]
			if !present {
				continue
			}
			parts = append(parts, string(marshal(name))+":"+string(marshal(linkIDs(data))))
		}
		if len(parts) > 0 {
			b.WriteString(`,"relationships":{`)
			b.WriteString(strings.Join(parts, ","))
			b.WriteByte('}')
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// linkIDs reduces relationship data to its ids: null, "id" or ["id", ...].
func linkIDs(data any) any {
	idOf := func(v any) any {
		if m, ok := v.(map[string]any); ok {
			return m["id"]
		}
		return v
	}
	if list, ok := data.([]any); ok {
		ids := make([]any, 0, len(list))
		for _, it := range list {
			ids = append(ids, idOf(it))
		}
		return ids
	}
	if data == nil {
		return nil
	}
	return idOf(data)
}

func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return []byte("null")
	}
	return bytes.TrimSpace(b.Bytes())
}

func resourceID(data json.RawMessage) string {
	var r struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(data, &r)
	return r.ID
}

// text shapes a non-JSON answer (CSV, a gzip report): its text, bounded, or only its size
// when it is binary.
func text(data []byte, mediaType string, out *callAnswer) {
	out.MediaType = mediaType
	out.Bytes = len(data)
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			if plain, err := io.ReadAll(io.LimitReader(zr, maxTextBytes+1)); err == nil || len(plain) > 0 {
				data = plain
				out.Note = "gzip answer, shown decompressed"
			}
		}
	}
	truncated := false
	if len(data) > maxTextBytes {
		cut := maxTextBytes
		for cut > 0 && !utf8.RuneStart(data[cut]) {
			cut--
		}
		data, truncated = data[:cut], true
	}
	if !utf8.Valid(data) {
		out.Note = "binary answer: not shown"
		return
	}
	out.Truncated = truncated
	out.Text = scrubText(string(data))
}

// canonicalJSON renders a body with sorted keys, so that the same create is recognised
// however its keys were ordered.
func canonicalJSON(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	return string(marshal(v))
}

// readBackHint names the read that shows whether a create took effect: the parent's list of
// the created type when the body links a parent, else the type's collection.
func readBackHint(op *spec.Operation, body []byte) string {
	typ := resourceOf(op)
	var doc struct {
		Data struct {
			Relationships map[string]struct {
				Data *struct {
					Type, ID string
				} `json:"data"`
			} `json:"relationships"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &doc)
	names := sortedKeys(doc.Data.Relationships)
	for _, name := range names {
		parent := doc.Data.Relationships[name].Data
		if parent == nil || parent.Type == "" || parent.ID == "" {
			continue
		}
		if list := relatedList(parent.Type, typ); list != nil {
			return fmt.Sprintf(`read back with %s {"operation": %q, "path_params": {"id": %q}}`, toolRead, list.ID, parent.ID)
		}
	}
	for _, o := range spec.Operations() {
		if o.Method == http.MethodGet && strings.HasSuffix(o.ID, "_getCollection") && resourceOf(&o) == typ {
			return fmt.Sprintf(`read back with %s {"operation": %q} (filter to the one you created)`, toolRead, o.ID)
		}
	}
	return "read back what the create would have made"
}

// relatedList finds the GET listing the child type under a parent resource.
func relatedList(parentType, childType string) *spec.Operation {
	var best *spec.Operation
	for _, o := range spec.Operations() {
		if o.Method != http.MethodGet || strings.Contains(o.Path, "/relationships/") {
			continue
		}
		segs := strings.Split(strings.TrimPrefix(o.Path, "/"), "/")
		if len(segs) != 4 || segs[1] != parentType || segs[2] != "{id}" || resourceOf(&o) != childType {
			continue
		}
		if best == nil || (best.Deprecated && !o.Deprecated) {
			op := o
			best = &op
		}
	}
	return best
}
