package connector

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/ascend-tools/ascend/internal/spec"
)

// ExportOptions choose what the exported connector holds.
type ExportOptions struct {
	// Host is the gateway's public host (and port), without scheme: "asc-gw.example.com".
	Host string
	// BasePath is the gateway's path prefix; "" is "/".
	BasePath string
	// Tags adds every non-deprecated operation of these catalog tags ("Apps", "AppInfos").
	Tags []string
	// Scheme is "https" (default) or "http" (a gateway on loopback, for tests).
	Scheme string
}

// Visibility values Power Platform accepts in x-ms-visibility.
var visibilities = map[string]bool{"": true, "important": true, "advanced": true, "internal": true}

// op is one operation of the exported definitions, shared by the Swagger 2.0 and the
// OpenAPI 3.1 writers.
type op struct {
	ID, Method, Path, Tag, Summary, Description, Visibility string
	Params                                                  []exportParam
	Body                                                    map[string]any // body schema, nil when none
	BodyDescription                                         string
	Status                                                  int
	Response                                                map[string]any // nil: no body
	ResponseDescription                                     string
	Pageable                                                bool
	Trigger                                                 bool
	NotificationSchema                                      map[string]any
}

type exportParam struct {
	Name, In, Type, Summary, Description, Visibility string
	Required, Array, Notification                    bool
	Enum                                             []string
	Maximum                                          int
	// Dynamic fills a designer's dropdown from another operation (x-ms-dynamic-values).
	Dynamic map[string]any
}

// Seed operation ids: flows built on the seed connector keep working after the import.
const (
	seedListApps = "Apps_And_App_Metadata__List_Apps"
	seedReadApp  = "Apps_And_App_Metadata__Read_App_Information"
)

// operations lists what the export describes: the seed's two operations, the curated actions,
// the webhook trigger and its deletion, and the operations of the requested tags.
func operations(tags []string) ([]op, error) {
	var ops []op
	if o, ok := catalogOp("GET", "/v1/apps"); ok {
		o.ID, o.Summary, o.Tag = seedListApps, "List Apps", "Apps and App Metadata"
		o.Description = "Find and list apps in App Store Connect. Signed by the gateway; answers are Apple's JSON:API documents, with flatten=true for flat objects."
		ops = append(ops, o)
	}
	if o, ok := catalogOp("GET", "/v1/apps/{id}"); ok {
		o.ID, o.Summary, o.Tag = seedReadApp, "Read App Information", "Apps and App Metadata"
		o.Description = "Get information about a specific app. Signed by the gateway; answers are Apple's JSON:API documents, with flatten=true for a flat object."
		ops = append(ops, o)
	}
	if len(ops) != 2 {
		return nil, fmt.Errorf("the operation catalog lacks GET /v1/apps or GET /v1/apps/{id}")
	}
	for _, a := range curatedActions {
		ops = append(ops, curatedOp(a))
	}
	ops = append(ops, triggerOps()...)

	// A catalog operation is skipped when its id or its method and path are already taken:
	// the seed's operations keep GET /v1/apps and GET /v1/apps/{id}.
	seen := map[string]bool{}
	for _, o := range ops {
		seen[o.ID] = true
		seen[o.Method+" "+o.Path] = true
	}
	known := map[string]bool{}
	for _, c := range spec.Operations() {
		known[c.Tag] = true
	}
	for _, t := range tags {
		if !known[t] {
			return nil, fmt.Errorf("unknown tag %q: tags are Apple's, such as Apps, AppInfos, AppStoreVersions, Builds", t)
		}
	}
	want := map[string]bool{}
	for _, t := range tags {
		want[t] = true
	}
	for _, c := range spec.Operations() {
		if !want[c.Tag] || c.Deprecated {
			continue
		}
		o := fromCatalog(c)
		if seen[o.ID] || seen[o.Method+" "+o.Path] {
			continue
		}
		seen[o.ID], seen[o.Method+" "+o.Path] = true, true
		ops = append(ops, o)
	}
	// Designers pick operations by summary, so summaries must be unique (ignoring case): a
	// later duplicate names its path.
	summaries := map[string]bool{}
	for i := range ops {
		sum := fitSummary(ops[i].Summary, maxSummary)
		if summaries[strings.ToLower(sum)] {
			withPath := sum + " (" + ops[i].Method + " " + ops[i].Path + ")"
			if len(withPath) <= maxSummary && !summaries[strings.ToLower(withPath)] {
				sum = withPath
			} else {
				for n := 2; summaries[strings.ToLower(sum)] && n < 1000; n++ {
					suffix := fmt.Sprintf(" (%d)", n)
					sum = fitSummary(ops[i].Summary, maxSummary-len(suffix)) + suffix
				}
			}
		}
		ops[i].Summary = sum
		summaries[strings.ToLower(sum)] = true
	}
	return ops, nil
}

func catalogOp(method, path string) (op, bool) {
	for _, c := range spec.Operations() {
		if c.Method == method && c.Path == path {
			return fromCatalog(c), true
		}
	}
	return op{}, false
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// fromCatalog describes a catalog operation, passed through the gateway as it is.
func fromCatalog(c spec.Operation) op {
	o := op{
		ID: sanitizeID(c.ID), Method: c.Method, Path: c.Path, Tag: c.Tag,
		Summary: summarize(c.ID), Status: c.SuccessStatus,
	}
	o.Description = fmt.Sprintf("%s (%s %s), sent through the gateway, which signs it for App Store Connect.", o.Summary, c.Method, c.Path)
	for _, m := range pathParamRE.FindAllStringSubmatch(c.Path, -1) {
		o.Params = append(o.Params, exportParam{Name: m[1], In: "path", Type: "string", Required: true,
			Summary: words(m[1]), Description: "The App Store Connect id of the resource."})
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
	if c.Method == http.MethodGet && c.MediaType == "application/json" {
		o.Params = append(o.Params, exportParam{Name: "flatten", In: "query", Type: "boolean", Visibility: "advanced",
			Summary: "Flatten", Description: "Answer flat objects (id, type, attributes, related ids) instead of Apple's JSON:API document; lists become {value, nextLink}."})
	}
	if c.RequestSchema != "" {
		o.Body = map[string]any{"type": "object", "description": "An App Store Connect " + c.RequestSchema + " document."}
		o.BodyDescription = "The " + c.RequestSchema + " document, as Apple's API expects it."
	}
	if c.SuccessStatus != http.StatusNoContent {
		o.Response = map[string]any{"type": "object", "description": "An App Store Connect " + firstNonEmpty(c.ResponseSchema, "response") + " document."}
	}
	o.ResponseDescription = firstNonEmpty(c.ResponseSchema, "Success")
	if o.Status == 0 {
		o.Status = 200
	}
	return o
}

// maxSummary is Power Platform's limit on operation summaries.
const maxSummary = 80

// fitSummary shortens a summary to n characters: first by dropping its " of ..." owner
// clause, then at a word boundary.
func fitSummary(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if i := strings.LastIndex(s, " of "); i > 0 && i <= n {
		s = s[:i]
	}
	for len(s) > n {
		i := strings.LastIndexByte(s[:n], ' ')
		if i <= 0 {
			return s[:n]
		}
		s = s[:i]
	}
	return s
}

// sanitizeID keeps operation ids to letters, digits and underscores.
func sanitizeID(id string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			return r
		}
		return '_'
	}, id)
}

// summarize turns an Apple operation id into a sentence: "apps_appInfos_getToManyRelated"
// becomes "List the app infos of an app".
func summarize(id string) string {
	parts := strings.Split(id, "_")
	if len(parts) < 2 {
		return words(id)
	}
	res := words(parts[0])
	kind := parts[len(parts)-1]
	if len(parts) == 3 {
		rel := words(parts[1])
		switch kind {
		case "getToManyRelated":
			return capitalize("list the " + rel + " of " + singular(res))
		case "getToOneRelated":
			return capitalize("get the " + rel + " of " + singular(res))
		case "getToManyRelationship":
			return capitalize("list the " + rel + " ids of " + singular(res))
		case "getToOneRelationship":
			return capitalize("get the " + rel + " id of " + singular(res))
		case "replaceToManyRelationship", "replaceToOneRelationship":
			return capitalize("replace the " + rel + " of " + singular(res))
		case "createToManyRelationship":
			return capitalize("add " + rel + " to " + singular(res))
		case "deleteToManyRelationship":
			return capitalize("remove " + rel + " from " + singular(res))
		}
		return capitalize(words(kind) + " " + rel + " of " + singular(res))
	}
	switch kind {
	case "getCollection":
		return capitalize("list " + res)
	case "getInstance":
		return capitalize("get " + singular(res))
	case "createInstance":
		return capitalize("create " + singular(res))
	case "updateInstance":
		return capitalize("update " + singular(res))
	case "deleteInstance":
		return capitalize("delete " + singular(res))
	}
	return capitalize(words(kind) + " " + res)
}

func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies"):
		s = strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "sses"):
		s = strings.TrimSuffix(s, "es")
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		s = strings.TrimSuffix(s, "s")
	}
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// words splits camelCase into lower-case words: "appInfoLocalizations" -> "app info localizations".
func words(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// paramDoc describes Apple's query parameters by their family.
func paramDoc(name string) (summary, description string) {
	inner := ""
	if i := strings.IndexByte(name, '['); i > 0 && strings.HasSuffix(name, "]") {
		inner = name[i+1 : len(name)-1]
	}
	switch {
	case strings.HasPrefix(name, "fields["):
		return "Fields of " + words(inner), "Comma-separated attributes and relationships of " + words(inner) + " to return; all when empty."
	case strings.HasPrefix(name, "filter["):
		return "Filter by " + words(strings.ReplaceAll(inner, ".", " ")), "Only items whose " + words(inner) + " is one of these comma-separated values."
	case strings.HasPrefix(name, "limit["):
		return "Limit of " + words(inner), "How many related " + words(inner) + " to include, at most 50."
	case strings.HasPrefix(name, "exists["):
		return "Has " + words(inner), "Only items that have (true) or lack (false) " + words(inner) + "."
	case name == "include":
		return "Include", "Comma-separated relationships whose resources to include in the answer."
	case name == "limit":
		return "Limit", "How many items to return per page, at most 200."
	case name == "sort":
		return "Sort", "Comma-separated attributes to sort by; a leading minus sorts descending."
	case name == "cursor":
		return "Cursor", "The page cursor from links.next."
	}
	return capitalize(words(name)), "The " + words(name) + " parameter of App Store Connect."
}

// flatSchema describes a flat resource (see flatResource) from the catalog's resource model.
func flatSchema(typ string) map[string]any {
	props := map[string]any{
		"id":   map[string]any{"type": "string", "description": "The App Store Connect id.", "x-ms-summary": "ID"},
		"type": map[string]any{"type": "string", "description": "The resource type, " + typ + ".", "x-ms-summary": "Type"},
	}
	if rt, ok := spec.Resource(typ); ok {
		for name, f := range rt.Attributes {
			props[name] = fieldSchema(name, f)
		}
		for name, rel := range rt.Relationships {
			if rel.ToMany {
				props[name+"Ids"] = map[string]any{"type": "array", "items": map[string]any{"type": "string"},
					"description": "Ids of the related " + words(name) + ", when Apple included them.", "x-ms-summary": capitalize(words(name)) + " IDs"}
			} else {
				props[name+"Id"] = map[string]any{"type": "string", "description": "Id of the related " + words(name) + ", when Apple included it.", "x-ms-summary": capitalize(words(name)) + " ID"}
			}
		}
	}
	return map[string]any{"type": "object", "properties": props}
}

func fieldSchema(name string, f *spec.Field) map[string]any {
	s := map[string]any{"description": capitalize(words(name)) + ".", "x-ms-summary": capitalize(words(name))}
	switch f.Type {
	case "string", "integer", "number", "boolean":
		s["type"] = f.Type
		if f.Format != "" {
			s["format"] = f.Format
		}
		if len(f.Enum) > 0 {
			s["enum"] = f.Enum
		}
	case "array":
		s["type"] = "array"
		if f.Items != nil && f.Items.Type != "" && f.Items.Type != "object" && f.Items.Type != "array" {
			s["items"] = map[string]any{"type": f.Items.Type}
		} else {
			s["items"] = map[string]any{"type": "object"}
		}
	default:
		s["type"] = "object"
	}
	return s
}

func curatedOp(a curatedAction) op {
	o := op{ID: a.ID, Method: a.Method, Path: a.Pattern, Tag: "Curated actions", Summary: a.Summary, Description: a.Description, Status: 200}
	if a.Method == http.MethodPost {
		o.Status = 201
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
		props := map[string]any{}
		var req []string
		for _, f := range a.BodyFields {
			s := map[string]any{"type": f.Type, "description": f.Description, "x-ms-summary": f.Summary}
			if len(f.Enum) > 0 {
				s["enum"] = f.Enum
			}
			if f.Advanced {
				s["x-ms-visibility"] = "advanced"
			}
			if f.Required {
				req = append(req, f.Name)
			}
			props[f.Name] = s
		}
		o.Body = map[string]any{"type": "object", "properties": props}
		if len(req) > 0 {
			o.Body["required"] = req
		}
		o.BodyDescription = "The fields to send."
	}
	item := flatSchema(a.ResourceType)
	if a.List {
		o.Response = map[string]any{"type": "object", "properties": map[string]any{
			"value":    map[string]any{"type": "array", "items": item, "description": "The items of this page.", "x-ms-summary": "Items"},
			"nextLink": map[string]any{"type": "string", "description": "The URL of the next page; absent on the last page.", "x-ms-summary": "Next page link", "x-ms-visibility": "internal"},
			"total":    map[string]any{"type": "integer", "description": "How many items there are in all, when Apple says.", "x-ms-summary": "Total"},
		}}
		o.Pageable = true
	} else {
		o.Response = item
	}
	o.ResponseDescription = a.Summary + ": the result as flat objects"
	return o
}

func toExportParam(p param) exportParam {
	vis := ""
	if p.Advanced {
		vis = "advanced"
	}
	ep := exportParam{Name: p.Name, In: p.In, Type: p.Type, Summary: p.Summary, Description: p.Description, Required: p.Required, Enum: p.Enum, Visibility: vis}
	if p.Name == "appId" {
		// Designers pick the app by name from a dropdown filled by Find apps.
		ep.Dynamic = map[string]any{"operationId": "ListApps", "value-collection": "value", "value-path": "id", "value-title": "name"}
	}
	return ep
}

// eventTypes are Apple's webhook event types plus the test ping.
func eventTypes() []string {
	return []string{
		"ALTERNATIVE_DISTRIBUTION_PACKAGE_AVAILABLE_UPDATED", "ALTERNATIVE_DISTRIBUTION_PACKAGE_VERSION_CREATED",
		"ALTERNATIVE_DISTRIBUTION_TERRITORY_AVAILABILITY_UPDATED", "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED",
		"BACKGROUND_ASSET_VERSION_APP_STORE_RELEASE_STATE_UPDATED", "BACKGROUND_ASSET_VERSION_EXTERNAL_BETA_RELEASE_STATE_UPDATED",
		"BACKGROUND_ASSET_VERSION_INTERNAL_BETA_RELEASE_CREATED", "BACKGROUND_ASSET_VERSION_STATE_UPDATED",
		"BETA_FEEDBACK_CRASH_SUBMISSION_CREATED", "BETA_FEEDBACK_SCREENSHOT_SUBMISSION_CREATED",
		"BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED", "BUILD_UPLOAD_STATE_UPDATED", "WEBHOOK_PING_CREATED",
	}
}

func notificationSchema() map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{
		"id":         map[string]any{"type": "string", "description": "The event's id, the same on every retry: use it to ignore duplicates.", "x-ms-summary": "Event ID"},
		"eventType":  map[string]any{"type": "string", "description": "Apple's event type, such as BUILD_UPLOAD_STATE_UPDATED.", "x-ms-summary": "Event type"},
		"profile":    map[string]any{"type": "string", "description": "The gateway profile (App Store Connect account) the event came from.", "x-ms-summary": "Profile"},
		"ping":       map[string]any{"type": "boolean", "description": "Whether this is a test ping.", "x-ms-summary": "Is ping"},
		"receivedAt": map[string]any{"type": "string", "format": "date-time", "description": "When the gateway received the event.", "x-ms-summary": "Received at"},
		"payload":    map[string]any{"type": "object", "description": "The event exactly as Apple sent it.", "x-ms-summary": "Apple payload"},
	}}
}

// triggerOps are the webhook trigger (registered like Power Automate's webhook triggers) and
// the internal operation that removes it.
func triggerOps() []op {
	sub := op{
		ID: "OnAppStoreConnectEvent", Method: "POST", Path: "/connector/subscriptions", Tag: "Triggers",
		Summary: "When an App Store Connect event occurs", Description: "Starts the flow when App Store Connect sends one of the chosen webhook events (all events, test pings included, when none are chosen).",
		Status: 201, Trigger: true, NotificationSchema: notificationSchema(),
		Body: map[string]any{"type": "object", "required": []string{"callbackUrl"}, "properties": map[string]any{
			"callbackUrl": map[string]any{"type": "string", "description": "The URL the platform listens on for events.", "x-ms-summary": "Callback URL",
				"x-ms-notification-url": true, "x-ms-visibility": "internal"},
			"eventTypes": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": eventTypes()},
				"description": "The event types that start the flow; all when empty.", "x-ms-summary": "Event types"},
			"secret": map[string]any{"type": "string", "description": "Optional, at least 16 characters: each notification is then signed in X-Ascend-Signature (hmacsha256=<hex>).",
				"x-ms-summary": "Signing secret", "x-ms-visibility": "advanced"},
		}},
		BodyDescription:     "The subscription.",
		ResponseDescription: "Subscribed; the Location header names the subscription to delete",
		Response: map[string]any{"type": "object", "properties": map[string]any{
			"id":          map[string]any{"type": "string", "description": "The subscription's id.", "x-ms-summary": "Subscription ID"},
			"callbackUrl": map[string]any{"type": "string", "description": "Where events are sent.", "x-ms-summary": "Callback URL"},
		}},
	}
	del := op{
		ID: "DeleteSubscription", Method: "DELETE", Path: "/connector/subscriptions/{id}", Tag: "Triggers",
		Summary: "Delete a subscription", Description: "Stops sending events to a subscriber; the platform calls it when the trigger is removed.",
		Visibility: "internal", Status: 204, ResponseDescription: "Deleted",
		Params: []exportParam{{Name: "id", In: "path", Type: "string", Required: true, Summary: "Subscription ID", Description: "The id from the subscription's Location header."}},
	}
	return []op{sub, del}
}

// Swagger writes the Power Platform connector definition (Swagger 2.0).
func Swagger(opts ExportOptions) ([]byte, error) {
	if opts.Host == "" || strings.Contains(opts.Host, "/") {
		return nil, fmt.Errorf("host %q must be a host name (and port) without scheme or path", opts.Host)
	}
	ops, err := operations(opts.Tags)
	if err != nil {
		return nil, err
	}
	scheme := firstNonEmpty(opts.Scheme, "https")
	paths := map[string]map[string]any{}
	tagSet := map[string]bool{}
	for _, o := range ops {
		item := paths[o.Path]
		if item == nil {
			item = map[string]any{}
			paths[o.Path] = item
		}
		tagSet[o.Tag] = true
		params := []any{}
		for _, p := range o.Params {
			params = append(params, swaggerParam(p))
		}
		if o.Body != nil {
			params = append(params, map[string]any{"name": "body", "in": "body", "required": true, "schema": o.Body,
				"description": o.BodyDescription, "x-ms-summary": "Body"})
		}
		resp := map[string]any{"description": o.ResponseDescription}
		if o.Response != nil {
			resp["schema"] = o.Response
		}
		if o.Trigger {
			resp["headers"] = map[string]any{"Location": map[string]any{"type": "string", "description": "The subscription to delete when the flow is removed."}}
		}
		e := map[string]any{
			"operationId": o.ID, "summary": o.Summary, "description": o.Description, "tags": []string{o.Tag},
			"parameters": params,
			"responses": map[string]any{
				strconv.Itoa(o.Status): resp,
				"default":              map[string]any{"description": "An App Store Connect error document (ErrorResponse)", "schema": map[string]any{"$ref": "#/definitions/ErrorResponse"}},
			},
		}
		if o.Visibility != "" {
			e["x-ms-visibility"] = o.Visibility
		}
		if o.Pageable {
			e["x-ms-pageable"] = map[string]any{"nextLinkName": "nextLink"}
		}
		if o.Trigger {
			e["x-ms-trigger"] = "single"
			item["x-ms-notification-content"] = map[string]any{"description": "An App Store Connect event", "schema": o.NotificationSchema}
		}
		item[strings.ToLower(o.Method)] = e
	}
	tags := []any{}
	for _, t := range sortedKeys(tagSet) {
		tags = append(tags, map[string]any{"name": t, "description": t + " operations"})
	}
	doc := map[string]any{
		"swagger": "2.0",
		"info": map[string]any{
			"title":       "ascend App Store Connect",
			"description": "Automate App Store Connect through an ascend gateway: the gateway signs every request with your team's App Store Connect key, so flows use a scoped client key that never expires mid-run instead of pasting a JSON Web Token.",
			"version":     "1.0",
			"contact":     map[string]any{"name": "ascend", "url": "https://github.com/ascend-tools/ascend"},
		},
		"host":     opts.Host,
		"basePath": firstNonEmpty(opts.BasePath, "/"),
		"schemes":  []string{scheme},
		"consumes": []string{"application/json"},
		"produces": []string{"application/json"},
		"paths":    paths,
		"definitions": map[string]any{
			"ErrorResponse": map[string]any{"type": "object", "properties": map[string]any{
				"errors": map[string]any{"type": "array", "description": "The errors.", "items": map[string]any{"type": "object", "properties": map[string]any{
					"id":     map[string]any{"type": "string", "description": "The request id."},
					"status": map[string]any{"type": "string", "description": "The HTTP status."},
					"code":   map[string]any{"type": "string", "description": "A machine-readable code."},
					"title":  map[string]any{"type": "string", "description": "A summary of the error."},
					"detail": map[string]any{"type": "string", "description": "What went wrong and what to do."},
				}}},
			}},
		},
		"parameters": map[string]any{},
		"responses":  map[string]any{},
		"securityDefinitions": map[string]any{
			"API Key": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
		},
		"security": []any{map[string]any{"API Key": []string{}}},
		"tags":     tags,
		"x-ms-connector-metadata": []any{
			map[string]any{"propertyName": "Website", "propertyValue": "https://developer.apple.com/app-store-connect/api/"},
			map[string]any{"propertyName": "Privacy policy", "propertyValue": "https://www.apple.com/legal/privacy/"},
			map[string]any{"propertyName": "Categories", "propertyValue": "Business Management;IT Operations"},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func swaggerParam(p exportParam) map[string]any {
	m := map[string]any{"name": p.Name, "in": p.In, "required": p.Required, "description": p.Description, "x-ms-summary": p.Summary}
	if p.Array {
		m["type"] = "array"
		items := map[string]any{"type": firstNonEmpty(p.Type, "string")}
		if len(p.Enum) > 0 {
			items["enum"] = p.Enum
		}
		m["items"] = items
		m["collectionFormat"] = "csv"
	} else {
		m["type"] = firstNonEmpty(p.Type, "string")
		if len(p.Enum) > 0 {
			m["enum"] = p.Enum
		}
	}
	if p.Maximum > 0 && !p.Array {
		m["maximum"] = p.Maximum
	}
	if p.Visibility != "" {
		m["x-ms-visibility"] = p.Visibility
	}
	if p.Dynamic != nil {
		m["x-ms-dynamic-values"] = p.Dynamic
	}
	return m
}

// APIProperties writes apiProperties.json: an API key connection parameter instead of the
// seed's pasted JWT and header policy.
func APIProperties() ([]byte, error) {
	doc := map[string]any{"properties": map[string]any{
		"connectionParameters": map[string]any{
			"api_key": map[string]any{
				"type": "securestring",
				"uiDefinition": map[string]any{
					"displayName": "Gateway client key",
					"description": "A client key from 'ascend connector keys create'",
					"tooltip":     "Ask your ascend gateway administrator for a read or write key for this connection",
					"constraints": map[string]any{"tabIndex": 2, "clearText": false, "required": "true"},
				},
			},
		},
		"iconBrandColor": "#da3b01",
		"capabilities":   []string{},
		"publisher":      "ascend",
		"stackOwner":     "Apple",
	}}
	return json.MarshalIndent(doc, "", "  ")
}

// OpenAPI writes an OpenAPI 3.1 description of the same operations, for n8n and other tools.
func OpenAPI(serverURL string, tags []string) ([]byte, error) {
	ops, err := operations(tags)
	if err != nil {
		return nil, err
	}
	paths := map[string]map[string]any{}
	for _, o := range ops {
		item := paths[o.Path]
		if item == nil {
			item = map[string]any{}
			paths[o.Path] = item
		}
		params := []any{}
		for _, p := range o.Params {
			s := map[string]any{"type": firstNonEmpty(p.Type, "string")}
			if len(p.Enum) > 0 {
				s["enum"] = p.Enum
			}
			if p.Array {
				s = map[string]any{"type": "array", "items": s}
			}
			pm := map[string]any{"name": p.Name, "in": p.In, "required": p.Required, "description": p.Description, "schema": s}
			if p.Array {
				pm["style"], pm["explode"] = "form", false
			}
			params = append(params, pm)
		}
		resp := map[string]any{"description": o.ResponseDescription}
		if o.Response != nil {
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": stripMS(o.Response)}}
		}
		e := map[string]any{
			"operationId": o.ID, "summary": o.Summary, "description": o.Description, "tags": []string{o.Tag},
			"parameters": params,
			"responses": map[string]any{
				strconv.Itoa(o.Status): resp,
				"default": map[string]any{"description": "An App Store Connect error document", "content": map[string]any{
					"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ErrorResponse"}}}},
			},
		}
		if o.Body != nil {
			e["requestBody"] = map[string]any{"required": true, "description": o.BodyDescription,
				"content": map[string]any{"application/json": map[string]any{"schema": stripMS(o.Body)}}}
		}
		item[strings.ToLower(o.Method)] = e
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "ascend App Store Connect gateway", "version": "1.0",
			"description": "App Store Connect through an ascend gateway, which signs every request. Authenticate with a gateway client key in X-API-Key."},
		"servers": []any{map[string]any{"url": serverURL}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			},
			"schemas": map[string]any{"ErrorResponse": map[string]any{"type": "object", "properties": map[string]any{
				"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
					"id": map[string]any{"type": "string"}, "status": map[string]any{"type": "string"}, "code": map[string]any{"type": "string"},
					"title": map[string]any{"type": "string"}, "detail": map[string]any{"type": "string"},
				}}},
			}}},
		},
		"security": []any{map[string]any{"apiKey": []string{}}, map[string]any{"bearer": []string{}}},
	}
	return json.MarshalIndent(doc, "", "  ")
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
