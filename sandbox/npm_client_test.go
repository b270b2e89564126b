package sandbox

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/testutil"
)

// npmClientDir holds a pinned third-party App Store Connect client from npm
// (appstore-connect-sdk, generated from Apple's OpenAPI spec) and the script that drives it.
// Install it with: cd sandbox/testdata/npm-client && npm install --no-audit --no-fund
const npmClientDir = "testdata/npm-client"

// npmClientResult is what script.js prints.
type npmClientResult struct {
	Pages int `json:"pages"`
	Apps  []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		BundleID string `json:"bundleId"`
	} `json:"apps"`
	Included     int    `json:"included"`
	AppInfo      string `json:"appInfo"`
	Localization struct {
		ID     string `json:"id"`
		Locale string `json:"locale"`
		Name   string `json:"name"`
	} `json:"localization"`
	NotFound struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
	} `json:"notFound"`
	SchemaIssues []string `json:"schemaIssues"`
	Error        string   `json:"error"`
}

// TestNPMClient runs a client that someone else generated from Apple's spec against the
// sandbox, unchanged: if the sandbox's answers surprise it, they would surprise other users'
// code too. It lists the demo apps a page at a time following links.next and creates an app
// info localization, once with a token signed by asc/auth and once with the SDK signing its
// own tokens (jose, no iat claim, a full 20-minute lifetime).
func TestNPMClient(t *testing.T) {
	node := npmClientPrereqs(t)
	for _, tc := range []struct {
		name, locale string
		sdkSigns     bool
		limit        string
	}{
		{name: "bearer", locale: "pt-PT", limit: "1"},
		{name: "sdk-signed", locale: "ca", sdkSigns: true, limit: "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newTestServer(t, Options{})
			env := []string{"ASC_BASE_URL=" + s.URL(), "ASC_PAGE_LIMIT=" + tc.limit, "ASC_LOCALE=" + tc.locale}
			if tc.sdkSigns {
				env = append(env, "ASC_KEY_ID="+s.Key().ID, "ASC_ISSUER_ID="+s.Key().IssuerID, "ASC_PRIVATE_KEY="+string(s.KeyPEM()))
			} else {
				tok, err := s.Key().Sign(auth.TokenOptions{})
				if err != nil {
					t.Fatalf("sign token: %v", err)
				}
				env = append(env, "ASC_BEARER_TOKEN="+tok)
			}
			res := runNPMClient(t, node, env)
			t.Logf("npm client read %d apps in %d pages, %d included resources, and created localization %s (%s) on appInfo %s",
				len(res.Apps), res.Pages, res.Included, res.Localization.ID, res.Localization.Locale, res.AppInfo)

			if issues := sdkDefects(t, res.SchemaIssues); len(issues) > 0 {
				t.Errorf("the SDK's own zod schemas reject the sandbox's answers:\n%s", strings.Join(issues, "\n"))
			}

			// Every demo app, each once, in name order, across pages of at most limit apps.
			all := c.do("GET", "/v1/apps?limit=200&sort=name", nil).must(t, 200).list()
			var want, got []string
			for _, a := range all {
				m := a.(map[string]any)
				want = append(want, m["id"].(string)+" "+attr(m, "name").(string))
			}
			for _, a := range res.Apps {
				got = append(got, a.ID+" "+a.Name)
			}
			if len(want) < 2 {
				t.Fatalf("the demo seed has %d apps; paging needs at least 2", len(want))
			}
			if !slices.Equal(got, want) {
				t.Errorf("apps seen by the npm client across pages:\n got %q\nwant %q", got, want)
			}
			limit := map[string]int{"1": 1, "2": 2}[tc.limit]
			if wantPages := (len(want) + limit - 1) / limit; res.Pages != wantPages {
				t.Errorf("npm client read %d pages of %d, want %d", res.Pages, limit, wantPages)
			}

			if res.Included == 0 {
				t.Error("the npm client got nothing in included for an app with include=appInfos,appStoreVersions")
			}
			if res.NotFound.Status != 404 || res.NotFound.Code != "NOT_FOUND" {
				t.Errorf("unknown app through the npm client: %+v, want 404 NOT_FOUND", res.NotFound)
			}

			// The localization exists afterwards, linked to the app info the client chose.
			if res.Localization.ID == "" || res.Localization.Locale != tc.locale {
				t.Fatalf("created localization = %+v, want an id and locale %q", res.Localization, tc.locale)
			}
			loc := c.do("GET", "/v1/appInfoLocalizations/"+res.Localization.ID+"?include=appInfo", nil).must(t, 200).data()
			if got := attr(loc, "locale"); got != tc.locale {
				t.Errorf("stored locale = %v, want %q", got, tc.locale)
			}
			if got := attr(loc, "name"); got != res.Localization.Name {
				t.Errorf("stored name = %v, want %q", got, res.Localization.Name)
			}
			rel, _ := loc["relationships"].(map[string]any)["appInfo"].(map[string]any)
			if d, _ := rel["data"].(map[string]any); d["id"] != res.AppInfo {
				t.Errorf("localization's appInfo = %v, want %s", rel["data"], res.AppInfo)
			}
			locs := c.do("GET", "/v1/appInfos/"+res.AppInfo+"/appInfoLocalizations?limit=50", nil).must(t, 200).list()
			if !slices.ContainsFunc(locs, func(l any) bool { return l.(map[string]any)["id"] == res.Localization.ID }) {
				t.Errorf("appInfos/%s/appInfoLocalizations does not list the new localization %s", res.AppInfo, res.Localization.ID)
			}
		})
	}
}

// npmClientPrereqs finds node and the installed client, skipping with the reason (or failing
// under CI, which installs them) when either is missing.
func npmClientPrereqs(t *testing.T) string {
	t.Helper()
	return testutil.Node(t, npmClientDir, "appstore-connect-sdk")
}

// runNPMClient runs script.js with only the given variables (and PATH/HOME), so a developer's
// own ASC_* settings cannot point it at Apple.
func runNPMClient(t *testing.T, node string, env []string) *npmClientResult {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), node, "script.js")
	cmd.Dir = npmClientDir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res npmClientResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("node script.js: %v; output is not JSON (%v)\nstdout: %s\nstderr: %s", runErr, err, stdout.Bytes(), stderr.Bytes())
	}
	if runErr != nil || res.Error != "" {
		t.Fatalf("node script.js failed (%v): %s\nstderr: %s", runErr, res.Error, stderr.Bytes())
	}
	return &res
}

// appleOffsetTime is a timestamp with a numeric UTC offset, in the forms App Store Connect
// sends (2019-03-07T13:11:26.000+0000 on provisioning resources, -07:00 on App Store ones).
var appleOffsetTime = regexp.MustCompile(`^"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:?\d{2}"$`)

// sdkDefects drops the issues where the SDK's zod schema (z.string().datetime() without
// offsets) refuses a timestamp in a form Apple itself sends: the sandbox sends Apple's forms on
// purpose, so a client that cannot read them must find out here. Every other issue is a defect.
func sdkDefects(t *testing.T, issues []string) []string {
	t.Helper()
	var defects []string
	for _, issue := range issues {
		i := strings.LastIndex(issue, ": ")
		if i > 0 && strings.HasSuffix(issue[:i], ": Invalid ISO datetime") && appleOffsetTime.MatchString(issue[i+2:]) {
			t.Logf("the SDK refuses a timestamp in Apple's own form (not a sandbox defect): %s", issue)
			continue
		}
		defects = append(defects, issue)
	}
	return defects
}
