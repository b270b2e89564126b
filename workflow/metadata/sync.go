package metadata

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/asc"
)

// Pull reads the target's metadata and writes it into dir in deliver's layout, leaving files
// that already hold the same value untouched. It returns the paths written.
func Pull(ctx context.Context, c *asc.Client, t Target, dir string) (*State, []string, error) {
	st, err := Fetch(ctx, c, t)
	if err != nil {
		return nil, nil, err
	}
	written, err := Write(dir, st.Metadata)
	return st, written, err
}

// Prepare loads and validates dir, reads the target and plans the push. Nothing is written.
// A folder with problems returns a *ValidationError before any request is made.
func Prepare(ctx context.Context, c *asc.Client, t Target, dir string) (*Plan, *State, error) {
	local, err := Load(dir)
	if err != nil {
		return nil, nil, err
	}
	st, err := Fetch(ctx, c, t)
	if err != nil {
		return nil, nil, err
	}
	p := NewPlan(local, st, t.Live)
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
	if live || state == "" || slices.Contains(editableStates, state) {
		return ""
	}
	return fmt.Sprintf("version %s is %s and Apple accepts changes only while it is %s; pick another --version, or --edit-live for the promotional text",
		version, state, strings.Join(editableStates, ", "))
}
