// Package agerating reads and writes an app's age rating declaration as fastlane deliver
// keeps it, in app_rating_config.json: one key a question (the API's attribute names, or the
// upper-case iTunes Connect keys of older files with numbers for answers), checked against
// apple's questionnaire. Push writes only the answers that differ, in one request, and only
// to the app info being prepared; running it again changes nothing.
package agerating

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
	problemlist "github.com/ascend-tools/ascend/workflow/internal/problems"
	"github.com/ascend-tools/ascend/workflow/lookup"
)

// Config is a questionnaire's answers by the API's keys.
type Config struct {
	Answers map[string]Answer
	// Notes name what the file held that is not applied (keys Apple retired).
	Notes []string
}

// Answer is one question's answer as deliver's file and the API hold it: a level, a choice or
// a web address (Text), yes or no (YesNo), or none, the zero Answer (null in the file: it
// clears a choice or an address).
type Answer struct {
	kind answerKind
	text string
	yes  bool
}

type answerKind uint8

const (
	noAnswer answerKind = iota
	textAnswer
	yesNoAnswer
)

// Text is the answer of a level, a choice or a web address ("NONE", "SIX_TO_EIGHT").
func Text(s string) Answer { return Answer{kind: textAnswer, text: s} }

// YesNo is the answer of a yes or no question.
func YesNo(yes bool) Answer { return Answer{kind: yesNoAnswer, yes: yes} }

// answerOf is the Answer of a value apple's questionnaire checked: a string, a bool or nil.
func answerOf(v any) (Answer, error) {
	switch v := v.(type) {
	case string:
		return Text(v), nil
	case bool:
		return YesNo(v), nil
	case nil:
		return Answer{}, nil
	}
	return Answer{}, fmt.Errorf("age rating: unexpected answer %v", v)
}

// IsNone reports whether a is no answer (null).
func (a Answer) IsNone() bool { return a.kind == noAnswer }

// Value is the answer as JSON holds it: a string, a bool or nil.
func (a Answer) Value() any {
	switch a.kind {
	case textAnswer:
		return a.text
	case yesNoAnswer:
		return a.yes
	}
	return nil
}

// MarshalJSON writes the answer as deliver's file does: a string, true or false, or null.
func (a Answer) MarshalJSON() ([]byte, error) { return json.Marshal(a.Value()) }

func (a Answer) String() string { return fmt.Sprint(a.Value()) }

// Parse reads an app_rating_config.json. Every problem is reported at once (a
// *problems.Error: one line, or one a line through its ProblemList).
func Parse(data []byte) (*Config, error) {
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("app rating config: not a JSON object: %v", err)
	}
	if raw == nil {
		return nil, errors.New("app rating config: not a JSON object")
	}
	cfg := &Config{Answers: make(map[string]Answer, len(raw))}
	var problems []string
	from := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		if apple.IsRetiredAgeRatingKey(key) {
			cfg.Notes = append(cfg.Notes, fmt.Sprintf("%s is not applied: Apple no longer asks it", key))
			continue
		}
		q, legacy, ok := apple.AgeRatingQuestionFor(key)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is not an age rating question", key))
			continue
		}
		if other, dup := from[q.Key]; dup {
			problems = append(problems, fmt.Sprintf("%s and %s answer the same question", other, key))
			continue
		}
		from[q.Key] = key
		v, err := q.Answer(raw[key], legacy)
		if err == nil {
			cfg.Answers[q.Key], err = answerOf(v)
		}
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, problemlist.New("the app rating config", problems)
	}
	return cfg, nil
}

// ReadFile parses the file at path.
func ReadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the app rating config: %w", err)
	}
	cfg, err := Parse(data)
	var list *problemlist.Error
	switch {
	case errors.As(err, &list):
		list.What = path // the file has the problems
		return nil, list
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Marshal writes answers as deliver's file: the questionnaire's order, two-space indents.
func (cfg *Config) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	first := true
	for _, q := range apple.AgeRatingQuestions() {
		v, ok := cfg.Answers[q.Key]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		k, _ := json.Marshal(q.Key)
		val, _ := json.Marshal(v)
		fmt.Fprintf(&b, "  %s: %s", k, val)
	}
	b.WriteString("\n}\n")
	return b.Bytes()
}

// Declaration is an app's age rating declaration with the app info it belongs to.
type Declaration struct {
	ID        string  `json:"id"`
	AppInfoID string  `json:"appInfoId"`
	InfoState string  `json:"appInfoState"`
	Config    *Config `json:"-"`
	Requests  int     `json:"requests"`
}

// Pull reads the declaration of the app info being prepared (the live one when none is).
func Pull(ctx context.Context, c *asc.Client, app string) (*Declaration, error) {
	found, n, err := apps.Resolve(ctx, c, app)
	if err != nil {
		return nil, err
	}
	d, attrs, err := read(ctx, c, found.ID)
	if d != nil {
		d.Requests += n
	}
	if err != nil {
		return nil, err
	}
	d.Config, err = configOf(attrs)
	return d, err
}

func read(ctx context.Context, c *asc.Client, appID string) (*Declaration, *asc.AgeRatingDeclarationAttributes, error) {
	infos, err := lookup.AppInfos(ctx, c, appID, 10)
	d := &Declaration{Requests: 1}
	if err != nil {
		return d, nil, fmt.Errorf("read the app infos of app %s: %w", appID, err)
	}
	info := lookup.PreparedAppInfo(infos.Items)
	if info == nil {
		return d, nil, fmt.Errorf("app %s has no app info", appID)
	}
	d.AppInfoID = info.ID
	if info.Attributes != nil {
		d.InfoState = string(info.Attributes.State)
	}
	doc, _, err := c.AppInfos.GetAgeRatingDeclaration(ctx, info.ID, nil)
	d.Requests++
	if err != nil {
		return d, nil, fmt.Errorf("read the age rating of app %s: %w", appID, err)
	}
	if doc.Data.ID == "" {
		return d, nil, fmt.Errorf("app %s has no age rating declaration", appID)
	}
	d.ID = doc.Data.ID
	if doc.Data.Attributes == nil {
		return d, &asc.AgeRatingDeclarationAttributes{}, nil
	}
	return d, doc.Data.Attributes, nil
}

// configOf turns the typed attributes into answers by key (the questionnaire's keys are the
// attributes' JSON names); a question Apple did not answer is left out.
func configOf(a *asc.AgeRatingDeclarationAttributes) (*Config, error) {
	fields := fieldsByJSONName(reflect.ValueOf(a).Elem())
	cfg := &Config{Answers: map[string]Answer{}}
	for _, q := range apple.AgeRatingQuestions() {
		f, ok := fields[q.Key]
		if !ok {
			return nil, fmt.Errorf("age rating: the API has no attribute %s", q.Key)
		}
		e := f
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			e = f.Elem()
		}
		switch e.Kind() {
		case reflect.Bool:
			cfg.Answers[q.Key] = YesNo(e.Bool())
		case reflect.String:
			if e.String() != "" {
				cfg.Answers[q.Key] = Text(e.String())
			}
		default:
			return nil, fmt.Errorf("age rating: attribute %s is a %s", q.Key, e.Type())
		}
	}
	return cfg, nil
}

// fieldsByJSONName maps a struct's fields by their JSON names.
func fieldsByJSONName(v reflect.Value) map[string]reflect.Value {
	out := make(map[string]reflect.Value, v.NumField())
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = v.Field(i)
		}
	}
	return out
}

// setAnswer sets the attribute named key to v (a bool or a string, as Parse checked it).
func setAnswer(fields map[string]reflect.Value, key string, v any) error {
	f, ok := fields[key]
	if !ok || f.Kind() != reflect.Pointer {
		return fmt.Errorf("age rating: the API takes no attribute %s", key)
	}
	p := reflect.New(f.Type().Elem())
	switch val := v.(type) {
	case bool:
		if p.Elem().Kind() != reflect.Bool {
			return fmt.Errorf("age rating: %s takes a %s, not true or false", key, f.Type().Elem())
		}
		p.Elem().SetBool(val)
	case string:
		if p.Elem().Kind() != reflect.String {
			return fmt.Errorf("age rating: %s takes a %s, not a string", key, f.Type().Elem())
		}
		p.Elem().SetString(val)
	default:
		return fmt.Errorf("age rating: %s: unexpected answer %v", key, v)
	}
	f.Set(p)
	return nil
}

// PushResult is what Push changed.
type PushResult struct {
	Declaration
	Changed []string `json:"changed"` // the questions written (or, for a dry run, to write)
	DryRun  bool     `json:"dryRun,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

// Push brings the declaration of the app info being prepared to cfg: only the answers that
// differ, in one request; nothing differing, nothing is sent. The live app info is refused:
// Apple takes a new age rating with a new version.
func Push(ctx context.Context, c *asc.Client, app string, cfg *Config, dryRun bool) (*PushResult, error) {
	found, n, err := apps.Resolve(ctx, c, app)
	if err != nil {
		return nil, err
	}
	d, attrs, err := read(ctx, c, found.ID)
	if err != nil {
		return nil, err
	}
	d.Requests += n
	cur, err := configOf(attrs)
	if err != nil {
		return nil, err
	}
	res := &PushResult{Declaration: *d, DryRun: dryRun, Changed: []string{}, Notes: cfg.Notes}
	var attrsIn asc.AgeRatingDeclarationUpdateRequestAttributes
	fields := fieldsByJSONName(reflect.ValueOf(&attrsIn).Elem())
	for _, q := range apple.AgeRatingQuestions() {
		v, ok := cfg.Answers[q.Key]
		if !ok {
			continue
		}
		old, had := cur.Answers[q.Key]
		if had && old == v || !had && v.IsNone() {
			continue
		}
		res.Changed = append(res.Changed, q.Key)
		if v.IsNone() {
			attrsIn.Clear = append(attrsIn.Clear, q.Key)
		} else if err := setAnswer(fields, q.Key, v.Value()); err != nil {
			return nil, err
		}
	}
	if len(res.Changed) == 0 {
		return res, nil
	}
	if !apple.IsEditable(d.InfoState) {
		return nil, fmt.Errorf("the app info of app %s is %s: Apple takes age rating changes with a version being prepared (ascend versions create)", app, d.InfoState)
	}
	if dryRun {
		return res, nil
	}
	// A PATCH sets values: sending it again after a lost answer is safe (asc replays it).
	body := &asc.AgeRatingDeclarationUpdateRequest{Data: asc.AgeRatingDeclarationUpdateRequestData{ID: d.ID, Attributes: &attrsIn}}
	if _, _, err := c.AgeRatingDeclarations.Update(ctx, d.ID, body); err != nil {
		return nil, fmt.Errorf("update the age rating of app %s: %w", app, err)
	}
	res.Requests++
	return res, nil
}
