package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/products"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

// The TestFlight and commerce workflow tools: each decodes its arguments, makes one call of
// workflow/testflight or workflow/products, and answers what it returned. The workflows
// check everything before writing and do only what is missing, so running a write tool again
// with the same arguments changes nothing more.
const (
	toolBetaGroups      = "testflight_groups"
	toolBetaTesters     = "testflight_testers"
	toolBetaCreateGroup = "testflight_create_group"
	toolBetaAddTesters  = "testflight_add_testers"
	toolBetaRemove      = "testflight_remove_testers"
	toolBetaDistribute  = "testflight_distribute"
	toolProductsList    = "products_list"
	toolProductGet      = "product_get"
	toolProductPrice    = "product_set_price"
)

// maxToolTesters bounds the testers one call adds or removes, and the default of a listing.
const (
	maxToolTesters     = 100
	defaultListTesters = 200
	maxListTesters     = 1000
)

const appProp = `"app":{"type":"string","description":"app id or bundle id"}`

func (s *server) betaTools() []tool {
	closed := boolPtr(false)
	return []tool{
		{tool: &sdk.Tool{
			Name:        toolBetaGroups,
			Description: "List an app's TestFlight beta groups: internal or external, public link and its tester limit, feedback.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `},"required":["app"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "TestFlight groups", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.betaGroups},
		{tool: &sdk.Tool{
			Name:        toolBetaTesters,
			Description: "List an app's TestFlight testers (name, email, state, groups), optionally of one group.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `,` +
				`"group":{"type":"string","description":"only this group's testers"},` +
				`"max_items":{"type":"integer","minimum":1,"maximum":1000,"description":"default 200"}},"required":["app"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "TestFlight testers", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.betaTesters},
		{tool: &sdk.Tool{
			Name:        toolBetaCreateGroup,
			Description: "Create a beta group, or make an existing group of that name have these public link settings. Safe to run again.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `,` +
				`"name":{"type":"string"},"internal":{"type":"boolean","description":"App Store Connect users only"},` +
				`"public_link":{"type":"boolean","description":"external groups: anyone with the link may join"},` +
				`"public_link_limit":{"type":"integer","minimum":0,"maximum":` + strconv.Itoa(apple.MaxPublicLinkLimit) + `,"description":"cap on testers joining by the link; 0 none"},` +
				`"feedback":{"type":"boolean","description":"default on"}},"required":["app","name"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Create a beta group", DestructiveHint: closed, IdempotentHint: true},
		}, handler: s.betaCreateGroup, write: true},
		{tool: &sdk.Tool{
			Name:        toolBetaAddTesters,
			Description: "Add testers to external beta groups (created when new, given the groups they lack otherwise); every email and group checked first. Safe to run again.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `,` +
				`"testers":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"object","properties":{"email":{"type":"string"},` +
				`"first_name":{"type":"string"},"last_name":{"type":"string"},"groups":{"type":"array","minItems":1,"items":{"type":"string"}}},` +
				`"required":["email","groups"],"additionalProperties":false}}},"required":["app","testers"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Add beta testers", DestructiveHint: closed, IdempotentHint: true},
		}, handler: s.betaAddTesters, write: true},
		{tool: &sdk.Tool{
			Name:        toolBetaRemove,
			Description: "Remove testers from one beta group, or without group from the app's TestFlight. Needs confirm: true; without it nothing is sent and the answer names who would be removed.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `,` +
				`"emails":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"string"}},"group":{"type":"string"},` +
				`"confirm":{"type":"boolean","description":"must be true: the user agreed to remove them"}},"required":["app","emails","confirm"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Remove beta testers", DestructiveHint: boolPtr(true), IdempotentHint: true},
		}, handler: s.betaRemoveTesters, write: true},
		{tool: &sdk.Tool{
			Name: toolBetaDistribute,
			Description: "Give a build to beta groups: What to Test per locale, the build added to the groups it is not in, tester notification, and for external groups the Beta App Review submission. " +
				"Checks groups and the build first; running it again writes nothing. release_status shows the review state later.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` +
				`"build":{"type":"string","description":"build id; or app, version and build_number"},` + appProp + `,` +
				`"version":{"type":"string","description":"e.g. 2.4.0"},"build_number":{"type":"string","description":"e.g. 491"},` +
				platformProp + `,` +
				`"groups":{"type":"array","minItems":1,"items":{"type":"string"}},` +
				`"what_to_test":{"type":"object","additionalProperties":{"type":"string","maxLength":4000},"description":"text by locale, e.g. {\"en-US\":\"Try the timer.\"}"},` +
				`"notify":{"type":"boolean","description":"notify testers when the build is available"}},"required":["groups"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Distribute a build", DestructiveHint: closed, IdempotentHint: true},
		}, handler: s.betaDistribute, write: true},
		{tool: &sdk.Tool{
			Name:        toolProductsList,
			Description: "List an app's in-app purchases and subscriptions: product id, kind, state, subscription group.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `},"required":["app"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "In-app products", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.productsList},
		{tool: &sdk.Tool{
			Name:        toolProductGet,
			Description: "Read one in-app purchase or subscription by product id: localizations, availability, prices by territory.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `,"product_id":{"type":"string"}},"required":["app","product_id"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "In-app product", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.productGet},
		{tool: &sdk.Tool{
			Name:        toolProductPrice,
			Description: "Set a product's price in its base territory from now (the price must be one of Apple's price points there); other territories follow Apple's equalization. Safe to run again.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `,"product_id":{"type":"string"},` +
				`"price":{"type":"string","description":"customer price, e.g. 4.99"},"territory":{"type":"string","description":"base territory, e.g. USA; default: the product's"}},` +
				`"required":["app","product_id","price"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Set a product's price", DestructiveHint: closed, IdempotentHint: true},
		}, handler: s.productSetPrice, write: true},
	}
}

// betaWriteError is a failed TestFlight write: Apple's errors when it answered; otherwise the
// write may or may not have happened, and the tool, doing only what is missing, is the way
// to finish it.
func betaWriteError(err error, name string) *sdk.CallToolResult {
	r := workflowError(err, true)
	if te, ok := resultError(r); ok && te.Sent != sentNo {
		te.Hint = "running " + name + " again with the same arguments does only what is still missing"
		return failure(te)
	}
	return r
}

func required(what string) *sdk.CallToolResult {
	return failure(&toolError{Message: what + " required", Sent: sentNo})
}

type groupDoc struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Internal        bool   `json:"internal"`
	PublicLink      string `json:"publicLink,omitempty"`
	PublicLinkLimit int    `json:"publicLinkLimit,omitempty"`
	Feedback        *bool  `json:"feedback,omitempty"`
}

func groupDocOf(g *testflight.Group) groupDoc {
	d := groupDoc{ID: g.ID, Name: g.Name(), Internal: g.Internal()}
	if on, link, limit := g.PublicLink(); on {
		d.PublicLink, d.PublicLinkLimit = link, limit
	}
	if g.Attributes != nil {
		d.Feedback = g.Attributes.FeedbackEnabled
	}
	return d
}

func (s *server) betaGroups(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App string `json:"app"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if strings.TrimSpace(a.App) == "" {
		return required("app is"), nil
	}
	gs, err := testflight.Groups(ctx, s.opts.Client, strings.TrimSpace(a.App))
	if err != nil {
		return workflowError(err, false), nil
	}
	out := struct {
		Groups []groupDoc `json:"groups"`
	}{Groups: []groupDoc{}}
	for i := range gs {
		out.Groups = append(out.Groups, groupDocOf(&gs[i]))
	}
	return answer(out), nil
}

func (s *server) betaTesters(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App      string `json:"app"`
		Group    string `json:"group"`
		MaxItems int    `json:"max_items"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if strings.TrimSpace(a.App) == "" {
		return required("app is"), nil
	}
	if a.MaxItems < 0 || a.MaxItems > maxListTesters {
		return failure(&toolError{Message: fmt.Sprintf("max_items %d is outside 1...%d", a.MaxItems, maxListTesters), Sent: sentNo}), nil
	}
	if a.MaxItems == 0 {
		a.MaxItems = defaultListTesters
	}
	list, err := testflight.Testers(ctx, s.opts.Client, strings.TrimSpace(a.App), a.Group)
	if err != nil {
		return workflowError(err, false), nil
	}
	out := struct {
		Testers   []testflight.Tester `json:"testers"`
		Total     int                 `json:"total"`
		Truncated bool                `json:"truncated,omitempty"`
	}{Testers: list, Total: len(list)}
	if out.Testers == nil {
		out.Testers = []testflight.Tester{}
	}
	if len(list) > a.MaxItems {
		out.Testers, out.Truncated = list[:a.MaxItems], true
	}
	return answer(out), nil
}

func (s *server) betaCreateGroup(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App             string `json:"app"`
		Name            string `json:"name"`
		Internal        bool   `json:"internal"`
		PublicLink      bool   `json:"public_link"`
		PublicLinkLimit int    `json:"public_link_limit"`
		Feedback        *bool  `json:"feedback"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if strings.TrimSpace(a.App) == "" || strings.TrimSpace(a.Name) == "" {
		return required("app and name are"), nil
	}
	res, err := testflight.CreateGroup(ctx, s.opts.Client, strings.TrimSpace(a.App), testflight.GroupSpec{Name: a.Name, Internal: a.Internal,
		PublicLink: a.PublicLink, PublicLinkLimit: a.PublicLinkLimit, Feedback: a.Feedback})
	if err != nil {
		return betaWriteError(err, toolBetaCreateGroup), nil
	}
	out := struct {
		Group   groupDoc `json:"group"`
		Created bool     `json:"created"`
		Changed []string `json:"changed"`
	}{Group: groupDocOf(&res.Group), Created: res.Created, Changed: res.Changed}
	if out.Changed == nil {
		out.Changed = []string{}
	}
	return answer(out), nil
}

func (s *server) betaAddTesters(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App     string `json:"app"`
		Testers []struct {
			Email     string   `json:"email"`
			FirstName string   `json:"first_name"`
			LastName  string   `json:"last_name"`
			Groups    []string `json:"groups"`
		} `json:"testers"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if strings.TrimSpace(a.App) == "" || len(a.Testers) == 0 {
		return required("app and testers are"), nil
	}
	if len(a.Testers) > maxToolTesters {
		return failure(&toolError{Message: fmt.Sprintf("%d testers in one call; at most %d", len(a.Testers), maxToolTesters), Sent: sentNo}), nil
	}
	want := make([]testflight.Tester, len(a.Testers))
	for i, t := range a.Testers {
		want[i] = testflight.Tester{Email: strings.TrimSpace(t.Email), FirstName: t.FirstName, LastName: t.LastName, Groups: t.Groups}
	}
	res, err := testflight.AddTesters(ctx, s.opts.Client, strings.TrimSpace(a.App), want)
	if err != nil {
		return betaWriteError(err, toolBetaAddTesters), nil
	}
	return answer(res), nil
}

func (s *server) betaRemoveTesters(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App     string   `json:"app"`
		Emails  []string `json:"emails"`
		Group   string   `json:"group"`
		Confirm bool     `json:"confirm"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	app := strings.TrimSpace(a.App)
	if app == "" || len(a.Emails) == 0 {
		return required("app and emails are"), nil
	}
	if len(a.Emails) > maxToolTesters {
		return failure(&toolError{Message: fmt.Sprintf("%d emails in one call; at most %d", len(a.Emails), maxToolTesters), Sent: sentNo}), nil
	}
	if !a.Confirm {
		// Nothing is removed: say who would be, from the same listing the workflow reads.
		have, err := testflight.Testers(ctx, s.opts.Client, app, a.Group)
		if err != nil {
			return workflowError(err, false), nil
		}
		byEmail := map[string]testflight.Tester{}
		for _, t := range have {
			byEmail[strings.ToLower(t.Email)] = t
		}
		would := struct {
			Message     string              `json:"message"`
			WouldRemove []testflight.Tester `json:"wouldRemove"`
			NotFound    []string            `json:"notFound"`
			Sent        string              `json:"sent"`
		}{WouldRemove: []testflight.Tester{}, NotFound: []string{}, Sent: sentNo}
		for _, e := range a.Emails {
			if t, ok := byEmail[strings.ToLower(strings.TrimSpace(e))]; ok {
				would.WouldRemove = append(would.WouldRemove, t)
			} else {
				would.NotFound = append(would.NotFound, e)
			}
		}
		where := "the app's TestFlight"
		if a.Group != "" {
			where = "the group " + a.Group
		}
		would.Message = fmt.Sprintf("nothing removed: confirm: true removes these %d testers from %s", len(would.WouldRemove), where)
		r := answer(would)
		r.IsError = true
		return r, nil
	}
	res, err := testflight.RemoveTesters(ctx, s.opts.Client, app, a.Emails, a.Group)
	if err != nil {
		return betaWriteError(err, toolBetaRemove), nil
	}
	return answer(res), nil
}

func (s *server) betaDistribute(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		Build       string            `json:"build"`
		App         string            `json:"app"`
		Version     string            `json:"version"`
		BuildNumber string            `json:"build_number"`
		Platform    string            `json:"platform"`
		Groups      []string          `json:"groups"`
		WhatToTest  map[string]string `json:"what_to_test"`
		Notify      bool              `json:"notify"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	ref := builds.Ref{ID: strings.TrimSpace(a.Build), App: strings.TrimSpace(a.App), Version: strings.TrimSpace(a.Version),
		BuildNumber: strings.TrimSpace(a.BuildNumber), Platform: asc.Platform(a.Platform)}
	switch {
	case ref.ID != "" && (ref.App != "" || ref.Version != "" || ref.BuildNumber != ""):
		return failure(&toolError{Message: "give build, or app with version and build_number, not both", Sent: sentNo}), nil
	case ref.ID == "" && (ref.App == "" || ref.Version == "" || ref.BuildNumber == ""):
		return required("build (an id), or app, version and build_number, are"), nil
	case len(a.Groups) == 0:
		return required("groups are"), nil
	}
	if ref.ID == "" && ref.Platform == "" {
		ref.Platform = asc.Platform("IOS")
	}
	res, err := testflight.Distribute(ctx, s.opts.Client, testflight.DistributeOptions{Build: ref, Groups: a.Groups, WhatToTest: a.WhatToTest, Notify: a.Notify})
	if err != nil {
		if errors.Is(err, builds.ErrNotFound) {
			return failure(&toolError{Message: err.Error(), Sent: sentYes}), nil
		}
		return betaWriteError(err, toolBetaDistribute), nil
	}
	return answer(res), nil
}

// productApp is the app id of an app argument (one request for a bundle id).
func (s *server) productApp(ctx context.Context, app string) (string, *sdk.CallToolResult) {
	if strings.TrimSpace(app) == "" {
		return "", required("app is")
	}
	a, _, err := apps.Resolve(ctx, s.opts.Client, strings.TrimSpace(app))
	if err != nil {
		return "", workflowError(err, false)
	}
	return a.ID, nil
}

func (s *server) productsList(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App string `json:"app"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	appID, bad := s.productApp(ctx, a.App)
	if bad != nil {
		return bad, nil
	}
	list, err := products.List(ctx, s.opts.Client, appID)
	if err != nil {
		return workflowError(err, false), nil
	}
	if list == nil {
		list = []products.Summary{}
	}
	return answer(struct {
		Products []products.Summary `json:"products"`
	}{list}), nil
}

func (s *server) productGet(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App       string `json:"app"`
		ProductID string `json:"product_id"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if strings.TrimSpace(a.ProductID) == "" {
		return required("product_id is"), nil
	}
	appID, bad := s.productApp(ctx, a.App)
	if bad != nil {
		return bad, nil
	}
	p, _, err := products.Get(ctx, s.opts.Client, appID, strings.TrimSpace(a.ProductID))
	if err != nil {
		var nf *products.NotFoundError
		if errors.As(err, &nf) {
			return failure(&toolError{Message: err.Error() + "; products_list names the app's products", Sent: sentYes}), nil
		}
		return workflowError(err, false), nil
	}
	return answer(p), nil
}

func (s *server) productSetPrice(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App       string `json:"app"`
		ProductID string `json:"product_id"`
		Price     string `json:"price"`
		Territory string `json:"territory"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if strings.TrimSpace(a.ProductID) == "" || strings.TrimSpace(a.Price) == "" {
		return required("product_id and price are"), nil
	}
	appID, bad := s.productApp(ctx, a.App)
	if bad != nil {
		return bad, nil
	}
	plan, res, err := products.SetPrice(ctx, s.opts.Client, appID, strings.TrimSpace(a.ProductID), strings.TrimSpace(a.Territory), strings.TrimSpace(a.Price))
	if err != nil {
		var nf *products.NotFoundError
		var v *products.ValidationError
		switch {
		case errors.As(err, &nf):
			return failure(&toolError{Message: err.Error() + "; products_list names the app's products", Sent: sentYes}), nil
		case errors.As(err, &v):
			return failure(&toolError{Message: err.Error(), Sent: sentNo}), nil
		}
		var partial *products.PartialError
		if errors.As(err, &partial) {
			return failure(&toolError{Message: err.Error(), Sent: sentYes, Hint: "running " + toolProductPrice + " again sends only what is missing"}), nil
		}
		return betaWriteError(err, toolProductPrice), nil
	}
	type changeDoc struct {
		Field string `json:"field"`
		Was   string `json:"was"`
		Now   string `json:"now"`
	}
	out := struct {
		Changes  []changeDoc `json:"changes"`
		Writes   int         `json:"writes"`
		Requests int         `json:"requests"`
		Note     string      `json:"note,omitempty"`
	}{Changes: []changeDoc{}, Writes: res.Ops, Requests: res.Requests}
	for _, c := range plan.Changes {
		out.Changes = append(out.Changes, changeDoc{Field: c.Field, Was: c.Old, Now: c.New})
	}
	if len(plan.Ops) == 0 {
		out.Note = "the price is already " + a.Price + ": nothing was written"
	}
	return answer(out), nil
}
