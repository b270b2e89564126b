// Package mcp is ascend's Model Context Protocol server: App Store Connect for AI agents.
//
// A handful of generic tools reach every operation of Apple's spec (search_operations,
// describe_operation, and one call tool per kind of effect, so each tool's annotations are
// true: call_read_operation, call_write_operation, call_destructive_operation). Calls are
// validated with the same code as `ascend api` (internal/apicall) before anything is sent.
// Workflow tools run ascend's workflows (metadata diff and push, screenshots plan, release
// status, submit for review, TestFlight groups, testers and distribution, in-app products and
// their prices). The app list and Apple's rules are resources.
//
// Safety: a key that may only read is offered only the read tools and read operations (a
// write it tries anyway is refused and audited); a destructive call needs confirm: true; a
// create is never sent twice blindly (the Ledger refuses an identical create until the agent
// has read back or says repeat: true); answers never carry keys, tokens, passwords or
// presigned URLs (scrub.go).
//
// The protocol is the official Go SDK's. `ascend mcp` serves New over stdio; `ascend serve`
// mounts NewHTTPHandler at /mcp behind the gateway's client keys and audit.
package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/asc"
)

// Options configure one server: whose client it calls with and what it may do.
type Options struct {
	// Client carries every request to App Store Connect, signed.
	Client *asc.Client
	// Write offers and runs the tools that change App Store Connect. Without it only the
	// read tools and read operations exist; a write tried anyway is refused and audited.
	Write bool
	// Files lets tools read a local folder (metadata or screenshots in fastlane's layout).
	// Only for a server on the user's own machine (stdio), never for the gateway.
	Files bool
	// Who names the caller in the ledger of creates (a gateway client key's name); "" is
	// the local user.
	Who string
	// Audit, when set, records a write the server refused without sending it (the gateway
	// audits the writes it sends in its transport).
	Audit func(ctx context.Context, method, path string, status int)
	// Ledger remembers the creates sent, so that an identical one is not sent again blindly.
	// Share one across the servers of a process; nil: a ledger of this server's own.
	Ledger *Ledger
	// Version is reported to clients.
	Version string
	Logger  *slog.Logger
}

// server is the state tool handlers share.
type server struct {
	opts Options
}

// New builds the MCP server for opts.
func New(opts Options) *sdk.Server {
	if opts.Ledger == nil {
		opts.Ledger = NewLedger()
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	s := &server{opts: opts}
	srv := sdk.NewServer(&sdk.Implementation{Name: "ascend", Title: "ascend: App Store Connect", Version: opts.Version},
		&sdk.ServerOptions{
			Instructions: instructions,
			Logger:       opts.Logger,
			Capabilities: &sdk.ServerCapabilities{},
		})
	writes := map[string]bool{}
	for _, t := range s.tools() {
		if t.write {
			writes[t.tool.Name] = true
			if !opts.Write {
				continue
			}
		}
		srv.AddTool(t.tool, t.handler)
	}
	s.addResources(srv)
	srv.AddReceivingMiddleware(s.refuseWrites(writes))
	return srv
}

const instructions = `ascend reaches every App Store Connect operation. Find one with search_operations, read its parameters and body with describe_operation, then call it with the call tool describe_operation names. Requests are checked against Apple's spec before they are sent; a refused one answers with Apple's error objects and "sent": "no".`

// tool is one tool with its handler and whether it changes App Store Connect.
type tool struct {
	tool    *sdk.Tool
	handler sdk.ToolHandler
	write   bool
}

func (s *server) tools() []tool {
	return slices.Concat(s.genericTools(), s.workflowTools(), s.betaTools(), s.releaseTools())
}

// refuseWrites answers a read key's call of a write tool (one not listed for it, named in
// writes) with the gateway's refusal, and records it in the audit log.
func (s *server) refuseWrites(writes map[string]bool) sdk.Middleware {
	return func(next sdk.MethodHandler) sdk.MethodHandler {
		return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
			if method != "tools/call" || s.opts.Write {
				return next(ctx, method, req)
			}
			call, ok := req.(*sdk.CallToolRequest)
			if !ok || call.Params == nil || !writes[call.Params.Name] {
				return next(ctx, method, req)
			}
			s.audit(ctx, http.MethodPost, "/mcp/tools/"+call.Params.Name, http.StatusForbidden)
			return failure(forbidden(call.Params.Name)), nil
		}
	}
}

func (s *server) audit(ctx context.Context, method, path string, status int) {
	if s.opts.Audit != nil {
		s.opts.Audit(ctx, method, path, status)
	}
}

// forbidden is the refusal of a write for a key that may only read, worded as the gateway's.
func forbidden(what string) *toolError {
	return &toolError{
		Message: "this key may only read: " + what + " changes App Store Connect and needs a key created with --access write",
		Errors: []asc.APIError{{Status: "403", Code: "FORBIDDEN_ERROR", Title: "This key may only read",
			Detail: what + " needs a key created with --access write"}},
		Sent: sentNo,
	}
}

// Whether a request reached App Store Connect, for the agent deciding what to do next.
const (
	sentNo      = "no"      // refused before sending: nothing changed
	sentYes     = "yes"     // App Store Connect answered
	sentUnknown = "unknown" // a write may or may not have taken effect: read back before trying again
)

// toolError is the answer of a failed tool call.
type toolError struct {
	Message string         `json:"message"`
	Errors  []asc.APIError `json:"errors,omitempty"` // Apple's error objects, or Apple-shaped ones for a refusal
	Sent    string         `json:"sent"`
	Hint    string         `json:"hint,omitempty"`
}

// failure is a tool result carrying e, flagged as an error so the agent can correct itself.
func failure(e *toolError) *sdk.CallToolResult {
	e.Message = oneLine(scrubText(e.Message))
	for i := range e.Errors {
		e.Errors[i].Detail = oneLine(scrubText(e.Errors[i].Detail))
		e.Errors[i].Meta = nil
	}
	r := answer(e)
	r.IsError = true
	return r
}

// errorOf turns a failure to call App Store Connect into its answer; sent says whether the
// request had been sent when it failed.
func errorOf(err error, sent string) *sdk.CallToolResult {
	var apiErr *asc.ErrorResponse
	if errors.As(err, &apiErr) {
		if apiErr.StatusCode < 500 {
			sent = sentYes
		}
		return failure(&toolError{Message: err.Error(), Errors: apiErr.Errors, Sent: sent})
	}
	return failure(&toolError{Message: err.Error(), Sent: sent})
}

// schemaCache holds each input schema decoded once: the gateway builds a server for every
// request, and the SDK takes a decoded schema as it is where it would re-encode raw JSON.
var schemaCache sync.Map // string -> *jsonschema.Schema

// schema decodes a tool's input schema (once per distinct text).
func schema(raw json.RawMessage) *jsonschema.Schema {
	if v, ok := schemaCache.Load(string(raw)); ok {
		return v.(*jsonschema.Schema)
	}
	var sc jsonschema.Schema
	if err := json.Unmarshal(raw, &sc); err != nil {
		panic("mcp: a tool's input schema is not JSON Schema: " + err.Error())
	}
	v, _ := schemaCache.LoadOrStore(string(raw), &sc)
	return v.(*jsonschema.Schema)
}

// answer is a tool result whose one text content is v as compact JSON.
func answer(v any) *sdk.CallToolResult {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: fmt.Sprintf(`{"message":%q,"sent":"no"}`, "encode the answer: "+err.Error())}}}
	}
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(bytes.TrimSpace(b.Bytes()))}}}
}

// decodeArgs reads a tool's arguments strictly: an unknown argument is a mistake to report,
// not to ignore.
func decodeArgs(raw json.RawMessage, v any) *sdk.CallToolResult {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return failure(&toolError{Message: "invalid arguments: " + err.Error(), Sent: sentNo})
	}
	return nil
}

func boolPtr(b bool) *bool { return &b }
