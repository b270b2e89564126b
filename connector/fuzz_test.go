package connector_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// Key choices of FuzzGatewayRequest (key % 6).
const (
	fuzzNoKey = iota
	fuzzReadKey
	fuzzWriteKey
	fuzzUnknownKey  // well formed, unknown id
	fuzzTamperedKey // the read key's id with another secret
	fuzzMalformed   // not a client key at all
)

// fuzzBasic, a bit of key, sends the key as the password of HTTP Basic authentication (as
// browsers do for the status page) where fuzzBearer is set.
const fuzzBasic = 0x80

// Header choices of FuzzGatewayRequest, bits of hdr.
const (
	fuzzNoRequestID   = 1 << iota // leave X-Request-Id to the gateway
	fuzzBearer                    // the key as Authorization: Bearer, not X-API-Key
	fuzzJSONType                  // Content-Type: application/json
	fuzzFraming0                  // bits 3-4: 0 Content-Length, 1 chunked, 2 a Content-Length
	fuzzFraming1                  // longer than the body (cut short), 3 no length and no body
	fuzzUploadToken               // the target's "{token}" is a valid upload token
	fuzzForwarding                // Cookie, X-Forwarded-For and Forwarded headers
	fuzzUpstreamFault             // the sandbox fails every request of the input (see fuzzFaults)
)

// fuzzFaults are the upstream failures an input with fuzzUpstreamFault picks from by key/6:
// errors with Apple's body, and connections closed without an answer, before or after the
// write took effect. (No 429: the gateway would hold every later input.)
var fuzzFaults = []sandbox.FaultRule{
	{Status: 500}, {Status: 503}, {Status: 502, Code: "X", Detail: "a\nb"}, {Drop: true}, {Drop: true, After: true},
}

// upstreamHeaders are the headers a request to the sandbox may carry: the client headers
// the passthrough forwards, and the gateway's own (the typed client's and the JWT).
var upstreamHeaders = map[string]bool{
	"Accept": true, "Accept-Language": true, "Content-Type": true, "If-None-Match": true, "If-Modified-Since": true,
	"User-Agent": true, "Authorization": true,
}

// FuzzGatewayRequest sends arbitrary requests through a real gateway (Gateway.Serve over
// loopback, with the production server's limits and error log) in front of a sandbox, and
// checks the gateway's guards for every input:
//
//  1. no panic and no 5xx of the gateway's own, except 502/503/504 when the upstream failed
//     (a relayed 5xx must be one the upstream gave);
//  2. without a valid write key, nothing but GET and HEAD reaches the upstream (counted at
//     the transport and by the sandbox), and without a valid key nothing reaches it at all;
//  3. every upstream request goes to the profile's host under an API root, with no dot
//     segment or encoded slash, and never carries the client key; upload parts go only to the
//     configured upload host, with a write key, as PUT or POST;
//  4. every error the gateway answers itself is one Apple ErrorResponse with the request id
//     and a one-line detail;
//  5. logs (text and JSON) and the audit hold no raw control characters and no upload token;
//     a write that reached the upstream is audited; nothing is logged at ERROR.
//
// Answers net/http gives before the gateway sees a request (malformed request lines and
// headers) carry no X-Request-Id; they must be 4xx (or net/http's 501/505) and reach nothing.
func FuzzGatewayRequest(f *testing.F) {
	rig := newFuzzRig(f)
	for _, s := range []struct {
		method, target string
		hdr            byte
		body           string
		key            byte
	}{
		{"GET", "/v1/apps", 0, "", fuzzReadKey},
		{"GET", "/v1/apps?limit=2&flatten=true", fuzzForwarding, "", fuzzReadKey},
		{"GET", "/v1/apps", fuzzUpstreamFault, "", fuzzReadKey},
		{"HEAD", "/v1/apps", fuzzUpstreamFault, "", fuzzReadKey + 6},
		{"POST", "/v1/appStoreVersions", fuzzUpstreamFault | fuzzJSONType, `{"data":{"type":"appStoreVersions"}}`, fuzzWriteKey + 12},
		{"GET", "/v1/apps?flatten=true", fuzzUpstreamFault, "", fuzzReadKey + 18},
		{"PATCH", "/v1/apps/1500000233", fuzzUpstreamFault | fuzzJSONType, `{"data":{"type":"apps","id":"1500000233"}}`, fuzzWriteKey + 24},
		{"GET", "/connector/v1/apps", fuzzUpstreamFault, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/1500000233/products", fuzzUpstreamFault, "", fuzzReadKey + 6},
		{"GET", "/connector/v1/apps/com.example.daybreak/products/x", fuzzUpstreamFault, "", fuzzReadKey + 12},
		{"POST", "/connector/v1/apps/1500000233/versions", fuzzUpstreamFault | fuzzJSONType, `{"versionString":"9.9","platform":"IOS"}`, fuzzWriteKey + 18},
		{"POST", "/connector/v1/apps/1500000233/release", fuzzUpstreamFault | fuzzJSONType, `{}`, fuzzWriteKey + 24},
		{"PATCH", "/connector/v1/appInfoLocalizations/x", fuzzUpstreamFault | fuzzJSONType, `{"name":"n"}`, fuzzWriteKey + 12},
		{"POST", "/connector/v1/apps/1500000233/betaTesters", fuzzUpstreamFault | fuzzJSONType, `{"email":"a@example.com","groups":"Public Beta"}`, fuzzWriteKey + 6},
		{"POST", "/connector/v1/reviewSubmissions", fuzzUpstreamFault | fuzzJSONType, `{"appId":"1500000233","appStoreVersionId":"x","platform":"IOS"}`, fuzzWriteKey + 18},
		{"GET", "/connector/status", fuzzUpstreamFault, "", fuzzReadKey},
		{"POST", "/connector/v1/apps/1500000233/versions", fuzzUpstreamFault | fuzzJSONType, `{"versionString":"9.9","platform":"IOS"}`, fuzzWriteKey + 6*(5+3)},
		{"POST", "/connector/v1/apps/1500000233/versions", fuzzUpstreamFault | fuzzJSONType, `{"versionString":"9.8","platform":"IOS"}`, fuzzWriteKey + 6*(10+4)},
		{"POST", "/connector/v1/apps/1500000233/products", fuzzUpstreamFault | fuzzJSONType, `{"productId":"fz1","referenceName":"F","kind":"CONSUMABLE","price":"0.99"}`, fuzzWriteKey + 6*(10+3)},
		{"POST", "/connector/v1/apps/1500000233/betaTesters", fuzzUpstreamFault | fuzzJSONType, `{"email":"b@example.com","groups":"Public Beta"}`, fuzzWriteKey + 6*(5+4)},
		{"POST", "/connector/v1/apps/1500000233/phasedRelease", fuzzUpstreamFault | fuzzJSONType, `{"action":"status"}`, fuzzWriteKey + 6*(5+1)},
		{"PATCH", "/connector/v1/appInfoLocalizations/x", fuzzUpstreamFault | fuzzJSONType, `{"name":"n"}`, fuzzWriteKey + 6*(5+3)},
		{"PUT", "/connector/uploads/{token}", fuzzUploadToken | fuzzForwarding | fuzzBearer, "part", fuzzWriteKey},
		{"GET", "/connector/v1/apps/1", fuzzForwarding, "", fuzzReadKey},
		{"GET", "/v1/apps?flatten=true&flatten=1&fields[apps]=name", fuzzBearer, "", fuzzWriteKey},
		{"HEAD", "/v1/apps", 0, "", fuzzReadKey},
		{"POST", "/v1/apps", fuzzJSONType, `{"data":{"type":"apps"}}`, fuzzReadKey},
		{"PATCH", "/v1/apps/1", fuzzJSONType, `{"data":{"type":"apps","id":"1"}}`, fuzzReadKey},
		{"POST", "/v1/appStoreVersions", fuzzJSONType, `{"data":{"type":"appStoreVersions"}}`, fuzzWriteKey},
		{"OPTIONS", "/v1/apps", fuzzJSONType, `{"data":"x"}`, fuzzReadKey},
		{"OPTIONS", "/v1/apps", fuzzJSONType, `{"data":"x"}`, fuzzWriteKey},
		{"DELETE", "/v1/apps/1", 0, "", fuzzNoKey},
		{"GET", "/v1/apps", 0, "", fuzzNoKey},
		{"GET", "/v1/apps", fuzzBearer, "", fuzzUnknownKey},
		{"GET", "/v1/apps", 0, "", fuzzTamperedKey},
		{"GET", "/v1/apps", 0, "", fuzzMalformed},
		{"GET", "//v1/apps", 0, "", fuzzReadKey},
		{"GET", "/v1//apps", 0, "", fuzzReadKey},
		{"GET", "/v1/./apps", 0, "", fuzzReadKey},
		{"GET", "/v1/apps/../../sandbox/stats", 0, "", fuzzReadKey},
		{"POST", "/v1/apps/%2e%2e/%2e%2e/sandbox/reset", 0, "", fuzzWriteKey},
		{"POST", "/v1/%2e%2e/sandbox/faults", fuzzJSONType, `{"rules":[]}`, fuzzWriteKey},
		{"GET", "/v1/apps%2f..%2f..%2fsandbox%2fstats", 0, "", fuzzReadKey},
		{"GET", "/v1/apps%5c..%5csandbox", 0, "", fuzzReadKey},
		{"GET", "/v1/apps/\\../sandbox/stats", 0, "", fuzzReadKey},
		{"GET", "/sandbox/stats", 0, "", fuzzWriteKey},
		{"GET", "/v1/apps/..;/..;/sandbox/stats", 0, "", fuzzReadKey},
		{"POST", "/v1/apps/%2e%2e%3bx/%2E;/sandbox/reset", 0, "", fuzzWriteKey},
		{"GET", "/v1/apps/..%00/sandbox", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/..;", 0, "", fuzzReadKey},
		{"PATCH", "/v1/apps/%1b[2K%1b]0;pwned%07", fuzzJSONType, `{}`, fuzzReadKey},
		{"PATCH", "/v1/apps/%c2%9b31m%e2%80%a8x", fuzzJSONType, `{}`, fuzzWriteKey},
		{"GET", "/v1/apps/\u00e9\u202e\U0001F600", 0, "", fuzzReadKey},
		{"GET", "/v1/apps/%ff%fe", 0, "", fuzzReadKey},
		{"GET", "/v1/" + strings.Repeat("a/", 3000), 0, "", fuzzReadKey},
		{"GET", "/v1/apps?" + strings.Repeat("x", 70000), 0, "", fuzzReadKey},
		{"PUT", "/connector/uploads/x", 0, "part", fuzzWriteKey},
		{"PUT", "/connector/uploads/{token}", 0, "part", fuzzWriteKey},
		{"POST", "/connector/uploads/{token}", fuzzUploadToken, "part", fuzzWriteKey},
		{"PUT", "/connector/uploads/{token}", fuzzUploadToken, "part", fuzzReadKey},
		{"PUT", "//connector/uploads/{token}", fuzzUploadToken, "part", fuzzWriteKey},
		{"DELETE", "/connector/./uploads/{token}", fuzzUploadToken, "", fuzzWriteKey},
		{"PUT", "/Connector/Uploads/{token}", fuzzUploadToken, "", fuzzReadKey},
		{"POST", "/mcp?m=DELETE&p=/v1/appInfoLocalizations/1", fuzzJSONType, `{}`, fuzzReadKey},
		{"POST", "/mcp?m=POST&p=/v1/appInfoLocalizations", fuzzJSONType, `{}`, fuzzWriteKey},
		{"GET", "/mcp?p=/v1/apps", 0, "", fuzzReadKey},
		{"PATCH", "/mcp?p=/v1/apps/1", 0, "", fuzzReadKey},
		{"POST", "/mcp?m=POST&p=/sandbox/reset", 0, "", fuzzWriteKey},
		{"POST", "/mcp?m=POST&p=/v1/%2e%2e/sandbox/reset", 0, "", fuzzWriteKey},
		{"POST", "/mcp?m=GET&p=../sandbox/stats", 0, "", fuzzReadKey},
		{"POST", "/mcp", 0, "", fuzzNoKey},
		{"GET", "/connector/status", 0, "", fuzzReadKey},
		{"POST", "/connector/status", 0, "", fuzzReadKey},
		{"GET", "/connector/status", 0, "", fuzzNoKey},
		{"GET", "/connector/", 0, "", fuzzNoKey},
		{"GET", "/connector/", fuzzBearer, "", fuzzReadKey | fuzzBasic},
		{"HEAD", "/connector/?x=1", fuzzBearer, "", fuzzWriteKey | fuzzBasic},
		{"GET", "/connector/", fuzzBearer, "", fuzzTamperedKey | fuzzBasic},
		{"GET", "/connector/", fuzzBearer | fuzzUpstreamFault, "", fuzzReadKey | fuzzBasic},
		{"GET", "/v1/apps", fuzzBearer, "", fuzzReadKey | fuzzBasic},
		{"GET", "/connector/openapi.json", 0, "", fuzzNoKey},
		{"GET", "/metrics", 0, "", fuzzNoKey},
		{"GET", "/healthz", 0, "", fuzzNoKey},
		{"GET", "/readyz", 0, "", fuzzNoKey},
		{"GET", "/connector/v1/apps?limit=0", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/%2e%2e", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/..%2f..%2fsandbox%2fstats/builds", 0, "", fuzzReadKey},
		{"PATCH", "/connector/v1/appInfoLocalizations/1", fuzzJSONType, `{"name":"x"} trailing`, fuzzWriteKey},
		{"POST", "/connector/v1/reviewSubmissions", fuzzJSONType, `{"appId":"1"`, fuzzWriteKey},
		{"POST", "/connector/v1/reviewSubmissions", fuzzJSONType | fuzzFraming1, `{"appId":"1"}`, fuzzWriteKey},
		{"POST", "/connector/subscriptions", fuzzJSONType | fuzzFraming0, `{"callbackUrl":"http://127.0.0.1:1/"}`, fuzzReadKey},
		{"POST", "/connector/webhooks/apple/default", fuzzJSONType, `{"data":{}}`, fuzzNoKey},
		{"DELETE", "/connector/subscriptions/x", 0, "", fuzzReadKey},
		{"PUT", "/connector/subscriptions/a%0d%0aX-Injected:%201%1b[2K", 0, "", fuzzReadKey},
		{"PUT", "/connector/v1/apps/a%0ab", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/%2f", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/%3f%23", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/%00/builds?limit=1", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/%20/versions?platform=%0a", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/builds/%2e", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/1/products/..%5c..", 0, "", fuzzReadKey},
		{"POST", "/connector/v1/apps/%2e%2e/versions", fuzzJSONType, `{"versionString":"1.0","platform":"IOS"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/x/products/y/price", fuzzJSONType, `{"price":"1"}`, fuzzWriteKey},
		{"POST", "/connector/v1/builds/%2f/distribute", fuzzJSONType, `{}`, fuzzWriteKey},
		{"GET", "/connector/v1/apps/com.none.x/products", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/com.none.x/products/p1", 0, "", fuzzReadKey},
		{"POST", "/connector/v1/apps/com.none.x/products", fuzzJSONType, `{"productId":"p","referenceName":"r","kind":"CONSUMABLE"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/com.none.x/versions", fuzzJSONType, `{"versionString":"9.9"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/com.none.x/versions/9.9/build", fuzzJSONType, `{"buildNumber":"1"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/com.none.x/reviewSubmissions/cancel", fuzzJSONType, `{}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/com.none.x/release", fuzzJSONType, `{"versionString":"9.9"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/com.none.x/phasedRelease", fuzzJSONType, `{"versionString":"9.9","action":"pause"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/com.none.x/betaTesters", fuzzJSONType, `{"email":"a@example.com"}`, fuzzWriteKey},
		{"GET", "/connector/v1/apps/com.none.x", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/com.none.x/versions", 0, "", fuzzReadKey},
		{"POST", "/connector/v1/reviewSubmissions", fuzzJSONType, `{"appId":"com.none.x","appStoreVersionId":"1","platform":"IOS"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/a%0ab%e2%80%a8c/versions", fuzzJSONType, `{"versionString":"9.9\n1"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/1/release", fuzzJSONType, `{"versionString":"9.9\u001b[2K\n1"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/1/versions", fuzzJSONType, `{"versionString":"1.0","releaseType":"a\nb"}`, fuzzWriteKey},
		{"PATCH", "/connector/v1/versionLocalizations/1", fuzzJSONType, `{"a\nb":"x"}`, fuzzWriteKey},
		{"GET", "/connector/v1/apps?limit=%0a", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/a%0ab%1b[2K/products", 0, "", fuzzReadKey},
		{"POST", "/connector/v1/apps/a%0ab%1b[2K/release", fuzzJSONType, `{"versionString":"9.9"}`, fuzzWriteKey},
		{"CONNECT", "/v1/apps", 0, "", fuzzWriteKey},
		{"TRACE", "/v1/apps", 0, "", fuzzWriteKey},
		{"get", "/v1/apps/1", 0, "", fuzzWriteKey},
		{"DELETE", "/v1/apps/1?flatten=true", 0, "", fuzzWriteKey},
		{"GET", "/v1/apps/1/appInfos?flatten=true", 0, "", fuzzWriteKey},
		{"GET", "/v1/salesReports?filter[frequency]=DAILY", 0, "", fuzzReadKey},
		{"GET", "/v2/inAppPurchases/1", 0, "", fuzzReadKey},
		{"GET", "/v3/x", 0, "", fuzzReadKey},
		{"GET", "/v4/apps", 0, "", fuzzReadKey},
		{"GET", "/v1", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/apps/1/appInfos", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/appInfos/1/localizations?locale=en-US", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/versions/1/localizations", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/builds/1", 0, "", fuzzReadKey},
		{"GET", "/connector/v1/buildUploads/1", 0, "", fuzzReadKey},
		{"POST", "/connector/v1/builds/1/distribute", fuzzJSONType, `{"groups":"g","whatToTest":"x"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/1/betaTesters", fuzzJSONType, `{"email":"a@b.c","groups":"x"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/1/phasedRelease", fuzzJSONType, `{"action":"x"}`, fuzzWriteKey},
		{"POST", "/connector/v1/apps/1/reviewSubmissions/cancel", fuzzJSONType, `{"platform":"x"}`, fuzzWriteKey},
		{"POST", "/connector/subscriptions", fuzzJSONType, `{"callbackUrl":"http://a\nb/","eventTypes":["\u001b"]}`, fuzzWriteKey},
		{"POST", "/connector/subscriptions", fuzzJSONType, `{"callbackUrl":"https://hooks.example.com/x","secret":"s"}`, fuzzWriteKey},
		{"GET", "/connector/subscriptions", 0, "", fuzzReadKey},
		{"POST", "/connector/webhooks/apple/nope", fuzzJSONType, `{}`, fuzzNoKey},
		{"POST", "/connector/webhooks/apple/default", fuzzJSONType | fuzzFraming0, `{"data":{}}`, fuzzReadKey},
		{"POST", "/connector/triggers/buildUploads", fuzzJSONType, `{"callbackUrl":"https://hooks.example.com/y","appId":"1"}`, fuzzReadKey},
		{"GET", "/connector/triggers/builds", 0, "", fuzzReadKey},
		{"BREW", "/v1/apps", 0, "coffee", fuzzReadKey},
		{"CONNECT", "/v1/apps", 0, "", fuzzReadKey},
		{"TRACE", "/v1/apps", 0, "", fuzzReadKey},
		{"get", "/v1/apps", 0, "", fuzzReadKey},
		{"GET", "http://other.example/v1/apps", 0, "", fuzzReadKey},
		{"GET", "*", 0, "", fuzzReadKey},
		{"GET", "/v1/apps#frag", 0, "", fuzzReadKey},
		{"GET", "/v1/apps?x=%zz&y=a#b", 0, "", fuzzReadKey},
		{"G T", "/v1/apps", 0, "", fuzzReadKey},
		{"GET", "/v1/ap ps", 0, "", fuzzReadKey},
		{"GET", "/v1/apps\x00", 0, "", fuzzReadKey},
	} {
		f.Add(s.method, s.target, s.hdr, []byte(s.body), s.key)
	}
	f.Fuzz(func(t *testing.T, method, target string, hdr byte, body []byte, key byte) {
		if hdr&fuzzUpstreamFault != 0 {
			// The fault is picked by key/6, and so is how many requests pass before it acts,
			// so that workflows fail midway too.
			n := int(key&0x7f) / 6
			rule := fuzzFaults[n%len(fuzzFaults)]
			rule.Skip = n / len(fuzzFaults) % 3
			if err := rig.sb.SetFaultRules(rule); err != nil {
				t.Fatal(err)
			}
			defer rig.sb.SetFaultRules()
		}
		rig.check(t, method, target, hdr, body, key&0x7f%6, key&fuzzBasic != 0)
	})
}

// fuzzRig is one gateway in front of one sandbox, shared by every input of a fuzzing
// process: each input resets what it asserts on (the recorded upstream calls and the logs).
type fuzzRig struct {
	addr     string // the gateway
	sb       *sandboxtest.Sandbox
	sbHost   string
	upHost   string // the upload host
	db       *store.DB
	keys     [6]string
	upToken  string // a valid upload token for upHost
	upstream *fuzzRecorder
	logs     *fuzzLogs
	roots    []string
	n        int
}

func newFuzzRig(f *testing.F) *fuzzRig {
	sb := sandboxtest.Start(f, sandbox.Options{HourlyLimit: -1})
	uploads := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	f.Cleanup(uploads.Close)
	db := storetest.Open(f, "sqlite")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	f.Cleanup(tr.CloseIdleConnections)
	rig := &fuzzRig{sb: sb, db: db, upstream: &fuzzRecorder{next: tr}, logs: newFuzzLogs(), roots: spec.Roots()}
	sbURL, _ := url.Parse(sb.URL())
	upURL, _ := url.Parse(uploads.URL)
	rig.sbHost, rig.upHost = sbURL.Host, upURL.Host
	rig.upToken = base64.RawURLEncoding.EncodeToString([]byte(uploads.URL + "/part/1?X-Amz-Signature=PRESIGNEDSECRET"))
	gw, err := connector.New(connector.Config{
		Profiles:          []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}},
		DB:                db,
		Logger:            slog.New(rig.logs),
		UpstreamTransport: rig.upstream,
		UploadHosts:       []string{upURL.Host},
		UpstreamTimeout:   10 * time.Second,
		BodyReadTimeout:   2 * time.Second,
		DisableDelivery:   true,
		// Far more subscriptions than a fuzzing run makes: the cap's refusals would hide
		// the subscription route's other answers.
		MaxSubscriptionsPerKey: -1,
		MCP:                    http.HandlerFunc(fuzzMCP),
	})
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- gw.Serve(ctx, ln) }()
	f.Cleanup(func() { cancel(); <-served })
	rig.addr = ln.Addr().String()
	for _, k := range []struct {
		i      int
		name   string
		access store.Access
	}{{fuzzReadKey, "reader", store.Read}, {fuzzWriteKey, "writer", store.Write}} {
		secret, rec, err := connector.NewClientKey(k.name, "default", k.access, 0, time.Now())
		if err != nil {
			f.Fatal(err)
		}
		if err := db.CreateClientKey(context.Background(), rec); err != nil {
			f.Fatal(err)
		}
		rig.keys[k.i] = secret
	}
	rig.keys[fuzzUnknownKey] = "asck_0011223344556677_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	rig.keys[fuzzTamperedKey] = rig.keys[fuzzReadKey][:len("asck_0011223344556677_")] + "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	rig.keys[fuzzMalformed] = "hello"
	return rig
}

// fuzzMCP stands for the MCP handler at /mcp, one that trusts its caller blindly: it sends
// the request its query names (?m=DELETE&p=/v1/apps/1) through the Caller's client whatever
// the key's access, so the gateway's own guards are what the invariants see.
func fuzzMCP(w http.ResponseWriter, r *http.Request) {
	c, ok := connector.CallerFrom(r.Context())
	if !ok {
		http.Error(w, "no caller", http.StatusInternalServerError)
		return
	}
	method, p := r.URL.Query().Get("m"), r.URL.Query().Get("p")
	if method == "" {
		method = r.Method
	}
	_, err := c.Client.Do(r.Context(), method, p, nil, nil, nil)
	fmt.Fprintf(w, "sent: %v\n", err == nil)
}

// fuzzCall is one request the upstream transport carried.
type fuzzCall struct {
	method, host, path string
	query              string
	body               []byte // as GetBody gives it (the passthrough's and the typed client's)
	header             http.Header
	status             int // 0 when the exchange failed
}

// fuzzRecorder is the gateway's upstream transport: it records every request to the sandbox
// and to the upload host.
type fuzzRecorder struct {
	next  http.RoundTripper
	mu    sync.Mutex
	calls []fuzzCall
}

func (r *fuzzRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	c := fuzzCall{method: req.Method, host: req.URL.Host, path: req.URL.EscapedPath(), query: req.URL.RawQuery, header: req.Header.Clone()}
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			c.body, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		c.status = resp.StatusCode
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return resp, err
}

func (r *fuzzRecorder) take() []fuzzCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

// fuzzLogs is the gateway's log handler: each record is written as text and as JSON (the
// two handlers ascend serve offers), and the "request" line each request ends with is
// announced by its id.
type fuzzLogs struct {
	text, json slog.Handler
	out        *fuzzLogOut
}

type fuzzLogOut struct {
	mu         sync.Mutex
	text, json bytes.Buffer
	errors     []string // messages logged at ERROR
	done       chan string
}

func newFuzzLogs() *fuzzLogs {
	out := &fuzzLogOut{done: make(chan string, 64)}
	o := &slog.HandlerOptions{Level: slog.LevelDebug}
	return &fuzzLogs{text: slog.NewTextHandler(lockedWriter{out, &out.text}, o), json: slog.NewJSONHandler(lockedWriter{out, &out.json}, o), out: out}
}

type lockedWriter struct {
	out *fuzzLogOut
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.out.mu.Lock()
	defer w.out.mu.Unlock()
	return w.buf.Write(p)
}

func (h *fuzzLogs) Enabled(context.Context, slog.Level) bool { return true }

func (h *fuzzLogs) Handle(ctx context.Context, r slog.Record) error {
	if err := h.text.Handle(ctx, r.Clone()); err != nil {
		return err
	}
	if err := h.json.Handle(ctx, r.Clone()); err != nil {
		return err
	}
	if r.Level >= slog.LevelError {
		h.out.mu.Lock()
		h.out.errors = append(h.out.errors, r.Message)
		h.out.mu.Unlock()
	}
	if r.Message == "request" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "request_id" {
				select {
				case h.out.done <- a.Value.String():
				default:
				}
				return false
			}
			return true
		})
	}
	return nil
}

func (h *fuzzLogs) WithAttrs(as []slog.Attr) slog.Handler {
	return &fuzzLogs{text: h.text.WithAttrs(as), json: h.json.WithAttrs(as), out: h.out}
}

func (h *fuzzLogs) WithGroup(name string) slog.Handler {
	return &fuzzLogs{text: h.text.WithGroup(name), json: h.json.WithGroup(name), out: h.out}
}

// take returns what was logged since the last take.
func (o *fuzzLogOut) take() (text, js string, errs []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	text, js, errs = o.text.String(), o.json.String(), o.errors
	o.text.Reset()
	o.json.Reset()
	o.errors = nil
	return text, js, errs
}

// fuzzAnswer is the gateway's answer to one raw request.
type fuzzAnswer struct {
	status int
	header http.Header
	body   []byte
}

// check sends one input and asserts the invariants.
func (rig *fuzzRig) check(t *testing.T, method, target string, hdr byte, body []byte, key byte, basic bool) {
	// One request a connection: a CR or LF would make the input a second request, whose
	// answer this one does not read.
	strip := strings.NewReplacer("\r", "", "\n", "")
	method, target = strip.Replace(method), strip.Replace(target)
	if hdr&fuzzUploadToken != 0 {
		target = strings.ReplaceAll(target, "{token}", rig.upToken)
	}
	rig.n++
	reqID := ""
	if hdr&fuzzNoRequestID == 0 {
		reqID = "fuzz-" + strconv.Itoa(rig.n)
	}
	rig.upstream.take()
	rig.logs.out.take()
	for len(rig.logs.out.done) > 0 {
		<-rig.logs.out.done
	}
	before := rig.sb.Stats().ByMethod

	a, err := rig.send(method, target, hdr, body, key, basic, reqID)
	if err != nil {
		// Only a request net/http refuses outright may go unanswered: it then reached nothing.
		if calls := rig.upstream.take(); len(calls) > 0 {
			t.Fatalf("no answer (%v), yet the upstream got %v", err, calls)
		}
		return
	}
	gotID := a.header.Get("X-Request-Id")
	if gotID == "" {
		// net/http's own answer: the gateway never saw the request.
		switch {
		case a.status == 400, a.status == 413, a.status == 414, a.status == 417, a.status == 431, a.status == 501, a.status == 505:
		case a.status == 200 && method == "OPTIONS" && target == "*": // net/http's answer to OPTIONS *
		default:
			t.Fatalf("an answer without X-Request-Id: %d %q", a.status, a.body)
		}
		if calls := rig.upstream.take(); len(calls) > 0 {
			t.Fatalf("net/http refused the request (%d), yet the upstream got %v", a.status, calls)
		}
		return
	}
	if reqID != "" && gotID != reqID {
		t.Fatalf("X-Request-Id %q, sent %q", gotID, reqID)
	}
	// The request's log line is the last thing the gateway does for it: after it, every
	// upstream call, audit entry and log line of the request is in.
	rig.waitLogged(t, gotID)
	calls := rig.upstream.take()
	text, js, errs := rig.logs.out.take()
	after := rig.sb.Stats().ByMethod
	where := fmt.Sprintf("%s %q (key %d, hdr %#x) answered %d", method, target, key, hdr, a.status)

	// 1. No 5xx of the gateway's own but for an upstream that failed.
	upstreamFailed, dropped, relayed := false, false, map[int]bool{}
	for _, c := range calls {
		if c.status == 0 || c.status >= 500 {
			upstreamFailed = true
		}
		dropped = dropped || c.status == 0
		relayed[c.status] = true
		if c.status >= 500 && hdr&fuzzUpstreamFault == 0 {
			t.Errorf("%s: the sandbox answered %s %s with %d", where, c.method, c.path, c.status)
		}
	}
	// A HEAD answer has no body to tell: it is the gateway's own unless the upstream gave
	// that status.
	own := ownError(a, gotID, method) && !(method == "HEAD" && relayed[a.status])
	if a.status >= 500 {
		switch {
		case own && (a.status == 502 || a.status == 503 || a.status == 504) && upstreamFailed:
		case !own && relayed[a.status]:
		default:
			t.Errorf("%s: a 5xx of the gateway's own with a working upstream: %s\n%s", where, a.body, text)
		}
	}
	// An upstream that closed the connection is not the client's mistake.
	if dropped && own && a.status >= 400 && a.status < 500 {
		t.Errorf("%s: the upstream dropped a request, yet the gateway blamed the client: %s", where, a.body)
	}
	if len(errs) > 0 {
		t.Errorf("%s: logged at ERROR: %q\n%s", where, errs, text)
	}
	// net/http's own complaints reach the gateway's log through Serve's ErrorLog.
	for _, bad := range []string{"superfluous", "panic", "http: "} {
		if strings.Contains(text, bad) {
			t.Errorf("%s: the log holds %q:\n%s", where, bad, text)
		}
	}

	// 2. Only a valid write key writes; only a valid key reaches the upstream at all.
	for _, c := range calls {
		if key != fuzzReadKey && key != fuzzWriteKey {
			t.Errorf("%s: key choice %d has no valid key, yet %s %s reached %s", where, key, c.method, c.path, c.host)
		}
		if key != fuzzWriteKey && c.method != "GET" && c.method != "HEAD" {
			t.Errorf("%s: %s %s reached %s without a write key", where, c.method, c.path, c.host)
		}
	}
	if key != fuzzWriteKey {
		for m, n := range after {
			if m != "GET" && m != "HEAD" && n != before[m] {
				t.Errorf("%s: the sandbox counted %d more %s without a write key", where, n-before[m], m)
			}
		}
	}

	// 3. Upstream requests stay under the API roots of the profile's host; upload parts go to
	// the upload host only. No client key goes upstream.
	for _, c := range calls {
		switch c.host {
		case rig.sbHost:
			if !rig.apiPath(c.path) {
				t.Errorf("%s: %s %s reached the sandbox outside the API roots", where, c.method, c.path)
			}
		case rig.upHost:
			if key != fuzzWriteKey || (c.method != "PUT" && c.method != "POST") || c.path != "/part/1" {
				t.Errorf("%s: %s %s reached the upload host (key %d)", where, c.method, c.path, key)
			}
		default:
			t.Errorf("%s: %s %s reached another host, %s", where, c.method, c.path, c.host)
		}
		for name, vs := range c.header {
			if c.host == rig.sbHost && !upstreamHeaders[name] {
				t.Errorf("%s: %s %s carried %s: %q", where, c.method, c.path, name, vs)
			}
			for _, v := range vs {
				if strings.Contains(v, "asck_") || strings.Contains(v, "fuzzcookie") || strings.Contains(v, "10.9.8.7") {
					t.Errorf("%s: %s %q went upstream", where, name, v)
				}
			}
		}
		if c.host == rig.sbHost && !strings.HasPrefix(c.header.Get("Authorization"), "Bearer ey") {
			t.Errorf("%s: %s %s went unsigned: %q", where, c.method, c.path, c.header.Get("Authorization"))
		}
	}

	// The passthrough sends the client's query byte for byte, less the gateway's flatten.
	if u, err := url.ParseRequestURI(target); err == nil {
		for _, c := range calls {
			if c.host == rig.sbHost && c.path == u.EscapedPath() && strings.HasPrefix(u.Path, "/v") {
				if want := withoutFlatten(u.RawQuery); c.query != want {
					t.Errorf("%s: the upstream got the query %q, not %q", where, c.query, want)
				}
				framing := (hdr / fuzzFraming0) & 3
				if c.method != "GET" && c.method != "HEAD" && (framing == 0 || framing == 1) && !bytes.Equal(c.body, body) {
					t.Errorf("%s: the upstream got the body %q, not %q", where, c.body, body)
				}
			}
		}
	}

	// 4. The gateway's own errors are one Apple ErrorResponse with a one-line detail.
	// The status page asks browsers for Basic credentials in plain text (page.go).
	page := a.status == 401 && strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic ")
	if a.status >= 400 && method != "HEAD" && !page && (own || len(calls) == 0) {
		if msg := errorShapeProblem(a, gotID); msg != "" {
			t.Errorf("%s: %s: %q", where, msg, a.body)
		}
	}

	// 5. Logs and the audit: no raw control characters, no upload token; writes that reached
	// the upstream are audited.
	for _, l := range []struct{ name, s string }{{"text log", text}, {"JSON log", js}} {
		for i, line := range strings.Split(strings.TrimSuffix(l.s, "\n"), "\n") {
			if r, bad := rawControl(line); bad {
				t.Errorf("%s: %s line %d holds %U: %q", where, l.name, i+1, r, line)
			}
		}
	}
	audit, err := rig.db.RecentAudit(context.Background(), "", 5)
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, en := range audit {
		if en.RequestID != gotID {
			continue
		}
		audited = true
		for _, s := range []string{en.Method, en.Path} {
			if r, bad := rawControl(s); bad {
				t.Errorf("%s: the audit holds %U: %q", where, r, s)
			}
		}
		if tok := uploadToken(target); tok != "" && strings.Contains(en.Path, tok) {
			t.Errorf("%s: the audit holds the upload token: %q", where, en.Path)
		}
	}
	if tok := uploadToken(target); tok != "" {
		for _, s := range []string{text, js} {
			if strings.Contains(s, tok) || strings.Contains(s, "PRESIGNEDSECRET") {
				t.Errorf("%s: the log holds the upload token %q:\n%s", where, tok, s)
			}
		}
	}
	if rig.n%128 == 0 {
		rig.checkMetrics(t)
	}
	for _, c := range calls {
		if c.method != "GET" && c.method != "HEAD" && !audited {
			t.Errorf("%s: %s %s reached the upstream but is not audited", where, c.method, c.path)
		}
	}
	if key == fuzzReadKey && a.status == 403 && strings.Contains(string(a.body), "This key may only read") && !audited {
		t.Errorf("%s: a refused write is not audited", where)
	}
}

// send writes the request by hand, so any method and target go out as they are, and reads
// one answer.
func (rig *fuzzRig) send(method, target string, hdr byte, body []byte, key byte, basic bool, reqID string) (fuzzAnswer, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: fuzz\r\n", method, target, rig.addr)
	if reqID != "" {
		fmt.Fprintf(&b, "X-Request-Id: %s\r\n", reqID)
	}
	if k := rig.keys[key]; k != "" {
		switch {
		case hdr&fuzzBearer != 0 && basic:
			fmt.Fprintf(&b, "Authorization: Basic %s\r\n", base64.StdEncoding.EncodeToString([]byte("ascend:"+k)))
		case hdr&fuzzBearer != 0:
			fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", k)
		default:
			fmt.Fprintf(&b, "X-API-Key: %s\r\n", k)
		}
	}
	if hdr&fuzzJSONType != 0 {
		b.WriteString("Content-Type: application/json\r\n")
	}
	if hdr&fuzzForwarding != 0 {
		b.WriteString("Cookie: session=fuzzcookie\r\nX-Forwarded-For: 10.9.8.7\r\nForwarded: for=10.9.8.7\r\n")
	}
	cutShort := false
	switch (hdr / fuzzFraming0) & 3 {
	case 0:
		if len(body) > 0 || (method != "GET" && method != "HEAD") {
			fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
		} else {
			b.WriteString("\r\n")
		}
		b.Write(body)
	case 1:
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		if len(body) > 0 {
			fmt.Fprintf(&b, "%x\r\n", len(body))
			b.Write(body)
			b.WriteString("\r\n")
		}
		b.WriteString("0\r\n\r\n")
	case 2:
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body)+7)
		b.Write(body)
		cutShort = true
	case 3:
		b.WriteString("\r\n")
	}
	conn, err := net.Dial("tcp", rig.addr)
	if err != nil {
		return fuzzAnswer{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return fuzzAnswer{}, err
	}
	if cutShort {
		conn.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return fuzzAnswer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fuzzAnswer{}, err
	}
	return fuzzAnswer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// routeLabel is what a route label of the metrics may be: "unmatched", or a pattern the
// gateway registered (an API root, "GET /connector/v1/apps/{appId}"), never a path a client
// sent.
var routeLabel = regexp.MustCompile(`^(unmatched|([A-Z]+ )?/[A-Za-z0-9/{}$._-]*)$`)

// checkMetrics reads /metrics and checks that its route labels stay patterns, a bounded set.
func (rig *fuzzRig) checkMetrics(t *testing.T) {
	a, err := rig.send("GET", "/metrics", fuzzNoRequestID, nil, fuzzNoKey, false, "")
	if err != nil || a.status != 200 {
		t.Fatalf("GET /metrics: %v %d", err, a.status)
	}
	rig.waitLogged(t, a.header.Get("X-Request-Id"))
	routes := map[string]bool{}
	for _, m := range regexp.MustCompile(`route="((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(string(a.body), -1) {
		if !routeLabel.MatchString(m[1]) {
			t.Errorf("the metrics have the route label %q", m[1])
		}
		routes[m[1]] = true
	}
	if len(routes) > 100 {
		t.Errorf("the metrics have %d route labels", len(routes))
	}
}

// waitLogged waits for the request's log line.
func (rig *fuzzRig) waitLogged(t *testing.T, id string) {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-rig.logs.out.done:
			if got == id {
				return
			}
		case <-timeout:
			t.Fatalf("request %s answered but never logged", id)
		}
	}
}

// apiPath reports whether an escaped path stays under an API root however a server
// resolves it: decoded and cleaned it keeps its root, and no segment is a dot segment or
// holds a slash or backslash, encoded or not.
func (rig *fuzzRig) apiPath(p string) bool {
	root := ""
	for _, r := range rig.roots {
		if strings.HasPrefix(p, r) {
			root = r
		}
	}
	if root == "" {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		dec, err := url.PathUnescape(seg)
		// Servers that take path parameters (Tomcat's "..;") or stop at a NUL read what
		// comes before as the segment.
		dot, _, _ := strings.Cut(dec, ";")
		dot, _, _ = strings.Cut(dot, "\x00")
		if err != nil || dot == "." || dot == ".." || strings.ContainsAny(dec, "/\\") {
			return false
		}
	}
	dec, _ := url.PathUnescape(p)
	return strings.HasPrefix(path.Clean(dec)+"/", root)
}

// ownError reports whether an answer is an error of the gateway's own: an ErrorResponse
// carrying the request's id. HEAD answers have no body: they count as the gateway's own.
func ownError(a fuzzAnswer, id, method string) bool {
	if a.status < 400 {
		return false
	}
	if method == "HEAD" {
		return true
	}
	var er struct{ Errors []struct{ ID string } }
	return json.Unmarshal(a.body, &er) == nil && len(er.Errors) > 0 && er.Errors[0].ID == id
}

// errorShapeProblem says what keeps an answer from being one of the gateway's own Apple
// ErrorResponses, or "".
func errorShapeProblem(a fuzzAnswer, id string) string {
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		return "Content-Type " + strconv.Quote(ct)
	}
	var er struct {
		Errors []struct{ ID, Status, Code, Title, Detail string }
	}
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&er); err != nil || dec.More() {
		return "not an ErrorResponse"
	}
	if len(er.Errors) != 1 {
		return strconv.Itoa(len(er.Errors)) + " errors"
	}
	e := er.Errors[0]
	switch {
	case e.ID != id:
		return "error id " + strconv.Quote(e.ID) + ", not the request's"
	case e.Status != strconv.Itoa(a.status):
		return "error status " + strconv.Quote(e.Status)
	case e.Code == "" || e.Title == "" || e.Detail == "":
		return "an empty code, title or detail"
	case strings.ContainsAny(e.Detail, "\r\n") || strings.ContainsAny(e.Title, "\r\n"):
		return "a detail of more than one line"
	}
	if r, bad := rawControl(e.Detail); bad {
		return fmt.Sprintf("a detail holding %U", r)
	}
	return ""
}

// rawControl finds a character that a terminal or log viewer would act on or misread: C0
// and C1 controls, DEL, the Unicode line and paragraph separators, or bytes that are not
// UTF-8.
func rawControl(s string) (rune, bool) {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u2028' || r == '\u2029' || (r == utf8.RuneError && n == 1) {
			return r, true
		}
		s = s[n:]
	}
	return 0, false
}

// uploadToken is the token of a target that names an upload part (as the router cleans
// it, in any case), or "" when it names none or one too short to search for.
func uploadToken(target string) string {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return ""
	}
	clean := path.Clean("/" + u.Path)
	if !strings.HasPrefix(strings.ToLower(clean), "/connector/uploads/") {
		return ""
	}
	tok, _, _ := strings.Cut(clean[len("/connector/uploads/"):], "/")
	if len(tok) < 8 {
		return ""
	}
	return tok
}

// withoutFlatten is a raw query without its flatten parameters.
func withoutFlatten(raw string) string {
	var kept []string
	for _, part := range strings.Split(raw, "&") {
		if name, _, _ := strings.Cut(part, "="); name != "flatten" {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "&")
}
