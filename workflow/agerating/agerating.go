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
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/lookup"
)

// Config is a questionnaire's answers by the API's keys: string, bool or nil values.
type Config struct {
	Answers map[string]any
	// Notes name what the file held that is not applied (keys Apple retired).
	Notes []string
}

// Parse reads an app_rating_config.json. Every problem is reported at once, in one line.
func Parse(data []byte) (*Config, error) {
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("app rating config: not a JSON object: %v", err)
	}
	if raw == nil {
		return nil, errors.New("app rating config: not a JSON object")
	}
	cfg := &Config{Answers: map[string]any{}}
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
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		cfg.Answers[q.Key] = v
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("app rating config: %s", strings.Join(problems, "; "))
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
	if err != nil {
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

// configOf turns the typed attributes into answers by key (through their JSON form, whose
// names are the questionnaire's keys); a question Apple did not answer is left out.
func configOf(a *asc.AgeRatingDeclarationAttributes) (*Config, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	cfg := &Config{Answers: map[string]any{}}
	for _, q := range apple.AgeRatingQuestions() {
		if v, ok := m[q.Key]; ok && !(q.Deprecated && v == nil) {
			cfg.Answers[q.Key] = v
		}
	}
	return cfg, nil
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
	want := map[string]any{}
	var clear []string
	for _, q := range apple.AgeRatingQuestions() {
		v, ok := cfg.Answers[q.Key]
		if !ok {
			continue
		}
		old, had := cur.Answers[q.Key]
		if had && old == v || !had && v == nil {
			continue
		}
		res.Changed = append(res.Changed, q.Key)
		if v == nil {
			clear = append(clear, q.Key)
		} else {
			want[q.Key] = v
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
	var attrsIn asc.AgeRatingDeclarationUpdateRequestAttributes
	data, _ := json.Marshal(want)
	if err := json.Unmarshal(data, &attrsIn); err != nil {
		return nil, fmt.Errorf("age rating answers: %w", err)
	}
	attrsIn.Clear = clear
	// A PATCH sets values: sending it again after a lost answer is safe (asc replays it).
	body := &asc.AgeRatingDeclarationUpdateRequest{Data: asc.AgeRatingDeclarationUpdateRequestData{ID: d.ID, Attributes: &attrsIn}}
	if _, _, err := c.AgeRatingDeclarations.Update(ctx, d.ID, body); err != nil {
		return nil, fmt.Errorf("update the age rating of app %s: %w", app, err)
	}
	res.Requests++
	return res, nil
}
