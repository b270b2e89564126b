package connector

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

// The curated actions of builds and TestFlight: a build's processing state, a build upload's
// state, distributing a build to beta groups and adding a tester, each one workflow call.
func init() { curatedActions = append(curatedActions, buildActions...) }

var buildActions = []curatedAction{
	{
		ID: "GetBuild", Method: "GET", Pattern: "/connector/v1/builds/{buildId}",
		Summary: "Get a build", Description: "Gets one build with its processing state (PROCESSING, VALID, INVALID or FAILED), expiry and export compliance, as a flat object.",
		PathParams:   []param{pathParam("buildId", "Build ID", "The id of the build, from List builds of an app.")},
		ResourceType: "builds",
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			b, err := builds.Get(ctx, c, builds.Ref{ID: in.path("buildId")})
			if err != nil {
				return actionResult{}, err
			}
			return oneResult(&b.Build, nil)
		},
	},
	{
		ID: "GetBuildUpload", Method: "GET", Pattern: "/connector/v1/buildUploads/{uploadId}",
		Summary: "Get a build upload", Description: "Gets one build upload with its state (AWAITING_UPLOAD, PROCESSING, COMPLETE or FAILED) and Apple's processing messages, as a flat object.",
		PathParams:   []param{pathParam("uploadId", "Build upload ID", "The id of the build upload, from the upload's output or its webhook event.")},
		ResourceType: "buildUploads",
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return oneResult(builds.GetUpload(ctx, c, in.path("uploadId")))
		},
	},
	{
		ID: "DistributeBuild", Method: "POST", Pattern: "/connector/v1/builds/{buildId}/distribute",
		Summary: "Distribute a build to beta groups", Description: "Gives a valid build to beta groups: sets What to Test, adds the build to the groups it is not in and, for external groups, submits it to Beta App Review. Safe to retry: what is in place already is left alone.",
		Write:      true,
		PathParams: []param{pathParam("buildId", "Build ID", "The id of the build, from List builds of an app.")},
		BodyFields: []param{
			{Name: "groups", Type: "string", Summary: "Beta groups", Description: "The names of the beta groups, separated by commas.", Required: true},
			{Name: "whatToTest", Type: "string", Summary: "What to test", Description: "What testers should test in this build."},
			{Name: "locale", Type: "string", Summary: "Locale", Description: "The locale of What to Test (default en-US).", Advanced: true},
			{Name: "notify", Type: "boolean", Summary: "Notify testers", Description: "Have App Store Connect notify testers when the build becomes available to them.", Advanced: true},
		},
		ResourceType: "builds",
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct {
				Groups     string `json:"groups"`
				WhatToTest string `json:"whatToTest"`
				Locale     string `json:"locale"`
				Notify     bool   `json:"notify"`
			}
			err := in.json(&body)
			groups := splitList(body.Groups)
			if err == nil && len(groups) == 0 {
				err = errors.New("no groups")
			}
			if err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.REQUIRED", "Missing groups", "send {\"groups\": \"Group A, Group B\"} and optionally \"whatToTest\", \"locale\", \"notify\"")
			}
			o := testflight.DistributeOptions{Build: builds.Ref{ID: in.path("buildId")}, Groups: groups, Notify: body.Notify}
			if body.WhatToTest != "" {
				locale := body.Locale
				if locale == "" {
					locale = "en-US"
				}
				o.WhatToTest = map[string]string{locale: body.WhatToTest}
			}
			if _, err := testflight.Distribute(ctx, c, o); err != nil {
				return actionResult{}, distributeError(err)
			}
			b, err := builds.Get(ctx, c, builds.Ref{ID: in.path("buildId")})
			if err != nil {
				return actionResult{}, err
			}
			return oneResult(&b.Build, nil)
		},
	},
	{
		ID: "AddBetaTester", Method: "POST", Pattern: "/connector/v1/apps/{appId}/betaTesters",
		Summary: "Add a beta tester", Description: "Adds a tester to beta groups of an app, creating the tester when new. Safe to retry: a tester already in the groups is left alone.",
		Write: true, Status: http.StatusCreated,
		PathParams: []param{pathParam("appId", "App ID", "The App Store Connect id of the app.")},
		BodyFields: []param{
			{Name: "email", Type: "string", Summary: "Email", Description: "The tester's email address.", Required: true},
			{Name: "groups", Type: "string", Summary: "Beta groups", Description: "The names of the beta groups, separated by commas.", Required: true},
			{Name: "firstName", Type: "string", Summary: "First name", Description: "The tester's first name."},
			{Name: "lastName", Type: "string", Summary: "Last name", Description: "The tester's last name."},
		},
		ResourceType: "betaTesters",
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct {
				Email, Groups, FirstName, LastName string
			}
			err := in.json(&body)
			groups := splitList(body.Groups)
			if err == nil && (body.Email == "" || len(groups) == 0) {
				err = errors.New("missing fields")
			}
			if err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.REQUIRED", "Missing fields", "send {\"email\", \"groups\"} and optionally \"firstName\", \"lastName\"")
			}
			t := testflight.Tester{Email: body.Email, FirstName: body.FirstName, LastName: body.LastName, Groups: groups}
			res, err := testflight.AddTesters(ctx, c, in.path("appId"), []testflight.Tester{t})
			if err != nil {
				return actionResult{}, distributeError(err)
			}
			return oneResult(&asc.BetaTester{Type: "betaTesters", ID: res.IDs[body.Email],
				Attributes: &asc.BetaTesterAttributes{Email: body.Email, FirstName: body.FirstName, LastName: body.LastName}}, nil)
		},
	},
}

// splitList reads a comma-separated list of names, the form designers fill in.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// distributeError answers the workflow's refusals made before any write (an unknown group,
// a build that is not VALID, a bad email) as the client's mistakes; Apple's own errors pass.
func distributeError(err error) error {
	var rejected *testflight.RejectedError
	if errors.As(err, &rejected) {
		return badInput(err, "STATE_ERROR", "Rejected in beta review", err.Error())
	}
	return refusedBeforeWrite(err, "PARAMETER_ERROR.INVALID", "Cannot distribute")
}
