package metadata

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/apple"
)

// applyInline merges the values a Deliverfile gives itself (o.Inline) into m, as deliver's
// loader does: a value given for a field and language wins over the folder's file for them,
// and the folder fills what the Deliverfile does not give. A localized option's "default" key
// is default/'s value, so it applies to every locale as default/ does. Each option applied
// gets one note; a language Apple does not know or a key app_review_information does not
// have is a problem, located at the Deliverfile's line like every check of the values.
func (m *Metadata) applyInline(o FolderOptions) []Problem {
	if len(o.Inline) == 0 {
		return nil
	}
	if m.inline == nil {
		m.inline = map[string]string{}
	}
	type applied struct {
		where, option string
		what, over    []string // the languages or keys given; the folder's files they win over
		n             int      // values applied
	}
	var order []*applied
	var problems []Problem
	for _, v := range o.Inline {
		var a *applied
		if n := len(order); n > 0 && order[n-1].where == v.Where && order[n-1].option == v.Option {
			a = order[n-1]
		} else {
			a = &applied{where: v.Where, option: v.Option}
			order = append(order, a)
		}
		var into Values
		var rel, field, what string
		switch {
		case v.Language != "" || isLocaleField(v.Option):
			field, what = v.Option, v.Language
			if strings.EqualFold(v.Language, DefaultLocale) {
				into, rel = m.Default, DefaultLocale+"/"
				break
			}
			locale, ok := apple.LookupLocale(v.Language)
			if !ok {
				msg := fmt.Sprintf("%s: %q is not a locale Apple knows; use one of Apple's locale codes (%s) or default", v.Option, v.Language, nearLocale(v.Language))
				if o.SkipUnknownLocales {
					m.notef(v.Where, "%s: %q is not a locale Apple knows; skipped (ignore_language_directory_validation)", v.Option, v.Language)
				} else {
					problems = append(problems, Problem{v.Where, msg})
				}
				continue
			}
			if m.Locales[locale] == nil {
				m.Locales[locale] = Values{} // deliver's languages include the hash's keys
			}
			into, rel, what = m.Locales[locale], locale+"/", locale
		case v.Option == "app_review_information":
			field, what = v.Key, v.Key
			if current, legacy := legacyReviewName[field]; legacy {
				m.notef(v.Where, "app_review_information's %s is deliver's legacy name; read as %s", field, current)
				field, what = current, current
			}
			if field == "demo_required" {
				m.notef(v.Where, "app_review_information's demo_required is not sent as given: ascend sets App Store Connect's demoAccountRequired when demo_user is given, as for review_information/")
				continue
			}
			if _, ok := specFor(ReviewFields, field); !ok {
				problems = append(problems, Problem{v.Where, fmt.Sprintf("app_review_information's %s is not one of its keys: %s", v.Key, fieldList(ReviewFields))})
				continue
			}
			into, rel = m.Review, "review_information/"
		default:
			if _, ok := specFor(AppFields, v.Option); !ok {
				problems = append(problems, Problem{v.Where, v.Option + " is not a metadata option ascend knows"})
				continue
			}
			field, into = v.Option, m.App
		}
		path := rel + field + ".txt"
		if _, had := into[field]; had && m.inline[path] == "" {
			a.over = append(a.over, path)
		}
		into[field] = normalize(v.Text)
		label := v.Option
		if what != "" {
			label += " for " + what
		}
		m.inline[path] = v.Where + " (" + label + ")"
		a.n++
		if what != "" && !slices.Contains(a.what, what) {
			a.what = append(a.what, what)
		}
	}
	for _, a := range order {
		if a.n == 0 {
			continue // nothing of it applied: each value is a problem or a note above
		}
		msg := a.option + " applied from the Deliverfile"
		if strings.HasPrefix(a.where, "$") {
			msg = a.option + " applied from the environment"
		}
		if len(a.what) > 0 {
			msg += " (" + strings.Join(a.what, ", ") + ")"
		}
		if len(a.over) > 0 {
			msg += "; it wins over the metadata folder's " + strings.Join(a.over, ", ")
		}
		m.notef(a.where, "%s", msg)
	}
	return problems
}

// isLocaleField reports whether option is a per-locale file of the layout.
func isLocaleField(option string) bool {
	_, ok := specFor(LocaleFields, option)
	return ok
}

func fieldList(specs []FieldSpec) string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.File
	}
	return strings.Join(names, ", ")
}
