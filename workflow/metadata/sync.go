package metadata

import (
	"context"

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
