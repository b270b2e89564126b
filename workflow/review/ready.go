package review

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/lookup"
)

// Missing is one piece App Review needs that the version lacks.
type Missing struct {
	What   string `json:"what"`             // "build", "review details", "description", ...
	Locale string `json:"locale,omitempty"` // for localized pieces
	Detail string `json:"detail"`
}

func (m Missing) String() string {
	if m.Locale != "" {
		return fmt.Sprintf("%s (%s): %s", m.What, m.Locale, m.Detail)
	}
	return m.What + ": " + m.Detail
}

// NotReadyError lists every piece missing before a submission; nothing was sent.
type NotReadyError struct {
	Version string
	Missing []Missing
}

func (e *NotReadyError) Error() string {
	parts := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		parts[i] = m.String()
	}
	return fmt.Sprintf("version %s is not ready for App Review (nothing was sent): %d missing: %s", e.Version, len(e.Missing), strings.Join(parts, "; "))
}

// ProblemList is the summary and the missing pieces one by one, for a front end that prints
// one problem a line (the CLI's cli.ProblemLister).
func (e *NotReadyError) ProblemList() (string, []string) {
	parts := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		parts[i] = m.String()
	}
	return fmt.Sprintf("version %s is not ready for App Review (nothing was sent): %d missing", e.Version, len(e.Missing)), parts
}

// Target is the version Check looks at.
type Target struct {
	AppID     string
	VersionID string
	Version   string // the version string, for messages
	Platform  asc.Platform
}

// Check reads what App Review needs of the version (its build with export compliance, review
// details, each localization's description, keywords, support URL and required screenshots,
// the age rating, the price schedule, the app's content rights declaration) and returns every
// missing piece at once; it only reads.
func Check(ctx context.Context, c *asc.Client, t Target) ([]Missing, int, error) {
	var missing []Missing
	n := 0
	add := func(what, locale, detail string) { missing = append(missing, Missing{what, locale, detail}) }

	n++
	b, _, err := c.AppStoreVersions.GetBuild(ctx, t.VersionID, &asc.AppStoreVersionsGetBuildOptions{})
	switch {
	case notFound(err) || (err == nil && b.Data.ID == ""):
		add("build", "", "no build is attached; attach a processed one with 'ascend versions update --build-latest'")
	case err != nil:
		return nil, n, fmt.Errorf("read the build of version %s: %w", t.Version, err)
	default:
		a := b.Data.Attributes
		if a == nil || a.ProcessingState != asc.BuildProcessingStateValid {
			state := ""
			if a != nil {
				state = string(a.ProcessingState)
			}
			add("build", "", fmt.Sprintf("build is %s, not processed (VALID)", state))
		}
		if a == nil || a.UsesNonExemptEncryption == nil {
			add("export compliance", "", "the build does not say whether it uses non-exempt encryption; set it with 'ascend builds update'")
		}
	}

	n++
	rd, _, err := c.AppStoreVersions.GetReviewDetail(ctx, t.VersionID, nil)
	switch {
	case notFound(err) || (err == nil && rd.Data.ID == ""):
		add("review details", "", "no contact for App Review (metadata/review_information/)")
	case err != nil:
		return nil, n, fmt.Errorf("read the review details of version %s: %w", t.Version, err)
	default:
		a := rd.Data.Attributes
		if a == nil || a.ContactFirstName == "" || a.ContactLastName == "" || a.ContactEmail == "" || a.ContactPhone == "" {
			add("review details", "", "the contact's first and last name, email and phone are required")
		}
	}

	n++
	locs, err := lookup.VersionLocalizations(ctx, c, t.VersionID, lookup.LocaleFilter{Limit: 200})
	if err != nil {
		return nil, n, fmt.Errorf("read the localizations of version %s: %w", t.Version, err)
	}
	if len(locs.Items) == 0 {
		add("description", "", "the version has no localization")
	}
	required := apple.RequiredScreenshots(string(t.Platform))
	for _, l := range locs.Items {
		a := l.Attributes
		if a == nil {
			a = &asc.AppStoreVersionLocalizationAttributes{}
		}
		for _, f := range []struct{ name, value string }{{"description", a.Description}, {"keywords", a.Keywords}, {"support URL", a.SupportURL}} {
			if strings.TrimSpace(f.value) == "" {
				add(f.name, a.Locale, "empty")
			}
		}
		if len(required) == 0 {
			continue
		}
		n++
		sets, _, err := c.AppStoreVersionLocalizations.ListAppScreenshotSets(ctx, l.ID, &asc.AppStoreVersionLocalizationsListAppScreenshotSetsOptions{
			Include: []string{"appScreenshots"}, Limit: 50})
		if err != nil {
			return nil, n, fmt.Errorf("read the screenshot sets of %s: %w", a.Locale, err)
		}
		have := map[string]bool{}
		for _, s := range sets.Data {
			if s.Attributes != nil && s.Relationships != nil && s.Relationships.AppScreenshots != nil && len(s.Relationships.AppScreenshots.Data.IDs()) > 0 {
				have[string(s.Attributes.ScreenshotDisplayType)] = true
			}
		}
		for _, group := range required {
			if !slices.ContainsFunc(group, func(d string) bool { return have[d] }) {
				add("screenshots", a.Locale, "none of "+strings.Join(group, " or "))
			}
		}
	}

	n++
	infos, err := lookup.AppInfos(ctx, c, t.AppID, 10)
	if err != nil {
		return nil, n, fmt.Errorf("read the app infos of app %s: %w", t.AppID, err)
	}
	info := lookup.PreparedAppInfo(infos.Items)
	if info != nil {
		n++
		ar, _, err := c.AppInfos.GetAgeRatingDeclaration(ctx, info.ID, nil)
		switch {
		case notFound(err) || (err == nil && ar.Data.ID == ""):
			add("age rating", "", "no age rating declaration; answer the questionnaire (app_rating_config.json)")
		case err != nil:
			return nil, n, fmt.Errorf("read the age rating of app %s: %w", t.AppID, err)
		}
	} else {
		add("age rating", "", "the app has no app info")
	}

	n++
	ps, _, err := c.Apps.GetPriceSchedule(ctx, t.AppID, nil)
	switch {
	case notFound(err) || (err == nil && ps.Data.ID == ""):
		add("price schedule", "", "the app has no price; set one with 'ascend pricing'")
	case err != nil:
		return nil, n, fmt.Errorf("read the price schedule of app %s: %w", t.AppID, err)
	}

	n++
	app, err := apps.Get(ctx, c, t.AppID, []string{"contentRightsDeclaration"})
	if err != nil {
		return nil, n, err
	}
	if app.Attributes == nil || app.Attributes.ContentRightsDeclaration == "" {
		add("content rights", "", "the app does not say whether it uses third-party content; answer content_rights_contains_third_party_content in the Deliverfile's submission_information ('ascend deliver'), or in App Store Connect")
	}
	return missing, n, nil
}

func notFound(err error) bool {
	var er *asc.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}
