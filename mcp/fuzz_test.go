package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/mcp"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// Bits of FuzzToolCalls' flags.
const (
	fuzzRaw     = 1 << iota // the blob is the arguments (JSON), or a string put in the example's place
	fuzzReadKey             // call the server of a key that may only read
	fuzzNoReset             // keep the sandbox's state from the previous input
	// Bits 3 to 5 pick a sandbox fault (0: none, else fuzzFaults[n-1]), bits 6 and 7 how many
	// requests it lets through first, so that workflows fail midway too.
	fuzzFaultShift = 3
)

// fuzzWrites are the methods of requests that change something.
const fuzzWrites = "POST|PATCH|DELETE"

// fuzzFaults are the sandbox's failures an input may meet: Apple's 5xx and 4xx with its
// error body (one with a line break in its detail), connections closed without an answer,
// before or after a write took effect.
var fuzzFaults = []sandbox.FaultRule{
	{Status: 500}, {Status: 503}, {Status: 502, Code: "X", Detail: "a\nb\x1b[2J"}, {Drop: true},
	{Method: fuzzWrites, Drop: true, After: true}, {Method: fuzzWrites, Status: 409, Code: "ENTITY_ERROR", Detail: "refused\r\nagain"},
	{Method: fuzzWrites, Status: 500},
}

// fuzzMaxBlob bounds an input's blob: longer ones are skipped, so no call is slow.
const fuzzMaxBlob = 8 << 10

// fuzzCallTimeout is how long one tool call may take before it counts as a hang.
const fuzzCallTimeout = 30 * time.Second

// FuzzToolCalls calls the server's tools through a real MCP client session with arbitrary
// arguments, and checks for every input:
//
//  1. no panic, no hang, and no protocol failure: a call answers one text content holding one
//     compact JSON object (one line), or a JSON-RPC invalid-params error; a tool error says
//     what went wrong in a one-line message without raw control characters, and whether
//     anything was sent; "sent": "no" means no request that writes reached the sandbox;
//  2. a tool annotated ReadOnlyHint sends no POST, PATCH, DELETE or PUT, nor does any tool of
//     a server for a key that may only read (its write tools are refused, FORBIDDEN_ERROR);
//  3. a tool annotated IdempotentHint that succeeded, called again with the same arguments,
//     sends no write and reports nothing created, changed, written, added or removed;
//  4. a structured result validates against the tool's OutputSchema, and a tool declaring
//     one gives a structured result when it succeeds;
//  5. no answer carries the sandbox's private keys, key ids or issuer, or a JSON Web Token
//     the arguments did not hold.
//
// An input may also meet a sandbox fault (fuzzFaults), at once or after a request or two, so
// that workflows fail midway: the invariants hold then too.
//
// The input picks a tool by its index in tools/list; the blob is either the arguments as
// they are (fuzzRaw, when it is JSON), a string put in place of the example's first string,
// or a recipe of edits (delete, set from a palette of known-bad values, add an unknown
// argument) applied to a valid example built from the tool's input schema and the demo data.
func FuzzToolCalls(f *testing.F) {
	rig := newToolRig(f)
	for i := range rig.tools {
		f.Add(uint8(i), uint8(0), []byte{})                         // the valid example
		f.Add(uint8(i), uint8(fuzzReadKey), []byte{})               // the same, for a read key
		f.Add(uint8(i), uint8(fuzzRaw), []byte(`{}`))               // empty object
		f.Add(uint8(i), uint8(fuzzRaw), []byte(`{"app":17}`))       // a wrong type
		f.Add(uint8(i), uint8(fuzzRaw), []byte(`[]`))               // not an object
		f.Add(uint8(i), uint8(fuzzRaw), []byte("com.example.nope")) // an unknown app
		f.Add(uint8(i), uint8(fuzzRaw), []byte("1.2-beta"))
		f.Add(uint8(i), uint8(fuzzRaw), []byte("a\x00b\x1b[31m\r\nc\u2028"))
		f.Add(uint8(i), uint8(fuzzRaw), []byte(strings.Repeat("x", 5000)))
		for op := range 6 { // each edit once
			f.Add(uint8(i), uint8(0), []byte{byte(op), byte(i)})
		}
		for n := range fuzzFaults { // each fault, at once and after a request or two
			f.Add(uint8(i), uint8((n+1)<<fuzzFaultShift|(i%3)<<6), []byte{})
		}
	}
	for k := range fuzzPalette { // each palette value once, on a tool in turn
		f.Add(uint8(k%len(rig.tools)), uint8(0), []byte{byte(1 + 6*k), byte(k)})
	}
	f.Fuzz(func(t *testing.T, toolIdx, flags uint8, blob []byte) {
		if len(blob) > fuzzMaxBlob {
			t.Skip()
		}
		if flags&fuzzNoReset == 0 && rig.dirty {
			if err := rig.sb.Reset(); err != nil {
				t.Fatal(err)
			}
			rig.dirty = false
		}
		if n := int(flags>>fuzzFaultShift) & 7; n > 0 {
			rule := fuzzFaults[(n-1)%len(fuzzFaults)]
			rule.Skip = int(flags >> 6)
			if err := rig.sb.SetFaultRules(rule); err != nil {
				t.Fatal(err)
			}
			rig.faulty = true
			defer func() { rig.sb.SetFaultRules(); rig.faulty = false }()
		}
		tl := rig.tools[int(toolIdx)%len(rig.tools)]
		args := rig.arguments(tl, flags&fuzzRaw != 0, blob)
		rig.check(t, tl, flags&fuzzReadKey != 0, args)
	})
}

// toolRig is one sandbox with two servers in front of it (a write key's and a read key's),
// shared by every input of a fuzzing process.
type toolRig struct {
	sb       *sandboxtest.Sandbox
	rw, ro   *sdk.ClientSession
	tools    []*sdk.Tool // the write key's tools/list, by name
	secrets  []string
	examples map[string]map[string]any
	dirty    bool // a write reached the sandbox since its last reset
	faulty   bool // a fault rule is set for this input
}

// settle waits until the sandbox has recorded every request it received: it counts a request
// after its answer is written (or its connection dropped by a fault), so the client may have
// it a moment before it is counted, and it belongs to this call's count, not the next one's. Bounded: it gives up after 10 s.
func (rig *toolRig) settle() {
	for deadline := time.Now().Add(10 * time.Second); rig.sb.Stats().InFlight > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

func newToolRig(f *testing.F) *toolRig {
	sb := sandboxtest.Start(f, sandbox.Options{HourlyLimit: -1})
	rig := &toolRig{sb: sb}
	ledger := mcp.NewLedger()
	rig.rw = serve(f, mcp.Options{Client: sb.Client(), Write: true, Ledger: ledger})
	rig.ro = serve(f, mcp.Options{Client: sb.Client(), Ledger: ledger})
	for tl, err := range rig.rw.Tools(context.Background(), nil) {
		if err != nil {
			f.Fatal(err)
		}
		rig.tools = append(rig.tools, tl)
	}
	slices.SortFunc(rig.tools, func(a, b *sdk.Tool) int { return strings.Compare(a.Name, b.Name) })
	if len(rig.tools) == 0 {
		f.Fatal("no tools")
	}

	// Secrets: the key's PEM (whole, and each line of its body), its id and issuer.
	for _, pem := range [][]byte{sb.KeyPEM(), sb.ReadOnlyKeyPEM()} {
		for _, line := range strings.Split(string(pem), "\n") {
			if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				rig.secrets = append(rig.secrets, line)
			}
		}
	}
	rig.secrets = append(rig.secrets, "PRIVATE KEY", sb.Key().ID)
	if sb.Key().IssuerID != "" {
		rig.secrets = append(rig.secrets, sb.Key().IssuerID)
	}

	// The demo data's ids, the same after every Reset.
	ctx := context.Background()
	appID, appInfoID, locID := rig.demoIDs(f, ctx)
	if err := sb.Reset(); err != nil {
		f.Fatal(err)
	}
	if a, i, l := rig.demoIDs(f, ctx); a != appID || i != appInfoID || l != locID {
		f.Fatalf("ids differ after a reset: %s %s %s, then %s %s %s", appID, appInfoID, locID, a, i, l)
	}
	const app = "com.example.daybreak"
	rig.examples = map[string]map[string]any{
		"search_operations":  {"query": "app info localizations", "method": "POST", "limit": 5},
		"describe_operation": {"operation": "apps_getCollection"},
		"call_read_operation": {"operation": "apps_appInfos_getToManyRelated", "path_params": map[string]any{"id": appID},
			"query": map[string]any{"limit": 2}, "max_items": 2},
		"call_write_operation": createLocalizationArgs(appInfoID, "fi"),
		"call_destructive_operation": {"operation": "appInfoLocalizations_deleteInstance", "path_params": map[string]any{"id": locID},
			"confirm": true},
		"metadata_plan": {"app": app, "metadata": map[string]any{"locales": map[string]any{"en-US": map[string]any{"subtitle": "Plan your week"}},
			"review": map[string]any{"demo_password": "s3cret-pass"}}},
		"metadata_push":           {"app": app, "metadata": map[string]any{"locales": map[string]any{"en-US": map[string]any{"subtitle": "Plan your week"}}}},
		"release_status":          {"app": app, "platform": "IOS"},
		"submit_for_review":       {"app": app, "submit": false},
		"testflight_groups":       {"app": app},
		"testflight_testers":      {"app": app, "group": "Design Partners", "max_items": 5},
		"testflight_create_group": {"app": app, "name": "Agent Beta", "public_link": true, "public_link_limit": 50},
		"testflight_add_testers": {"app": app, "testers": []any{map[string]any{"email": "ada@example.com", "first_name": "Ada", "last_name": "L",
			"groups": []any{"Design Partners"}}}},
		"testflight_remove_testers": {"app": app, "emails": []any{"ada@example.com"}, "confirm": true},
		"testflight_distribute": {"app": app, "version": "2.4.0", "build_number": "491", "groups": []any{"Design Partners"},
			"what_to_test": map[string]any{"en-US": "Try the new focus timer."}, "notify": true},
		"products_list":     {"app": app},
		"product_get":       {"app": app, "product_id": "com.example.daybreak.plus.monthly"},
		"product_set_price": {"app": app, "product_id": "com.example.daybreak.plus.monthly", "territory": "USA", "price": "4.99"},
		"version_create":    {"app": app, "version": "2.4.0", "release": "after-approval", "copyright": "2026 Daybreak Labs"},
		"release_version":   {"app": app, "confirm": false},
		"phased_release":    {"app": app, "version": "2.4.0", "action": "start"},
		"release_plan":      {"app": app, "version": "2.4.0", "submit": true, "phased_release": true},
	}
	return rig
}

// demoIDs finds Daybreak's app id, its first app info and a localization of it that is not
// the primary locale's, through the tools.
func (rig *toolRig) demoIDs(f *testing.F, ctx context.Context) (appID, appInfoID, locID string) {
	read := func(args map[string]any) []map[string]any {
		res, err := rig.rw.CallTool(ctx, &sdk.CallToolParams{Name: "call_read_operation", Arguments: args})
		if err != nil || res.IsError || len(res.Content) != 1 {
			f.Fatalf("read %v: %v %+v", args, err, res)
		}
		var v struct{ Items []map[string]any }
		if err := json.Unmarshal([]byte(res.Content[0].(*sdk.TextContent).Text), &v); err != nil || len(v.Items) == 0 {
			f.Fatalf("read %v: %v", args, err)
		}
		return v.Items
	}
	appID = read(map[string]any{"operation": "apps_getCollection", "query": map[string]any{"filter[bundleId]": "com.example.daybreak"}})[0]["id"].(string)
	appInfoID = read(map[string]any{"operation": "apps_appInfos_getToManyRelated", "path_params": map[string]any{"id": appID}})[0]["id"].(string)
	for _, l := range read(map[string]any{"operation": "appInfos_appInfoLocalizations_getToManyRelated", "path_params": map[string]any{"id": appInfoID}}) {
		if l["locale"] != "en-US" {
			return appID, appInfoID, l["id"].(string)
		}
	}
	f.Fatal("Daybreak's app info has only en-US")
	return
}

// fuzzPalette are the values an edit sets: wrong types, bounds, unknown names, version
// strings Apple refuses, huge and control-laden text.
var fuzzPalette = []any{
	"", " ", "1.2-beta", "com.example.nope", "com.example.ledger", "2.4.0", "IOS", "MAC_OS", "VISION_OS", "TV",
	"a\x00b\x1b[31m\r\nc\u2028d\x7f\u0085", strings.Repeat("é", 4001), "../../etc/passwd", "%2e%2e/x?y=1#z",
	"9999999999", "-1", "null", "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlMTIz",
	-1.0, 0.0, 1.5, 1e300, 2147483648.0, true, false, nil, []any{}, []any{"x", 1.0}, map[string]any{}, map[string]any{"x": "y"},
	[]any{map[string]any{"email": "bo@example.com", "groups": []any{"Nope"}}},
}

// arguments builds one call's arguments from the blob.
func (rig *toolRig) arguments(tl *sdk.Tool, raw bool, blob []byte) any {
	if raw {
		if json.Valid(blob) {
			return json.RawMessage(blob)
		}
		v := rig.example(tl)
		if !replaceFirstString(v, string(blob)) {
			v["app"] = string(blob)
		}
		return v
	}
	v := rig.example(tl)
	// Each edit sets a copy, so no value is shared and none holds itself.
	for i := 0; i+1 < len(blob) && i < 16; i += 2 {
		op, arg := blob[i], blob[i+1]
		paths := valuePaths(v, nil)
		for name := range propertiesOf(tl) {
			if _, ok := v[name]; !ok {
				paths = append(paths, []string{name})
			}
		}
		slices.SortFunc(paths, func(a, b []string) int { return slices.Compare(a, b) })
		if len(paths) == 0 {
			paths = [][]string{{"app"}}
		}
		path := paths[int(arg)%len(paths)]
		switch op % 6 {
		case 0:
			setPath(v, path, nil, true)
		case 1:
			setPath(v, path, deepCopy(fuzzPalette[int(op/6)%len(fuzzPalette)]), false)
		case 2: // the rest of the blob as text
			setPath(v, path, string(blob[i+2:]), false)
			return v
		case 3:
			setPath(v, append(slices.Clone(path[:len(path)-1]), "unknown_"+path[len(path)-1]), "x", false)
		case 4: // the value in an array
			setPath(v, path, []any{deepCopy(getPath(v, path))}, false)
		case 5: // the value as a string
			setPath(v, path, fmt.Sprint(getPath(v, path)), false)
		}
	}
	return v
}

// deepCopy copies a JSON value.
func deepCopy(v any) any {
	var out any
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &out)
	return out
}

// example is a fresh copy of the tool's valid example: the demo data's, else one made from
// its input schema.
func (rig *toolRig) example(tl *sdk.Tool) map[string]any {
	src, ok := rig.examples[tl.Name]
	if !ok {
		src, _ = schemaExample(schemaOf(tl), "").(map[string]any)
	}
	v, _ := deepCopy(src).(map[string]any)
	if v == nil {
		v = map[string]any{}
	}
	return v
}

func schemaOf(tl *sdk.Tool) *jsonschema.Schema {
	var s jsonschema.Schema
	b, _ := json.Marshal(tl.InputSchema)
	_ = json.Unmarshal(b, &s)
	return &s
}

func propertiesOf(tl *sdk.Tool) map[string]*jsonschema.Schema { return schemaOf(tl).Properties }

// schemaExample is a value of s: required properties filled, an enum's first value, a
// minimum, an app argument naming the demo app.
func schemaExample(s *jsonschema.Schema, name string) any {
	if s == nil {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	typ := s.Type
	if typ == "" && len(s.Types) > 0 {
		typ = s.Types[0]
	}
	switch typ {
	case "object":
		out := map[string]any{}
		for _, r := range s.Required {
			out[r] = schemaExample(s.Properties[r], r)
		}
		return out
	case "array":
		return []any{schemaExample(s.Items, "")}
	case "integer", "number":
		if s.Minimum != nil {
			return *s.Minimum
		}
		return 1.0
	case "boolean":
		return false
	case "string":
		if name == "app" {
			return "com.example.daybreak"
		}
		return "x"
	}
	return nil
}

func replaceFirstString(v any, s string) bool {
	switch x := v.(type) {
	case map[string]any:
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range x {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			if str, ok := x[k].(string); ok && str != "" {
				x[k] = s
				return true
			}
			if replaceFirstString(x[k], s) {
				return true
			}
		}
	case []any:
		for i := range x {
			if str, ok := x[i].(string); ok && str != "" {
				x[i] = s
				return true
			}
			if replaceFirstString(x[i], s) {
				return true
			}
		}
	}
	return false
}

// valuePaths lists the paths of every value under v (map keys, array indexes as "#n").
func valuePaths(v any, at []string) [][]string {
	var out [][]string
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			p := append(slices.Clone(at), k)
			out = append(out, p)
			out = append(out, valuePaths(val, p)...)
		}
	case []any:
		for i, val := range x {
			p := append(slices.Clone(at), fmt.Sprintf("#%d", i))
			out = append(out, p)
			out = append(out, valuePaths(val, p)...)
		}
	}
	return out
}

func getPath(v any, path []string) any {
	for _, k := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			if _, err := fmt.Sscanf(k, "#%d", &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// setPath sets (or deletes) the value at path, where its parent exists.
func setPath(root map[string]any, path []string, val any, del bool) {
	if len(path) == 0 {
		return
	}
	parent := getPath(root, path[:len(path)-1])
	if len(path) == 1 {
		parent = root
	}
	last := path[len(path)-1]
	switch x := parent.(type) {
	case map[string]any:
		if del {
			delete(x, last)
		} else {
			x[last] = val
		}
	case []any:
		var i int
		if _, err := fmt.Sscanf(last, "#%d", &i); err == nil && i < len(x) {
			x[i] = val
		}
	}
}

// writeCount is how many requests that may change something the sandbox has served.
func (rig *toolRig) writeCount() int { return rig.sb.Writes() }

// check makes the call (twice for an idempotent tool that succeeded) and asserts the
// invariants.
func (rig *toolRig) check(t *testing.T, tl *sdk.Tool, readKey bool, args any) {
	cs := rig.rw
	if readKey {
		cs = rig.ro
	}
	argText, _ := json.Marshal(args)
	res, writes := rig.call(t, cs, tl, args, argText)
	ann := tl.Annotations
	if ann == nil {
		ann = &sdk.ToolAnnotations{}
	}
	switch {
	case readKey && writes != 0:
		t.Fatalf("%s for a read key sent %d writes\nargs %s", tl.Name, writes, argText)
	case ann.ReadOnlyHint && writes != 0:
		t.Fatalf("%s is read-only but sent %d writes\nargs %s", tl.Name, writes, argText)
	}
	if readKey && !ann.ReadOnlyHint && res != nil && (!res.IsError || !strings.Contains(textOf(res), "FORBIDDEN_ERROR")) {
		t.Fatalf("%s for a read key was not refused: %s\nargs %s", tl.Name, textOf(res), argText)
	}
	// A destructive call of the generic tool sends its DELETE or PATCH again by design (Apple
	// answers 404, or the same links): idempotent in effect, not in requests.
	if res == nil || res.IsError || !ann.IdempotentHint || tl.Name == "call_destructive_operation" {
		return
	}
	// Called again, without faults: it converges.
	if err := rig.sb.SetFaultRules(); err != nil {
		t.Fatal(err)
	}
	again, writes := rig.call(t, cs, tl, args, argText)
	if writes != 0 {
		t.Fatalf("%s is idempotent but its second call sent %d writes: %s\nfirst %s\nargs %s", tl.Name, writes, textOf(again), textOf(res), argText)
	}
	if again == nil || ann.ReadOnlyHint || again.IsError {
		return
	}
	if what := changedSomething(textOf(again)); what != "" {
		t.Fatalf("%s's second call reports %s: %s\nargs %s", tl.Name, what, textOf(again), argText)
	}
}

func textOf(res *sdk.CallToolResult) string {
	if res == nil || len(res.Content) != 1 {
		return ""
	}
	tc, _ := res.Content[0].(*sdk.TextContent)
	if tc == nil {
		return ""
	}
	return tc.Text
}

// call makes one call and checks invariants 1, 4 and 5 of its answer; it returns the answer
// (nil for an invalid-params error) and how many writes it sent.
func (rig *toolRig) call(t *testing.T, cs *sdk.ClientSession, tl *sdk.Tool, args any, argText []byte) (*sdk.CallToolResult, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fuzzCallTimeout)
	defer cancel()
	before := rig.writeCount()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tl.Name, Arguments: args})
	rig.settle() // the last answer may reach the client before the sandbox counts it
	writes := rig.writeCount() - before
	rig.dirty = rig.dirty || writes != 0
	if ctx.Err() != nil {
		t.Fatalf("%s hung (%v)\nargs %s", tl.Name, ctx.Err(), argText)
	}
	if err != nil {
		var je *jsonrpc.Error
		if !errors.As(err, &je) || je.Code != jsonrpc.CodeInvalidParams {
			t.Fatalf("%s: a protocol failure, not a tool error: %v\nargs %s", tl.Name, err, argText)
		}
		if writes != 0 {
			t.Fatalf("%s: invalid params, yet %d writes sent\nargs %s", tl.Name, writes, argText)
		}
		return nil, writes
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d contents\nargs %s", tl.Name, len(res.Content), argText)
	}
	tc, ok := res.Content[0].(*sdk.TextContent)
	if !ok {
		t.Fatalf("%s: content %T\nargs %s", tl.Name, res.Content[0], argText)
	}
	text := tc.Text
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil || v == nil {
		t.Fatalf("%s: the answer is not a JSON object (%v): %q\nargs %s", tl.Name, err, text, argText)
	}
	if strings.ContainsAny(text, "\r\n") {
		t.Fatalf("%s: the answer is more than one line: %q\nargs %s", tl.Name, text, argText)
	}
	if res.IsError {
		msg, _ := v["message"].(string)
		sent, _ := v["sent"].(string)
		switch {
		case strings.TrimSpace(msg) == "":
			t.Fatalf("%s: an error without a message: %s\nargs %s", tl.Name, text, argText)
		case sent != "no" && sent != "yes" && sent != "unknown":
			t.Fatalf("%s: an error whose sent is %q: %s\nargs %s", tl.Name, sent, text, argText)
		case sent == "no" && writes != 0:
			t.Fatalf(`%s: "sent": "no", yet %d writes sent: %s`+"\nargs %s", tl.Name, writes, text, argText)
		}
		if r, bad := rawControl(msg); bad {
			t.Fatalf("%s: the error message holds %U: %q\nargs %s", tl.Name, r, msg, argText)
		}
	}
	// 4. Structured results and output schemas.
	if tl.OutputSchema != nil {
		if res.StructuredContent == nil && !res.IsError {
			t.Fatalf("%s declares an output schema but gave no structured result\nargs %s", tl.Name, argText)
		}
		if res.StructuredContent != nil {
			if err := validateOutput(tl, res.StructuredContent); err != nil {
				t.Fatalf("%s: the structured result does not fit the output schema: %v\nargs %s", tl.Name, err, argText)
			}
		}
	}
	// 5. Secrets.
	for _, s := range rig.secrets {
		if strings.Contains(text, s) {
			t.Fatalf("%s: the answer carries the sandbox's secret %.12q…: %s\nargs %s", tl.Name, s, text, argText)
		}
	}
	if strings.Count(text, "eyJ") > strings.Count(string(argText), "eyJ") {
		t.Fatalf("%s: the answer carries a JSON Web Token: %s\nargs %s", tl.Name, text, argText)
	}
	return res, writes
}

func validateOutput(tl *sdk.Tool, structured any) error {
	var s jsonschema.Schema
	b, err := json.Marshal(tl.OutputSchema)
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		return err
	}
	rs, err := s.Resolve(nil)
	if err != nil {
		return err
	}
	var inst any
	b, err = json.Marshal(structured)
	if err == nil {
		err = json.Unmarshal(b, &inst)
	}
	if err != nil {
		return err
	}
	return rs.Validate(inst)
}

// changedSomething names what a second call's answer says it changed: a field of the
// workflows' results that counts or lists what was created, changed, written, added or
// removed, holding something.
func changedSomething(text string) string {
	var v map[string]any
	if json.Unmarshal([]byte(text), &v) != nil {
		return ""
	}
	for _, k := range []string{"created", "changed", "written", "writes", "added", "removed", "released", "itemAdded",
		"groupsAdded", "whatToTest", "notifyChanged", "updated"} {
		switch x := v[k].(type) {
		case bool:
			if x {
				return k + " true"
			}
		case float64:
			if x != 0 {
				return fmt.Sprintf("%s %v", k, x)
			}
		case []any:
			if len(x) != 0 {
				return fmt.Sprintf("%s %v", k, x)
			}
		}
	}
	return ""
}

// rawControl finds a character a terminal or log would act on or misread: a control
// character (C0, DEL, C1), the Unicode line or paragraph separator, a byte that is not UTF-8.
func rawControl(s string) (rune, bool) {
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return r, true
	}
	if !utf8.ValidString(s) {
		return utf8.RuneError, true
	}
	return 0, false
}
