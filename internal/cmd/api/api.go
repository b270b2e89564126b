// Package api implements `ascend api`: a signed passthrough to any App Store Connect
// endpoint, checked against Apple's spec before it is sent.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/apicall"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/api/operations"
	"github.com/ascend-tools/ascend/internal/spec"
)

// Options are the command's flags and dependencies.
type Options struct {
	F              *cli.Factory
	Method         string
	MethodSet      bool
	Path           string
	RawFields      []string
	TypedFields    []string
	Input          string
	Paginate       bool
	IncludeHeaders bool
	NoValidate     bool
	Yes            bool
}

// NewCmd returns `ascend api`.
func NewCmd(f *cli.Factory) *cobra.Command {
	return NewCmdWith(f, nil)
}

// NewCmdWith is NewCmd whose run function tests may replace.
func NewCmdWith(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "api <path>",
		Short: "Make a signed request to any App Store Connect endpoint",
		Long: `Send a signed request to an App Store Connect path ("/v1/apps") and print the JSON answer,
indented on a terminal. --jq filters it.

-f key=value adds a string field, -F key=value a typed one (true, false, null, numbers,
@file for a file's contents). On GET fields become query parameters (repeat a key, or use
commas, for arrays); on other methods they build the JSON body, nesting keys written as
data[attributes][name]. --input sends a file (or - for stdin) as the body instead.

Before sending, the request is checked against Apple's OpenAPI spec: the path must exist for
the method, every query parameter must be declared, enum values allowed and limits within
their maximum. A mistake exits 2 naming what is allowed; --no-validate skips the check.
'ascend api operations' lists every operation.`,
		Example: `  ascend api /v1/apps -f 'filter[bundleId]=com.example.app'
  ascend api /v1/apps --paginate -f limit=200 --jq '.data[].attributes.name'
  ascend api -X PATCH /v1/appInfoLocalizations/ID -f data[type]=appInfoLocalizations -f data[id]=ID -f data[attributes][subtitle]=Hi
  ascend api -X DELETE /v1/appInfoLocalizations/ID --yes`,
		Args: cli.ExactArgs(1, "ascend api <path> [flags]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			opts.MethodSet = cmd.Flags().Changed("method")
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Method, "method", "X", http.MethodGet, "HTTP `method`")
	fl.StringArrayVarP(&opts.RawFields, "raw-field", "f", nil, "add a string `key=value` (query on GET, JSON body otherwise)")
	fl.StringArrayVarP(&opts.TypedFields, "field", "F", nil, "add a typed `key=value` (true/false/null/numbers/@file)")
	fl.StringVar(&opts.Input, "input", "", "send the `file`'s contents as the body (- for stdin)")
	fl.BoolVar(&opts.Paginate, "paginate", false, "follow links.next and merge every page's data into one document")
	fl.BoolVarP(&opts.IncludeHeaders, "include-headers", "i", false, "print the HTTP status and headers before the body")
	fl.BoolVar(&opts.NoValidate, "no-validate", false, "send without checking the request against Apple's spec")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before a DELETE")
	cmd.AddCommand(operations.NewCmd(f, nil))
	return cmd
}

// request is what will be sent.
type request struct {
	method string
	path   string // without query
	query  url.Values
	body   []byte // nil: no body
}

// buildRequest turns the options into a request and checks it against the spec.
func buildRequest(opts *Options, stdin io.Reader) (*request, error) {
	method := strings.ToUpper(strings.TrimSpace(opts.Method))
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut, http.MethodHead:
	default:
		return nil, cli.UsageErrorf("-X %q is not a method App Store Connect uses: use GET, POST, PATCH or DELETE", opts.Method)
	}
	raw := strings.TrimSpace(opts.Path)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, cli.UsageErrorf("path %q is not a valid URL path: %v", raw, err)
	}
	if u.IsAbs() || u.Host != "" {
		return nil, cli.UsageErrorf("path %q must be a path like /v1/apps, not a full URL: --base-url sets the host", raw)
	}
	p := u.Path
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	q := u.Query()
	rawFields, err := parseFields(opts.RawFields, false)
	if err != nil {
		return nil, err
	}
	typedFields, err := parseFields(opts.TypedFields, true)
	if err != nil {
		return nil, err
	}
	fields := append(rawFields, typedFields...)
	req := &request{method: method, path: p, query: q}

	if opts.Input != "" {
		var data []byte
		if opts.Input == "-" {
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(opts.Input)
		}
		if err != nil {
			return nil, fmt.Errorf("read --input %s: %v", opts.Input, err)
		}
		req.body = data
	}
	if method == http.MethodGet || method == http.MethodHead || opts.Input != "" {
		for _, fl := range fields {
			v := fl.value
			if q.Has(fl.key) {
				q.Set(fl.key, q.Get(fl.key)+","+v)
			} else {
				q.Set(fl.key, v)
			}
		}
	} else if len(fields) > 0 {
		req.body, err = buildBody(fields)
		if err != nil {
			return nil, err
		}
	}
	if opts.Paginate && method != http.MethodGet {
		return nil, cli.UsageErrorf("--paginate works only with GET requests")
	}
	if !opts.NoValidate {
		if err := validate(req, opts.Paginate); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// validate checks the request against Apple's spec, the way Apple would refuse it, with the
// code `ascend mcp` uses too (internal/apicall); only the advice is the command line's.
func validate(req *request, paginate bool) error {
	op, err := apicall.Resolve(req.method, req.path)
	if err != nil {
		var unknown *apicall.UnknownPathError
		if !errors.As(err, &unknown) {
			return err
		}
		switch {
		case len(unknown.Allowed) > 0:
			return cli.UsageErrorf("%s is not allowed on %s: use %s (or --no-validate)", req.method, req.path, strings.Join(unknown.Allowed, ", "))
		case unknown.Suggestion != "":
			return cli.UsageErrorf("unknown path %s: did you mean %s? ('ascend api operations --search WORD' lists paths)", req.path, unknown.Suggestion)
		}
		return cli.UsageErrorf("unknown path %s: no App Store Connect operation matches; 'ascend api operations' lists them all", req.path)
	}
	err = apicall.Check(op, &apicall.Request{Method: req.method, Path: req.path, Query: req.query, Body: req.body})
	var invalid *apicall.Error
	if errors.As(err, &invalid) {
		return &cli.ProblemList{Subject: invalid.Subject(), Summary: "nothing was sent", Code: cli.ExitUsage,
			Problems: invalid.Details(func(p apicall.Problem) string { return advice(op, p) })}
	}
	if err != nil {
		return err
	}
	if paginate {
		if _, hasLimit := op.Param("limit"); !hasLimit {
			return cli.UsageErrorf("--paginate: %s %s (%s) does not return pages", req.method, req.path, op.ID)
		}
	}
	return nil
}

// advice tells how to fix a problem with this command's flags.
func advice(op *spec.Operation, p apicall.Problem) string {
	switch p.Kind {
	case apicall.KindNoBody:
		return ": drop the -f/-F fields and --input (or pass --no-validate)"
	case apicall.KindNeedsBody:
		typ := "TYPE"
		if model, ok := spec.RequestBody(op.RequestSchema); ok && model.Type != "" {
			typ = model.Type
		}
		return fmt.Sprintf(": build it with -f data[type]=%s -f data[attributes][NAME]=VALUE or pass --input FILE", typ)
	case apicall.KindType:
		return " (-F sends true, false, null and numbers typed)"
	}
	return ""
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	req, err := buildRequest(opts, f.IO.In)
	if err != nil {
		return err
	}
	if f.Flags.JQ != "" {
		if _, err := cli.CompileJQ(f.Flags.JQ); err != nil {
			return err
		}
	}
	if req.method == http.MethodDelete {
		if err := f.ConfirmDestructive(opts.Yes, "send DELETE "+req.path); err != nil {
			return err
		}
	}
	ctx := cmd.Context()
	client, err := f.Client(ctx)
	if err != nil {
		return err
	}
	if opts.Paginate {
		return paginate(cmd, opts, client, req)
	}
	rc, resp, err := apicall.Send(ctx, client, &apicall.Request{Method: req.method, Path: req.path, Query: req.query, Body: req.body})
	if err != nil {
		// The client's errors already name the request ("GET /v1/apps: ...").
		return err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("%s %s: read the answer: %v", req.method, req.path, err)
	}
	if opts.IncludeHeaders {
		writeHeaders(f.IO.Out, resp.Response)
	}
	if len(data) == 0 {
		return nil
	}
	if isJSON(resp.Header.Get("Content-Type"), data) {
		return f.WriteRawJSON(data)
	}
	if f.Flags.JQ != "" {
		return cli.UsageErrorf("--jq needs a JSON answer, but %s %s returned %s", req.method, req.path, resp.Header.Get("Content-Type"))
	}
	if f.IO.OutTTY && !utf8.Valid(data) {
		// A gzip report or an image would garble the terminal; curl refuses the same way.
		return fmt.Errorf("%s %s returned %d bytes of binary data (%s): redirect the output to a file, e.g. > report.gz",
			req.method, req.path, len(data), resp.Header.Get("Content-Type"))
	}
	_, err = f.IO.Out.Write(data)
	return err
}

func isJSON(contentType string, data []byte) bool {
	if strings.Contains(contentType, "json") {
		return true
	}
	t := bytes.TrimSpace(data)
	return contentType == "" && len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t)
}

func writeHeaders(w io.Writer, resp *http.Response) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", resp.Proto, resp.Status)
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	_, _ = io.WriteString(w, b.String())
}

// merged is the document --paginate prints: every page's data (and included) in one.
type merged struct {
	Data     []json.RawMessage `json:"data"`
	Included []json.RawMessage `json:"included,omitempty"`
	Meta     *mergedMeta       `json:"meta,omitempty"`
}

type mergedMeta struct {
	Paging struct {
		Total int `json:"total"`
	} `json:"paging"`
}

// maxPages bounds a --paginate walk against a server that links pages in a cycle.
const maxPages = 10_000

// page is the part of a list document --paginate reads.
type page struct {
	Data     []json.RawMessage `json:"data"`
	Included []json.RawMessage `json:"included"`
	Links    struct {
		Next string `json:"next"`
	} `json:"links"`
}

func paginate(cmd *cobra.Command, opts *Options, client *asc.Client, req *request) error {
	f := opts.F
	out := merged{Data: []json.RawMessage{}}
	seen := map[string]bool{}    // included resources already kept
	visited := map[string]bool{} // links.next already followed
	var headers strings.Builder  // each page's status and headers, printed before the document
	next, query := req.path, req.query
	for range maxPages {
		rc, resp, err := apicall.Send(cmd.Context(), client, &apicall.Request{Method: http.MethodGet, Path: next, Query: query})
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("GET %s: read the answer: %v", req.path, err)
		}
		if opts.IncludeHeaders {
			writeHeaders(&headers, resp.Response)
		}
		var p page
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("--paginate: GET %s did not answer with a list document: %v", req.path, err)
		}
		out.Data = append(out.Data, p.Data...)
		for _, inc := range p.Included {
			var id asc.ResourceIdentifier
			_ = json.Unmarshal(inc, &id)
			key := id.Type + "/" + id.ID
			if seen[key] {
				continue
			}
			seen[key] = true
			out.Included = append(out.Included, inc)
		}
		if p.Links.Next == "" {
			out.Meta = &mergedMeta{}
			out.Meta.Paging.Total = len(out.Data)
			if _, err := io.WriteString(f.IO.Out, headers.String()); err != nil {
				return err
			}
			return f.WriteJSON(out)
		}
		if visited[p.Links.Next] {
			return fmt.Errorf("--paginate: GET %s: links.next repeats an earlier page; stopping to avoid a loop", req.path)
		}
		visited[p.Links.Next] = true
		// links.next carries every parameter plus the cursor.
		next, query = p.Links.Next, nil
	}
	return fmt.Errorf("--paginate: GET %s: stopped after %d pages", req.path, maxPages)
}
