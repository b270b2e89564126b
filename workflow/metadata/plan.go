package metadata

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/asc"
)

// Change is one field whose value in the folder differs from App Store Connect's.
type Change struct {
	Locale string // "" for app-level and review fields
	Field  string // layout file name without .txt
	Scope  Scope
	Old    string
	New    string
	// Skipped, when set, says why the change will not be pushed.
	Skipped string
}

// Path is the change's file, relative to the metadata folder.
func (c Change) Path() string {
	switch {
	case c.Scope == ReviewDetail:
		return "review_information/" + c.Field + ".txt"
	case c.Locale == "":
		return c.Field + ".txt"
	}
	return c.Locale + "/" + c.Field + ".txt"
}

// Op is one request of a push: a PATCH of an existing resource or the POST of a missing
// one, carrying every changed field of that resource.
type Op struct {
	Method        string // PATCH or POST
	Path          string
	Type          string
	ID            string // "" for a POST
	Locale        string
	Attributes    map[string]any
	Relationships map[string]asc.Relationship
	Changes       []Change
	// find reads back the resource a failed POST may have created, for reconciliation.
	find func() (path string, query url.Values)
}

// Describe says what the write does, for plans and errors: "create appStoreVersionLocalizations fr-FR".
func (w Op) Describe() string {
	verb := "update"
	if w.Method == "POST" {
		verb = "create"
	}
	s := verb + " " + w.Type
	if w.Locale != "" {
		s += " " + w.Locale
	}
	return s
}

// Files lists the files whose changes the write carries, for messages.
func (w Op) Files() string {
	paths := make([]string, len(w.Changes))
	for i, c := range w.Changes {
		paths[i] = c.Path()
	}
	if len(paths) == 0 {
		return w.Describe()
	}
	return strings.Join(paths, ", ")
}

// Plan is the outcome of comparing a folder with App Store Connect.
type Plan struct {
	Changes  []Change
	Writes   []*Op
	Problems []Problem // reasons the plan cannot be pushed; nothing is written when set
}

// Pending returns the changes that will be pushed.
func (p *Plan) Pending() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Skipped == "" {
			out = append(out, c)
		}
	}
	return out
}

// NewPlan compares local with remote and lists the writes that make App Store Connect match
// the folder. Absent files are left alone. default/ applies to every locale of the folder and
// of App Store Connect. Locales missing on App Store Connect are created; none are deleted.
func NewPlan(local *Metadata, remote *State, live bool) *Plan {
	p := &Plan{}
	locales := map[string]bool{}
	for l := range local.Locales {
		locales[l] = true
	}
	if len(local.Default) > 0 {
		for l := range remote.VersionLocalizations {
			locales[l] = true
		}
		for l := range remote.InfoLocalizations {
			locales[l] = true
		}
	}
	names := make([]string, 0, len(locales))
	for l := range locales {
		names = append(names, l)
	}
	slices.Sort(names)

	for _, locale := range names {
		want := local.Effective(locale)
		have := remote.Metadata.Locales[locale]
		_, ownFolder := local.Locales[locale]
		for _, scope := range []Scope{AppInfoLocalization, VersionLocalization} {
			var changes []Change
			attrs := map[string]any{}
			for _, spec := range LocaleFields {
				if spec.Scope != scope {
					continue
				}
				value, ok := want[spec.File]
				if !ok || value == have[spec.File] {
					continue
				}
				ch := Change{Locale: locale, Field: spec.File, Scope: scope, Old: have[spec.File], New: value}
				if live && !spec.Live {
					ch.Skipped = "Apple does not allow changing it on a live version"
				}
				p.Changes = append(p.Changes, ch)
				if ch.Skipped == "" {
					changes = append(changes, ch)
					attrs[spec.Attribute] = nullable(value)
				}
			}
			ids, parentType, parentID, typ := remote.InfoLocalizations, "appInfos", remote.AppInfoID, "appInfoLocalizations"
			parentRel, listPath := "appInfo", "/v1/appInfos/"+url.PathEscape(remote.AppInfoID)+"/appInfoLocalizations"
			if scope == VersionLocalization {
				ids, parentType, parentID, typ = remote.VersionLocalizations, "appStoreVersions", remote.VersionID, "appStoreVersionLocalizations"
				parentRel, listPath = "appStoreVersion", "/v1/appStoreVersions/"+url.PathEscape(remote.VersionID)+"/appStoreVersionLocalizations"
			}
			if id, exists := ids[locale]; exists {
				if len(changes) > 0 {
					p.Writes = append(p.Writes, &Op{Method: "PATCH", Path: "/v1/" + typ + "/" + url.PathEscape(id),
						Type: typ, ID: id, Locale: locale, Attributes: attrs, Changes: changes})
				}
				continue
			}
			if !ownFolder {
				continue // default/ does not create locales by itself
			}
			// A missing localization is created with every value the folder has for it.
			if live {
				if len(changes) == 0 {
					continue // only fields Apple keeps locked on a live version
				}
				p.Problems = append(p.Problems, Problem{locale, "the live version has no " + locale + " localization and Apple does not allow adding one to a live version; drop --edit-live or remove the folder"})
				continue
			}
			for _, spec := range LocaleFields {
				if v, ok := want[spec.File]; ok && spec.Scope == scope {
					attrs[spec.Attribute] = nullable(v)
				}
			}
			if scope == AppInfoLocalization && want["name"] == "" {
				if len(attrs) == 0 {
					continue // nothing for the app info in this locale
				}
				p.Problems = append(p.Problems, Problem{locale + "/name.txt", "the app has no " + locale + " app info localization yet and Apple needs a name to create it; add name.txt"})
				continue
			}
			attrs["locale"] = locale
			loc := locale
			p.Writes = append(p.Writes, &Op{Method: "POST", Path: "/v1/" + typ, Type: typ, Locale: locale, Attributes: attrs,
				Relationships: map[string]asc.Relationship{parentRel: {Data: asc.ToOne(parentType, parentID)}},
				Changes:       changes,
				find: func() (string, url.Values) {
					return listPath, url.Values{"filter[locale]": {loc}}
				}})
		}
	}

	// App-level fields: copyright on the version, categories on the app info.
	versionAttrs := map[string]any{}
	infoRels := map[string]asc.Relationship{}
	var versionChanges, infoChanges []Change
	for _, spec := range AppFields {
		value, ok := local.App[spec.File]
		if !ok || value == remote.Metadata.App[spec.File] {
			continue
		}
		ch := Change{Field: spec.File, Scope: spec.Scope, Old: remote.Metadata.App[spec.File], New: value}
		if live {
			ch.Skipped = "Apple does not allow changing it on a live version"
		}
		p.Changes = append(p.Changes, ch)
		if ch.Skipped != "" {
			continue
		}
		if spec.Scope == Version {
			versionAttrs[spec.Attribute] = nullable(value)
			versionChanges = append(versionChanges, ch)
			continue
		}
		rel := asc.Relationship{Data: asc.RelationshipData{Present: true}}
		if value != "" {
			rel.Data = asc.ToOne("appCategories", value)
		}
		infoRels[spec.Attribute] = rel
		infoChanges = append(infoChanges, ch)
	}
	if len(versionChanges) > 0 {
		p.Writes = append(p.Writes, &Op{Method: "PATCH", Path: "/v1/appStoreVersions/" + url.PathEscape(remote.VersionID),
			Type: "appStoreVersions", ID: remote.VersionID, Attributes: versionAttrs, Changes: versionChanges})
	}
	if len(infoChanges) > 0 {
		p.Writes = append(p.Writes, &Op{Method: "PATCH", Path: "/v1/appInfos/" + url.PathEscape(remote.AppInfoID),
			Type: "appInfos", ID: remote.AppInfoID, Relationships: infoRels, Changes: infoChanges})
	}

	// Review information.
	reviewAttrs := map[string]any{}
	var reviewChanges []Change
	for _, spec := range ReviewFields {
		value, ok := local.Review[spec.File]
		if !ok || value == remote.Metadata.Review[spec.File] {
			continue
		}
		ch := Change{Field: spec.File, Scope: ReviewDetail, Old: remote.Metadata.Review[spec.File], New: value}
		if live {
			ch.Skipped = "Apple does not allow changing it on a live version"
		}
		p.Changes = append(p.Changes, ch)
		if ch.Skipped != "" {
			continue
		}
		reviewAttrs[spec.Attribute] = nullable(value)
		if spec.File == "demo_user" {
			reviewAttrs["demoAccountRequired"] = value != ""
		}
		reviewChanges = append(reviewChanges, ch)
	}
	if len(reviewChanges) > 0 {
		if remote.ReviewDetailID != "" {
			p.Writes = append(p.Writes, &Op{Method: "PATCH", Path: "/v1/appStoreReviewDetails/" + url.PathEscape(remote.ReviewDetailID),
				Type: "appStoreReviewDetails", ID: remote.ReviewDetailID, Attributes: reviewAttrs, Changes: reviewChanges})
		} else {
			versionID := remote.VersionID
			p.Writes = append(p.Writes, &Op{Method: "POST", Path: "/v1/appStoreReviewDetails", Type: "appStoreReviewDetails",
				Attributes:    reviewAttrs,
				Relationships: map[string]asc.Relationship{"appStoreVersion": {Data: asc.ToOne("appStoreVersions", versionID)}},
				Changes:       reviewChanges,
				find: func() (string, url.Values) {
					return "/v1/appStoreVersions/" + url.PathEscape(versionID) + "/appStoreReviewDetail", nil
				}})
		}
	}
	return p
}

// nullable sends an emptied field as null, which is how Apple clears an attribute.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Secret reports a change whose values are a credential (the demo account's password):
// plans, diffs and errors say that it changes, never what to.
func (c Change) Secret() bool { return c.Scope == ReviewDetail && c.Field == "demo_password" }

// Shown returns the old and new values as they may be displayed: a secret's as "(hidden)"
// ("" stays "", so clearing it still shows).
func (c Change) Shown() (was, now string) {
	if !c.Secret() {
		return c.Old, c.New
	}
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return "(hidden)"
	}
	return hide(c.Old), hide(c.New)
}

// String renders a change for a terminal: "de-DE/name.txt: "Old" -> "New"".
func (c Change) String() string {
	was, now := c.Shown()
	s := fmt.Sprintf("%s: %s -> %s", c.Path(), quoteShort(was), quoteShort(now))
	if c.Skipped != "" {
		s += " (skipped: " + c.Skipped + ")"
	}
	return s
}

func quoteShort(s string) string {
	const max = 60
	r := []rune(s)
	if len(r) > max {
		return fmt.Sprintf("%q…(%d characters)", string(r[:max]), len(r))
	}
	return fmt.Sprintf("%q", s)
}
