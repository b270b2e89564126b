// Package testflight is the domain layer for TestFlight, as fastlane pilot users know it:
// beta groups (internal or external, with a public link and its limit), testers (added to
// groups, removed, invited; imported from and exported to pilot's CSV layout), and the
// distribution of a build to groups (What to Test, beta app review details, the beta review
// submission for external groups), each safe to run again: a re-run changes nothing.
package testflight

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
)

// resolveApp returns the app's id for an id or a bundle id (one read for a bundle id).
func resolveApp(ctx context.Context, c *asc.Client, app string) (string, error) {
	a, _, err := apps.Resolve(ctx, c, app)
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

// Group is a beta group.
type Group struct {
	asc.BetaGroup
}

// Name is the group's name.
func (g *Group) Name() string {
	if g.Attributes == nil {
		return ""
	}
	return g.Attributes.Name
}

// Internal reports whether the group is internal (App Store Connect users only).
func (g *Group) Internal() bool {
	return g.Attributes != nil && g.Attributes.IsInternalGroup != nil && *g.Attributes.IsInternalGroup
}

// PublicLink reports whether the group's public link is on, the link, and its tester
// limit (0: none).
func (g *Group) PublicLink() (on bool, link string, limit int) {
	a := g.Attributes
	if a == nil || a.PublicLinkEnabled == nil || !*a.PublicLinkEnabled {
		return false, "", 0
	}
	if a.PublicLinkLimitEnabled != nil && *a.PublicLinkLimitEnabled && a.PublicLinkLimit != nil {
		limit = *a.PublicLinkLimit
	}
	return true, a.PublicLink, limit
}

var groupFields = []string{"name", "createdDate", "isInternalGroup", "hasAccessToAllBuilds", "publicLinkEnabled", "publicLinkId",
	"publicLinkLimitEnabled", "publicLinkLimit", "publicLink", "feedbackEnabled"}

// Groups lists the app's beta groups.
func Groups(ctx context.Context, c *asc.Client, app string) ([]Group, error) {
	appID, err := resolveApp(ctx, c, app)
	if err != nil {
		return nil, err
	}
	return groups(ctx, c, appID)
}

func groups(ctx context.Context, c *asc.Client, appID string) ([]Group, error) {
	var out []Group
	for g, err := range c.Apps.ListBetaGroupsIter(ctx, appID, &asc.AppsListBetaGroupsOptions{FieldsBetaGroups: groupFields, Limit: 200}) {
		if err != nil {
			return nil, fmt.Errorf("list beta groups of app %s: %w", appID, err)
		}
		out = append(out, Group{g})
	}
	return out, nil
}

// findGroups maps group names to the app's groups; an unknown name is an error naming the
// groups there are.
func findGroups(all []Group, names []string) ([]Group, error) {
	var out []Group
	var missing []string
	for _, n := range names {
		i := slices.IndexFunc(all, func(g Group) bool { return strings.EqualFold(g.Name(), n) })
		if i < 0 {
			missing = append(missing, n)
			continue
		}
		out = append(out, all[i])
	}
	if len(missing) > 0 {
		var have []string
		for _, g := range all {
			have = append(have, g.Name())
		}
		return nil, fmt.Errorf("no beta group named %s; the app has: %s", strings.Join(missing, ", "), strings.Join(have, ", "))
	}
	return out, nil
}

// GroupSpec describes a group to create.
type GroupSpec struct {
	Name     string
	Internal bool
	// PublicLink turns on the public link; PublicLinkLimit caps the testers who can join
	// through it (0: no cap). External groups only.
	PublicLink      bool
	PublicLinkLimit int
	// Feedback turns tester feedback on or off (nil: App Store Connect's default, on).
	Feedback *bool
}

// GroupResult says what CreateGroup did.
type GroupResult struct {
	Group   Group    `json:"group"`
	Created bool     `json:"created"`
	Changed []string `json:"changed"`
}

// CreateGroup creates a beta group, or, when the app has one of that name, makes its public
// link settings match the spec (one PATCH, only when they differ). A group's kind cannot
// change: an internal group of the name asked as external is an error.
func CreateGroup(ctx context.Context, c *asc.Client, app string, spec GroupSpec) (*GroupResult, error) {
	if strings.TrimSpace(spec.Name) == "" {
		return nil, errors.New("a beta group needs a name")
	}
	if spec.Internal && (spec.PublicLink || spec.PublicLinkLimit > 0) {
		return nil, errors.New("an internal group has no public link; drop --public-link or make the group external")
	}
	if spec.PublicLinkLimit < 0 || (spec.PublicLinkLimit > 0 && !spec.PublicLink) {
		return nil, errors.New("a public link limit needs --public-link and must be positive")
	}
	if spec.PublicLinkLimit > apple.MaxPublicLinkLimit {
		return nil, fmt.Errorf("a public link limit of %d is over TestFlight's %d testers", spec.PublicLinkLimit, apple.MaxPublicLinkLimit)
	}
	appID, err := resolveApp(ctx, c, app)
	if err != nil {
		return nil, err
	}
	all, err := groups(ctx, c, appID)
	if err != nil {
		return nil, err
	}
	for _, g := range all {
		if g.Name() != spec.Name {
			continue
		}
		if g.Internal() != spec.Internal {
			kind := map[bool]string{true: "internal", false: "external"}
			return nil, fmt.Errorf("beta group %q exists as an %s group; a group's kind cannot change", spec.Name, kind[g.Internal()])
		}
		return updateGroup(ctx, c, g, spec)
	}
	attrs := asc.BetaGroupCreateRequestAttributes{Name: spec.Name, FeedbackEnabled: spec.Feedback}
	if spec.Internal {
		attrs.IsInternalGroup = asc.Ptr(true)
		attrs.HasAccessToAllBuilds = asc.Ptr(true)
	}
	if spec.PublicLink {
		attrs.PublicLinkEnabled = asc.Ptr(true)
		if spec.PublicLinkLimit > 0 {
			attrs.PublicLinkLimitEnabled, attrs.PublicLinkLimit = asc.Ptr(true), asc.Ptr(spec.PublicLinkLimit)
		}
	}
	body := &asc.BetaGroupCreateRequest{Data: asc.BetaGroupCreateRequestData{Type: "betaGroups", Attributes: attrs,
		Relationships: asc.BetaGroupCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", appID)}}}}
	doc, _, err := c.BetaGroups.Create(ctx, body)
	if err != nil {
		if mayHaveTakenEffect(err) {
			// Read back before anything else: the group may exist now.
			if again, gerr := groups(ctx, c, appID); gerr == nil {
				for _, g := range again {
					if g.Name() == spec.Name {
						return &GroupResult{Group: g, Created: true, Changed: []string{}}, nil
					}
				}
			}
		}
		return nil, fmt.Errorf("create beta group %q: %w", spec.Name, err)
	}
	return &GroupResult{Group: Group{doc.Data}, Created: true, Changed: []string{}}, nil
}

func updateGroup(ctx context.Context, c *asc.Client, g Group, spec GroupSpec) (*GroupResult, error) {
	res := &GroupResult{Group: g, Changed: []string{}}
	if spec.Internal {
		return res, nil
	}
	on, _, limit := g.PublicLink()
	attrs := &asc.BetaGroupUpdateRequestAttributes{}
	if on != spec.PublicLink {
		attrs.PublicLinkEnabled = asc.Ptr(spec.PublicLink)
		res.Changed = append(res.Changed, "publicLinkEnabled")
	}
	if spec.PublicLink && limit != spec.PublicLinkLimit {
		attrs.PublicLinkLimitEnabled = asc.Ptr(spec.PublicLinkLimit > 0)
		if spec.PublicLinkLimit > 0 {
			attrs.PublicLinkLimit = asc.Ptr(spec.PublicLinkLimit)
		}
		res.Changed = append(res.Changed, "publicLinkLimit")
	}
	if f := spec.Feedback; f != nil && (g.Attributes.FeedbackEnabled == nil || *g.Attributes.FeedbackEnabled != *f) {
		attrs.FeedbackEnabled = f
		res.Changed = append(res.Changed, "feedbackEnabled")
	}
	if len(res.Changed) == 0 {
		return res, nil
	}
	doc, _, err := c.BetaGroups.Update(ctx, g.ID, &asc.BetaGroupUpdateRequest{Data: asc.BetaGroupUpdateRequestData{Type: "betaGroups", ID: g.ID, Attributes: attrs}})
	if err != nil {
		return nil, fmt.Errorf("update beta group %q: %w", g.Name(), err)
	}
	res.Group = Group{doc.Data}
	return res, nil
}

// DeleteGroup deletes the app's group of that name; a group that is not there is not an
// error (deleted reports whether one was).
func DeleteGroup(ctx context.Context, c *asc.Client, app, name string) (deleted bool, err error) {
	appID, err := resolveApp(ctx, c, app)
	if err != nil {
		return false, err
	}
	all, err := groups(ctx, c, appID)
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(all, func(g Group) bool { return g.Name() == name })
	if i < 0 {
		return false, nil
	}
	if _, err := c.BetaGroups.Delete(ctx, all[i].ID); err != nil && !isNotFound(err) {
		return false, fmt.Errorf("delete beta group %q: %w", name, err)
	}
	return true, nil
}

func isNotFound(err error) bool {
	var er *asc.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}

// mayHaveTakenEffect reports whether a failed create may still have created the resource.
func mayHaveTakenEffect(err error) bool {
	var er *asc.ErrorResponse
	if errors.As(err, &er) {
		return er.StatusCode >= 500
	}
	var rl *asc.RateLimitError
	return !errors.As(err, &rl) && !errors.Is(err, context.Canceled)
}

func isConflict(err error) bool {
	var er *asc.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusConflict
}
