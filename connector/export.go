package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/workflow/webhooks"
)

// ExportOptions choose what the exported connector holds and who publishes it.
type ExportOptions struct {
	// Host is the gateway's public host (and port), without scheme: "asc-gw.example.com".
	// Connections may set another: the host is a connection parameter (Microsoft's dynamic
	// host policy), so one exported connector serves every organisation's gateway.
	Host string
	// BasePath is the gateway's path prefix; "" is "/".
	BasePath string
	// Tags adds every non-deprecated operation of these catalog tags ("Apps", "AppInfos").
	Tags []string
	// Scheme is "https" (default) or "http" (a gateway on loopback, for tests).
	Scheme string
	// Title is the connector's name (at most 30 characters); default "ascend App Store Connect".
	Title string
	// Publisher and StackOwner go into apiProperties.json: who publishes the connector and
	// who runs the service behind it (default: the publisher).
	Publisher, StackOwner string
	// ContactName, ContactURL and ContactEmail are info.contact: who answers for the
	// connector.
	ContactName, ContactURL, ContactEmail string
}

const defaultTitle = "ascend App Store Connect"

// check fills defaults and says what is missing or malformed.
func (o *ExportOptions) check() error {
	if o.Host == "" || strings.ContainsAny(o.Host, "/ ") {
		return fmt.Errorf("host %q must be a host name (and port) without scheme or path", o.Host)
	}
	if o.Title == "" {
		o.Title = defaultTitle
	}
	if o.StackOwner == "" {
		o.StackOwner = o.Publisher
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"publisher", o.Publisher}, {"contact name", o.ContactName}, {"contact URL", o.ContactURL}, {"contact email", o.ContactEmail}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("a connector Microsoft certifies names its %s", strings.Join(missing, ", "))
	}
	if len(o.Title) > 30 || strings.Contains(o.Title, "API") {
		return fmt.Errorf("title %q: use at most 30 characters and not the word API", o.Title)
	}
	if u, err := url.Parse(o.ContactURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("contact URL %q is not an https URL", o.ContactURL)
	}
	if a, err := mail.ParseAddress(o.ContactEmail); err != nil || a.Address != o.ContactEmail {
		return fmt.Errorf("contact email %q is not an email address", o.ContactEmail)
	}
	return nil
}

// Visibility values Power Platform accepts in x-ms-visibility.
var visibilities = map[string]bool{"": true, "important": true, "advanced": true, "internal": true}

// op is one operation of the exported definitions, shared by the Swagger 2.0 and the
// OpenAPI 3.1 writers.
type op struct {
	ID, Method, Path, Tag, Summary, Description, Visibility string
	Params                                                  []exportParam
	Body                                                    *schema // nil when none
	BodyDescription                                         string
	Status                                                  int
	Response                                                *schema // nil: no body
	ResponseDescription                                     string
	Pageable                                                bool
	Trigger                                                 bool
	NotificationSchema                                      *schema
	Produces                                                string // a media type other than JSON
}

type exportParam struct {
	Name, In, Type, Summary, Description, Visibility string
	Required, Array                                  bool
	Enum                                             []string
	Maximum                                          int
	Default                                          any
	// Dynamic fills a designer's dropdown from another operation (x-ms-dynamic-values).
	Dynamic *dynamicValues
}

// Seed operation ids: flows built on the seed connector keep working after the import.
const (
	seedListApps = "Apps_And_App_Metadata__List_Apps"
	seedReadApp  = "Apps_And_App_Metadata__Read_App_Information"
)

// operations lists what the export describes: the seed's two operations, the curated actions,
// the webhook trigger and its deletion, and the operations of the requested tags. Their
// response schemas (and request body schemas) are built from Apple's spec into sch.
func operations(tags []string, sch *schemas) ([]op, error) {
	var ops []op
	if o, ok := catalogOp("apps_getCollection", sch); ok {
		o.ID, o.Summary, o.Tag = seedListApps, "List apps", "Apps and app metadata"
		o.Description = "Finds and lists the apps of the App Store Connect account, in App Store Connect's own document shape."
		o.Params, o.Response, o.Pageable = withoutFlatten(o.Params), seedDocument(sch, true), false
		ops = append(ops, o)
	}
	if o, ok := catalogOp("apps_getInstance", sch); ok {
		o.ID, o.Summary, o.Tag = seedReadApp, "Read app information", "Apps and app metadata"
		o.Description = "Gets the information of one app, in App Store Connect's own document shape."
		o.Params, o.Response = withoutFlatten(o.Params), seedDocument(sch, false)
		ops = append(ops, o)
	}
	if len(ops) != 2 {
		return nil, fmt.Errorf("the operation catalog lacks apps_getCollection or apps_getInstance")
	}
	for _, a := range curatedActions {
		ops = append(ops, curatedOp(a, sch))
	}
	ops = append(ops, triggerOps()...)

	// A catalog operation is skipped when its method and path are already taken: the seed's
	// operations keep GET /v1/apps and GET /v1/apps/{id}.
	seen := map[string]bool{}
	for _, o := range ops {
		seen[o.ID] = true
		seen[o.Method+" "+o.Path] = true
	}
	known := map[string]bool{}
	for _, c := range spec.Operations() {
		known[c.Tag] = true
	}
	want := map[string]bool{}
	for _, t := range tags {
		if !known[t] {
			return nil, fmt.Errorf("unknown tag %q: tags are Apple's, such as Apps, AppInfos, AppStoreVersions, Builds", t)
		}
		want[t] = true
	}
	for _, c := range spec.Operations() {
		if !want[c.Tag] || c.Deprecated || seen[c.Method+" "+c.Path] {
			continue
		}
		o := fromCatalog(c, sch)
		for n := 2; seen[o.ID]; n++ {
			o.ID = operationID(c.ID) + strconv.Itoa(n)
		}
		seen[o.ID], seen[o.Method+" "+o.Path] = true, true
		ops = append(ops, o)
	}
	// Designers pick operations by summary, so summaries must be unique (ignoring case): a
	// later duplicate is numbered.
	summaries := map[string]bool{}
	for i := range ops {
		sum := fitSummary(ops[i].Summary, maxSummary)
		for n := 2; summaries[strings.ToLower(sum)] && n < 1000; n++ {
			suffix := fmt.Sprintf(" (%d)", n)
			sum = fitSummary(ops[i].Summary, maxSummary-len(suffix)) + suffix
		}
		ops[i].Summary = sum
		summaries[strings.ToLower(sum)] = true
	}
	return ops, nil
}

// catalogOp describes the catalog operation with Apple's operationId id.
func catalogOp(id string, sch *schemas) (op, bool) {
	c, ok := spec.ByID(id)
	if !ok {
		return op{}, false
	}
	return fromCatalog(*c, sch), true
}

func withoutFlatten(ps []exportParam) []exportParam {
	out := ps[:0:0]
	for _, p := range ps {
		if p.Name != "flatten" {
			out = append(out, p)
		}
	}
	return out
}

// seedDocument is the seed connector's answer shape for apps: Apple's document, with the
// attribute the seed declared that Apple's current model no longer has, so flows built on
// the seed keep every field they bind.
func seedDocument(sch *schemas, list bool) *schema {
	doc := sch.document("apps", list)
	props := sch.resourceProps("apps")
	attrs := props["attributes"]
	attrs.Properties["availableInNewTerritories"] = field("boolean", "available in new territories",
		"Whether the app becomes available in territories Apple adds (the seed connector's field; App Store Connect now keeps it in the app's availability).")
	app := &schema{Type: "object", Properties: props}
	if list {
		doc.Properties["data"].Items = app
	} else {
		app.Summary, app.Description = "Data", "The app."
		doc.Properties["data"] = app
	}
	return doc
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// fromCatalog describes a catalog operation, passed through the gateway. Reads of Apple's
// resources are exported flattened (flatten=true, fixed), so that designers bind flat
// fields; writes answer Apple's document.
func fromCatalog(c spec.Operation, sch *schemas) op {
	o := op{
		ID: operationID(c.ID), Method: c.Method, Path: c.Path, Tag: c.Tag,
		Summary: summarize(c.ID), Status: c.SuccessStatus,
	}
	o.Description = sentence(o.Summary + ", sent through the gateway, which signs it for App Store Connect")
	for _, m := range pathParamRE.FindAllStringSubmatch(c.Path, -1) {
		o.Params = append(o.Params, exportParam{Name: m[1], In: "path", Type: "string", Required: true,
			Summary: titleCase(words(m[1])), Description: "The App Store Connect id of the resource."})
	}
	for _, p := range c.Params {
		sum, desc := paramDoc(p.Name)
		vis := "advanced"
		if p.Required || strings.HasPrefix(p.Name, "filter[") {
			vis = ""
		}
		o.Params = append(o.Params, exportParam{Name: p.Name, In: "query", Type: p.Type, Array: p.Array, Required: p.Required,
			Enum: p.Enum, Maximum: p.Maximum, Summary: sum, Description: desc, Visibility: vis})
	}
	typ, list, known := spec.ResponseItemType(c.ResponseSchema)
	linkage := strings.Contains(c.ResponseSchema, "Linkage")
	json := c.MediaType == "application/json" || strings.HasSuffix(c.MediaType, "+json")
	switch {
	case c.SuccessStatus == http.StatusNoContent || c.ResponseSchema == "" && json:
	case !json:
		o.Produces = c.MediaType
		o.Response = &schema{Type: "string", Format: "binary", Description: sentence("The " + c.MediaType + " file App Store Connect answers")}
	case !known:
		o.Response = genericDocument(c.ResponseSchema)
	case c.Method == http.MethodGet:
		o.Params = append(o.Params, exportParam{Name: "flatten", In: "query", Type: "boolean", Required: true, Default: true, Enum: []string{"true"},
			Visibility: "internal", Summary: "Flatten", Description: "Answer flat objects (id, type, attributes, related ids), lists as value and nextLink."})
		if linkage {
			o.Response = linkageDocument(typ, list, true)
		} else {
			o.Response = sch.flatDocument(typ, list)
		}
		o.Pageable = list
	case linkage:
		o.Response = linkageDocument(typ, list, false)
	default:
		o.Response = sch.document(typ, list)
	}
	if c.RequestSchema != "" {
		o.Body = requestBody(c.RequestSchema)
		o.BodyDescription = "The " + c.RequestSchema + " document, as App Store Connect expects it."
	}
	o.ResponseDescription = sentence(firstNonEmpty(c.ResponseSchema, "Done"))
	if o.Status == 0 {
		o.Status = 200
	}
	return o
}

func curatedOp(a curatedAction, sch *schemas) op {
	o := op{ID: a.ID, Method: a.Method, Path: a.Pattern, Tag: "Curated actions", Summary: a.Summary, Description: a.Description, Status: a.Status}
	if o.Status == 0 {
		o.Status = http.StatusOK
	}
	if a.Write {
		o.Visibility = "important"
	}
	for _, p := range a.PathParams {
		p.In = "path"
		p.Required = true
		o.Params = append(o.Params, toExportParam(p))
	}
	for _, p := range a.Query {
		p.In = "query"
		o.Params = append(o.Params, toExportParam(p))
	}
	if len(a.BodyFields) > 0 {
		props := map[string]*schema{}
		var req []string
		for _, f := range a.BodyFields {
			s := field(f.Type, f.Summary, f.Description)
			s.Enum = f.Enum
			if f.Advanced {
				s.Visibility = "advanced"
			}
			if f.Required {
				req = append(req, f.Name)
			}
			props[f.Name] = s
		}
		o.Body = &schema{Type: "object", Properties: props, Required: req}
		o.BodyDescription = "The fields to send."
	}
	if a.Flat != nil {
		o.Response = sch.customFlat(a.Flat, a.List)
	} else {
		o.Response = sch.flatDocument(a.ResourceType, a.List)
	}
	o.Pageable = a.List
	o.ResponseDescription = sentence(a.Summary + ": the result as flat objects")
	return o
}

func toExportParam(p param) exportParam {
	vis := ""
	if p.Advanced {
		vis = "advanced"
	}
	ep := exportParam{Name: p.Name, In: p.In, Type: p.Type, Summary: titleCase(p.Summary), Description: sentence(p.Description), Required: p.Required, Enum: p.Enum, Visibility: vis}
	if p.Name == "appId" {
		// Designers pick the app by name from a dropdown filled by Find apps.
		ep.Dynamic = &dynamicValues{OperationID: "ListApps", ValueCollection: "value", ValuePath: "id", ValueTitle: "name"}
	}
	return ep
}

func notificationSchema() *schema {
	return &schema{Type: "object", Properties: map[string]*schema{
		"id":         field("string", "Event ID", "The event's id, the same on every retry: use it to ignore duplicates."),
		"eventType":  field("string", "Event type", "Apple's event type, such as BUILD_UPLOAD_STATE_UPDATED."),
		"profile":    field("string", "Profile", "The gateway profile (App Store Connect account) the event came from."),
		"ping":       field("boolean", "Is ping", "Whether this is a test ping."),
		"receivedAt": {Type: "string", Format: "date-time", Summary: "Received At", Description: "When the gateway received the event."},
		"payload":    field("object", "Apple payload", "The event exactly as Apple sent it."),
	}}
}

// triggerOps are the webhook trigger (registered like Power Automate's webhook triggers) and
// the internal operation that removes it.
func triggerOps() []op {
	callback := field("string", "Callback URL", "The URL the platform listens on for events.")
	callback.NotificationURL, callback.Visibility = true, "internal"
	types := arrayOf("Event types", "The event types that start the flow; all when empty.", &schema{Type: "string", Enum: eventTypes()})
	secret := field("string", "Signing secret", "Optional, at least 16 characters: each notification is then signed in X-Ascend-Signature (hmacsha256=<hex>).")
	secret.Visibility = "advanced"
	sub := op{
		ID: "OnAppStoreConnectEvent", Method: "POST", Path: "/connector/subscriptions", Tag: "Triggers",
		Summary: "When an App Store Connect event occurs", Description: "Starts the flow when App Store Connect sends one of the chosen webhook events (all events, test pings included, when none are chosen).",
		Status: 201, Trigger: true, NotificationSchema: notificationSchema(),
		Body: &schema{Type: "object", Required: []string{"callbackUrl"}, Properties: map[string]*schema{
			"callbackUrl": callback, "eventTypes": types, "secret": secret,
		}},
		BodyDescription:     "The subscription.",
		ResponseDescription: "Subscribed; the Location header names the subscription to delete.",
		Response: &schema{Type: "object", Properties: map[string]*schema{
			"id":          field("string", "Subscription ID", "The subscription's id."),
			"callbackUrl": field("string", "Callback URL", "Where events are sent."),
		}},
	}
	del := op{
		ID: "DeleteSubscription", Method: "DELETE", Path: "/connector/subscriptions/{id}", Tag: "Triggers",
		Summary: "Delete a subscription", Description: "Stops sending events to a subscriber; the platform calls it when the trigger is removed.",
		Visibility: "internal", Status: 204, ResponseDescription: "Deleted.",
		Params: []exportParam{{Name: "id", In: "path", Type: "string", Required: true, Summary: "Subscription ID", Description: "The id from the subscription's Location header."}},
	}
	ops := []op{sub, del}
	for _, t := range fixedTriggers {
		o := sub
		o.ID, o.Path, o.Summary, o.Description = t.id, t.path, t.summary, t.description
		o.Body = &schema{Type: "object", Required: []string{"callbackUrl"}, Properties: map[string]*schema{"callbackUrl": callback, "secret": secret}}
		ops = append(ops, o)
	}
	return ops
}

// fixedTrigger is a trigger of one kind of event, for designers who want "when a build is
// processed" rather than a list of event types to pick from.
type fixedTrigger struct {
	id, path, summary, description string
	eventTypes                     []string
}

var fixedTriggers = []fixedTrigger{
	{id: "OnBuildUploadStateChanged", path: "/connector/triggers/buildUploads",
		summary:     "When a build upload changes state",
		description: "Starts the flow when a build upload moves on (AWAITING_UPLOAD, PROCESSING, COMPLETE, FAILED); the payload names the upload and its old and new state.",
		eventTypes:  []string{"BUILD_UPLOAD_STATE_UPDATED"}},
	{id: "OnBuildBetaStateChanged", path: "/connector/triggers/builds",
		summary:     "When a build's TestFlight state changes",
		description: "Starts the flow when a build's external TestFlight state changes, such as READY_FOR_BETA_SUBMISSION, IN_BETA_REVIEW or BETA_APPROVED.",
		eventTypes:  []string{"BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED"}},
	{id: "OnAppStoreVersionStateChanged", path: "/connector/triggers/appStoreVersions",
		summary:     "When a version's review or release state changes",
		description: "Starts the flow when an App Store version moves through App Review and release, such as WAITING_FOR_REVIEW, IN_REVIEW, REJECTED, PENDING_DEVELOPER_RELEASE or READY_FOR_DISTRIBUTION; the payload names the version and its old and new state.",
		eventTypes:  []string{"APP_STORE_VERSION_APP_VERSION_STATE_UPDATED"}},
}

// errorResponseSchema is Apple's ErrorResponse, which every error of the gateway takes.
func errorResponseSchema() *schema {
	item := &schema{Type: "object", Properties: map[string]*schema{
		"id":     field("string", "Error ID", "The request id."),
		"status": field("string", "Error status", "The HTTP status."),
		"code":   field("string", "Error code", "A machine-readable code, such as NOT_FOUND."),
		"title":  field("string", "Error title", "A summary of the error."),
		"detail": field("string", "Error detail", "What went wrong and what to do."),
	}}
	return &schema{Type: "object", Description: "An App Store Connect error document.", Properties: map[string]*schema{
		"errors": arrayOf("Errors", "The errors.", item),
	}}
}

// eventTypes are Apple's webhook event types (from the spec) plus the test ping.
func eventTypes() []string {
	return append(webhooks.EventTypes(), "WEBHOOK_PING_CREATED")
}

// toAny turns typed schemas into plain JSON values, for the OpenAPI writer to edit.
func toAny(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// Swagger writes the Power Platform connector definition (Swagger 2.0).
func Swagger(opts ExportOptions) ([]byte, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	sch := newSchemas()
	ops, err := operations(opts.Tags, sch)
	if err != nil {
		return nil, err
	}
	scheme := firstNonEmpty(opts.Scheme, "https")
	paths := map[string]*pathItem{}
	tagSet := map[string]bool{}
	for _, o := range ops {
		item := paths[o.Path]
		if item == nil {
			item = &pathItem{}
			paths[o.Path] = item
		}
		tagSet[o.Tag] = true
		params := []swaggerParameter{}
		for _, p := range o.Params {
			params = append(params, swaggerParam(p))
		}
		if o.Body != nil {
			params = append(params, swaggerParameter{Name: "body", In: "body", Required: true, Schema: o.Body,
				Description: sentence(o.BodyDescription), Summary: "Body"})
		}
		resp := &swaggerResponse{Description: sentence(o.ResponseDescription), Schema: o.Response}
		if o.Trigger {
			resp.Headers = map[string]headerSchema{"Location": {Type: "string", Description: "The subscription to delete when the flow is removed."}}
		}
		e := &swaggerOp{
			OperationID: o.ID, Summary: o.Summary, Description: sentence(o.Description), Tags: []string{o.Tag},
			Parameters: params,
			Responses: map[string]*swaggerResponse{
				strconv.Itoa(o.Status): resp,
				"default":              {Description: "An App Store Connect error document.", Schema: &schema{Ref: "#/definitions/ErrorResponse"}},
			},
			Visibility: o.Visibility,
		}
		if o.Produces != "" {
			e.Produces = []string{o.Produces, "application/json"}
		}
		if o.Pageable {
			e.Pageable = &pageable{NextLinkName: "nextLink"}
		}
		if o.Trigger {
			e.Trigger = "single"
			item.NotificationContent = &notificationContent{Description: "An App Store Connect event.", Schema: o.NotificationSchema}
		}
		item.set(o.Method, e)
	}
	tags := []docTag{}
	for _, t := range sortedKeys(tagSet) {
		tags = append(tags, docTag{Name: t, Description: sentence(t + " operations")})
	}
	defs := map[string]*schema{"ErrorResponse": errorResponseSchema()}
	for name, d := range sch.defs {
		defs[name] = d
	}
	doc := swaggerDoc{
		Swagger: "2.0",
		Info: docInfo{
			Title:       opts.Title,
			Description: "Automate App Store Connect through an ascend gateway: the gateway signs every request with your team's App Store Connect key, so flows use a scoped client key that never expires mid-run instead of pasting a JSON Web Token.",
			Version:     "1.0",
			Contact:     &docContact{Name: opts.ContactName, URL: opts.ContactURL, Email: opts.ContactEmail},
		},
		Host:                opts.Host,
		BasePath:            firstNonEmpty(opts.BasePath, "/"),
		Schemes:             []string{scheme},
		Consumes:            []string{"application/json"},
		Produces:            []string{"application/json"},
		Paths:               paths,
		Definitions:         defs,
		SecurityDefinitions: map[string]securityScheme{"API Key": {Type: "apiKey", In: "header", Name: "X-API-Key"}},
		Security:            []map[string][]string{{"API Key": {}}},
		Tags:                tags,
		ConnectorMetadata: []connectorProperty{
			{Name: "Website", Value: opts.ContactURL},
			{Name: "Privacy policy", Value: "https://www.apple.com/legal/privacy/"},
			{Name: "Categories", Value: "Business Management;IT Operations"},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func swaggerParam(p exportParam) swaggerParameter {
	m := swaggerParameter{Name: p.Name, In: p.In, Required: p.Required, Description: sentence(p.Description), Summary: titleCase(p.Summary),
		Default: p.Default, Visibility: p.Visibility, Dynamic: p.Dynamic}
	typ := firstNonEmpty(p.Type, "string")
	var enum []any
	for _, v := range p.Enum {
		if typ == "boolean" {
			enum = append(enum, v == "true")
		} else {
			enum = append(enum, v)
		}
	}
	if p.Array {
		m.Type = "array"
		m.Items = &paramItems{Type: typ, Enum: enum}
		m.CollectionFormat = "csv"
	} else {
		m.Type = typ
		m.Enum = enum
	}
	if p.Maximum > 0 && !p.Array {
		m.Maximum = p.Maximum
	}
	return m
}

// gatewayHostParam is the connection parameter holding the gateway's host; the dynamic host
// policy sends every request there.
const gatewayHostParam = "gatewayHost"

// APIProperties writes apiProperties.json: the connection asks for the gateway's host and a
// client key (instead of the seed's pasted JWT and header policy), and Microsoft's dynamic
// host policy points the requests at that host.
func APIProperties(opts ExportOptions) ([]byte, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	scheme := firstNonEmpty(opts.Scheme, "https")
	base := strings.TrimSuffix(firstNonEmpty(opts.BasePath, "/"), "/")
	var doc apiProperties
	hostUI := uiDefinition{
		DisplayName: "Gateway host",
		Description: "The host name of your organisation's ascend gateway, such as " + opts.Host + ".",
		Tooltip:     "The host (and port) your ascend gateway administrator gave you, without https://.",
	}
	hostUI.Constraints.TabIndex, hostUI.Constraints.ClearText, hostUI.Constraints.Required = 1, true, "true"
	keyUI := uiDefinition{
		DisplayName: "Gateway client key",
		Description: "A client key from 'ascend connector keys create'.",
		Tooltip:     "Ask your ascend gateway administrator for a read or write key for this connection.",
	}
	keyUI.Constraints.TabIndex, keyUI.Constraints.ClearText, keyUI.Constraints.Required = 2, false, "true"
	doc.Properties.ConnectionParameters = map[string]connectionParameter{
		gatewayHostParam: {Type: "string", UIDefinition: hostUI},
		"api_key":        {Type: "securestring", UIDefinition: keyUI},
	}
	doc.Properties.PolicyTemplateInstances = []policyTemplate{{
		TemplateID: "dynamichosturl",
		Title:      "Gateway host",
		Parameters: map[string]string{
			"x-ms-apimTemplateParameter.urlTemplate": scheme + "://@connectionParameters('" + gatewayHostParam + "')" + base,
		},
	}}
	doc.Properties.IconBrandColor = "#da3b01"
	doc.Properties.Capabilities = []string{}
	doc.Properties.Publisher = opts.Publisher
	doc.Properties.StackOwner = opts.StackOwner
	return json.MarshalIndent(doc, "", "  ")
}

// Readme writes readme.md, the description a connector submission carries beside its two
// files: publisher, prerequisites, credentials, the operations and how to deploy.
func Readme(opts ExportOptions) ([]byte, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	ops, err := operations(opts.Tags, newSchemas())
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("# %s", opts.Title)
	p("Automate App Store Connect (apps, metadata, builds, submissions for review, and App Store Connect's webhook events) from Power Automate and Power Apps through an ascend gateway. The gateway holds your team's App Store Connect key and signs every request itself, so connections use a scoped client key that never expires mid-run instead of a pasted JSON Web Token.")
	p("")
	p("## Publisher: %s", opts.Publisher)
	p("")
	p("## Prerequisites")
	p("- An ascend gateway (`ascend serve`) that Power Platform can reach over HTTPS, run by your organisation with its App Store Connect key.")
	p("- A client key for the gateway, with read or write access.")
	p("")
	p("## Obtaining Credentials")
	p("Ask your gateway's administrator for its host name and a client key. The administrator creates the key with")
	p("`ascend connector keys create --name <flow> --access read|write [--expires 90d] [--quota 25%%]`; it is shown once.")
	p("Create the connection with the gateway host and the key. Revoke a key with `ascend connector keys revoke <name>`.")
	p("")
	p("## Supported Operations")
	for _, o := range ops {
		if o.Visibility == "internal" {
			continue
		}
		p("### %s", o.Summary)
		p("%s", sentence(o.Description))
		p("")
	}
	p("## Getting Started")
	p("1. Create a connection with your gateway's host and your client key.")
	p("2. Add **Find apps** to a flow to pick an app, then the version, localization and build actions.")
	p("3. Use **When an App Store Connect event occurs** to start a flow on a build upload or a version state change; the administrator registers the app's webhook with `ascend connector webhooks register`.")
	p("")
	p("## Known Issues and Limitations")
	p("- Every client key spends a share of the App Store Connect key's hourly request budget; past it the gateway answers 429 with Retry-After.")
	p("- A read key may only read: writes are refused with 403 and audited.")
	p("- Event notifications are delivered at least once: use the event's id to ignore a repeat.")
	p("")
	p("## Frequently Asked Questions")
	p("### Does the connector see our App Store Connect key?")
	p("No. The key stays on the gateway; the connector holds only a client key, which the administrator can revoke at any time.")
	p("")
	p("## Deployment Instructions")
	p("Export the connector from the gateway's tools and create it with the Power Platform connectors CLI:")
	p("```")
	p("ascend connector export --host %s --publisher %q --contact-name %q --contact-url %s --contact-email %s --out ./connector", opts.Host, opts.Publisher, opts.ContactName, opts.ContactURL, opts.ContactEmail)
	p("paconn create --api-def ./connector/apiDefinition.swagger.json --api-prop ./connector/apiProperties.json")
	p("```")
	return b.Bytes(), nil
}

// OpenAPI writes an OpenAPI 3.1 description of the same operations, for n8n and other tools.
func OpenAPI(serverURL string, tags []string) ([]byte, error) {
	sch := newSchemas()
	ops, err := operations(tags, sch)
	if err != nil {
		return nil, err
	}
	errorDoc := map[string]mediaType{"application/json": {Schema: &schema{Ref: "#/components/schemas/ErrorResponse"}}}
	paths := map[string]*pathItem{}
	for _, o := range ops {
		item := paths[o.Path]
		if item == nil {
			item = &pathItem{}
			paths[o.Path] = item
		}
		params := []openAPIParameter{}
		for _, p := range o.Params {
			s := &openAPISchema{Type: firstNonEmpty(p.Type, "string"), Default: p.Default}
			if len(p.Enum) > 0 && p.Type != "boolean" {
				s.Enum = p.Enum
			}
			pm := openAPIParameter{Name: p.Name, In: p.In, Required: p.Required, Description: sentence(p.Description), Schema: s}
			if p.Array {
				explode := false
				pm.Schema = &openAPISchema{Type: "array", Items: s}
				pm.Style, pm.Explode = "form", &explode
			}
			params = append(params, pm)
		}
		resp := &openAPIResponse{Description: sentence(o.ResponseDescription)}
		if o.Response != nil {
			media := firstNonEmpty(o.Produces, "application/json")
			resp.Content = map[string]mediaType{media: {Schema: stripMS(toAny(o.Response))}}
		}
		e := &openAPIOp{
			OperationID: o.ID, Summary: o.Summary, Description: sentence(o.Description), Tags: []string{o.Tag},
			Parameters: params,
			Responses: map[string]*openAPIResponse{
				strconv.Itoa(o.Status): resp,
				"default":              {Description: "An App Store Connect error document.", Content: errorDoc},
			},
		}
		if o.Body != nil {
			e.RequestBody = &openAPIBody{Required: true, Description: sentence(o.BodyDescription),
				Content: map[string]mediaType{"application/json": {Schema: stripMS(toAny(o.Body))}}}
		}
		item.set(o.Method, e)
	}
	var doc openAPIDoc
	doc.OpenAPI = "3.1.0"
	doc.Info = docInfo{Title: "ascend App Store Connect gateway", Version: "1.0",
		Description: "App Store Connect through an ascend gateway, which signs every request. Authenticate with a gateway client key in X-API-Key."}
	doc.Servers = append(doc.Servers, struct {
		URL string `json:"url"`
	}{serverURL})
	doc.Paths = paths
	doc.Components.Schemas = make(map[string]any, len(sch.defs)+1)
	doc.Components.Schemas["ErrorResponse"] = stripMS(toAny(errorResponseSchema()))
	for name, d := range sch.defs {
		doc.Components.Schemas[name] = stripMS(toAny(d))
	}
	doc.Components.SecuritySchemes = map[string]securityScheme{
		"apiKey": {Type: "apiKey", In: "header", Name: "X-API-Key"},
		"bearer": {Type: "http", Scheme: "bearer"},
	}
	doc.Security = []map[string][]string{{"apiKey": {}}, {"bearer": {}}}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(out, []byte(`"#/definitions/`), []byte(`"#/components/schemas/`)), nil
}

// stripMS removes Power Platform extensions from a schema for the OpenAPI 3.1 document.
func stripMS(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if strings.HasPrefix(k, "x-ms-") {
				continue
			}
			out[k] = stripMS(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = stripMS(x)
		}
		return out
	}
	return v
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// handleOpenAPI serves the OpenAPI 3.1 description; ?tags=Apps,Builds adds catalog operations.
func (g *Gateway) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	var tags []string
	if t := r.URL.Query().Get("tags"); t != "" {
		tags = strings.Split(t, ",")
	}
	doc, err := OpenAPI(g.publicBase(r), tags)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Invalid tags", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(doc)
}
