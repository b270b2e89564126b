package metadata

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
)

// Pull reads the target's metadata (with the App Clip card's subtitles and invocation URLs
// when the version has an App Clip) and writes it into dir in deliver's layout, leaving files that already hold the
// same value untouched. It returns the paths written. An app with no version in preparation
// gives its live version's metadata, as deliver's download_metadata does (State.LiveFallback
// says so), in the same one read of the versions.
func Pull(ctx context.Context, c *asc.Client, t Target, dir string) (*State, []string, error) {
	st, err := Fetch(ctx, c, t.ForPull())
	if err != nil {
		return nil, nil, err
	}
	// The App Clip card's subtitles and its review information, one request more for a
	// version with an App Clip.
	if err := fetchAppClip(ctx, c, st, appClipReads{review: true, subtitles: true}); err != nil {
		return nil, nil, err
	}
	written, err := Write(dir, st.Metadata)
	return st, written, err
}

// ForPull is t as a pull reads it: an app with no version in preparation gives its live
// version, as deliver's downloads do (for the pulls of other packages: App Clip header images).
func (t Target) ForPull() Target {
	t.orLive = true
	return t
}

// Diff loads and validates dir, reads the target and compares them; it writes nothing. Unlike
// Prepare it makes no request to check categories, and it reports what would stop a push in
// Plan.Problems instead of failing.
func Diff(ctx context.Context, c *asc.Client, t Target, dir string) (*Plan, *State, error) {
	local, err := LoadWith(dir, t.Folders)
	if err != nil {
		return nil, nil, err
	}
	if err := local.activate(dir, t.Languages); err != nil {
		return nil, nil, err
	}
	st, err := FetchFor(ctx, c, t, local)
	if err != nil {
		return nil, nil, err
	}
	return NewPlan(local, st, t.Live), st, nil
}

// Prepare loads and validates dir, reads the target and plans the push. Nothing is written.
// A folder with problems returns a *ValidationError before any request is made.
func Prepare(ctx context.Context, c *asc.Client, t Target, dir string) (*Plan, *State, error) {
	p, st, err := Diff(ctx, c, t, dir)
	if err != nil {
		return nil, nil, err
	}
	problems, n, err := checkCategories(ctx, c, p)
	st.Requests += n
	if err != nil {
		return nil, nil, err
	}
	p.Problems = append(p.Problems, problems...)
	if msg := EditableProblem(st.VersionString, st.VersionState, t.Live); msg != "" && len(p.Writes) > 0 {
		p.Problems = append(p.Problems, Problem{Message: msg})
	}
	if len(p.Problems) > 0 {
		return p, st, &ValidationError{Dir: dir, Problems: p.Problems}
	}
	return p, st, nil
}

// Push makes App Store Connect match dir: validate, read, plan, then write only what changed.
// Running it again after a success sends no writes.
func Push(ctx context.Context, c *asc.Client, t Target, dir string, opts ApplyOptions) (*Plan, Result, error) {
	p, st, err := Prepare(ctx, c, t, dir)
	if err != nil {
		return p, Result{}, err
	}
	res, err := Apply(ctx, c, p, opts)
	res.Requests += st.Requests
	return p, res, err
}

// EditableProblem explains why a version in state cannot take changes, or returns "". A live
// version takes only the promotional text, which NewPlan already limits itself to.
func EditableProblem(version, state string, live bool) string {
	if live || state == "" || apple.IsEditable(state) {
		return ""
	}
	return fmt.Sprintf("version %s is %s and Apple accepts changes only while it is %s; pick another --version, or --edit-live for the promotional text",
		version, state, strings.Join(apple.StatesIn(apple.Editable), ", "))
}

// checkCategories checks the category ids the plan would set against App Store Connect's list
// (one read, made only when a category changes): a mistyped id would otherwise fail its PATCH
// after the other writes of the push had gone through.
func checkCategories(ctx context.Context, c *asc.Client, p *Plan) ([]Problem, int, error) {
	var changed []Change
	for _, ch := range p.Changes {
		if ch.Scope == AppInfoCategory && ch.Skipped == "" && ch.New != "" {
			changed = append(changed, ch)
		}
	}
	if len(changed) == 0 {
		return nil, 0, nil
	}
	known := map[string]bool{}
	for r, err := range c.AppCategories.ListIter(ctx, &asc.AppCategoriesListOptions{Limit: 200, FieldsAppCategories: []string{"platforms"}}) {
		if err != nil {
			return nil, 1, fmt.Errorf("read App Store Connect's categories to check the category files: %w", err)
		}
		known[r.ID] = true
	}
	reqs := 1 + len(known)/200
	var problems []Problem
	for _, ch := range changed {
		if !known[ch.New] {
			problems = append(problems, Problem{p.local.pathOf(ch.Path()), fmt.Sprintf("%q is not an App Store category id; use one such as %s", ch.New, nearCategory(ch.New, known))})
		}
	}
	return problems, reqs, nil
}

// nearCategory suggests known ids that share the value's first word ("GAMEZ" -> GAMES...).
func nearCategory(value string, known map[string]bool) string {
	first, _, _ := strings.Cut(value, "_")
	var ids, near []string
	for id := range known {
		ids = append(ids, id)
		if len(first) >= 3 && strings.HasPrefix(id, first[:3]) {
			near = append(near, id)
		}
	}
	slices.Sort(ids)
	slices.Sort(near)
	if len(near) == 0 {
		near = ids
	}
	if len(near) == 0 {
		return "those App Store Connect lists (it listed none)"
	}
	if len(near) > 4 {
		near = near[:4]
	}
	return strings.Join(near, ", ")
}

// activate gives each of languages a locale of its own, empty when the folder has none, so
// that default/ fills it as deliver's languages option does. An unknown code is a problem.
func (m *Metadata) activate(dir string, languages []string) error {
	var problems []Problem
	for _, l := range languages {
		locale, ok := apple.LookupLocale(l)
		if !ok {
			problems = append(problems, Problem{Message: fmt.Sprintf("languages lists %q, which is not one of Apple's locales (%s)", l, nearLocale(l))})
			continue
		}
		if m.Locales[locale] == nil {
			m.Locales[locale] = Values{}
		}
	}
	if len(problems) > 0 {
		return &ValidationError{Dir: dir, Problems: problems}
	}
	return nil
}
