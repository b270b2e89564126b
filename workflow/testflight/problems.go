package testflight

import "github.com/ascend-tools/ascend/workflow/internal/problems"

// ProblemsError lists every problem found in an input (a testers CSV, a What to Test folder)
// before anything was sent. Error is one line; ProblemList gives a front end the problems one
// by one (the CLI prints one a line).
type ProblemsError = problems.Error
