package testflight

import (
	"fmt"
	"strings"
)

// ProblemsError lists every problem found in an input (a testers CSV, a What to Test folder)
// before anything was sent. Error is one line; ProblemList gives a front end the problems one
// by one (the CLI prints one a line).
type ProblemsError struct {
	What     string // "testers.csv", "the testers"
	Problems []string
}

func (e *ProblemsError) Error() string {
	summary, problems := e.ProblemList()
	return summary + ": " + strings.Join(problems, "; ")
}

// ProblemList is the summary ("testers.csv has 2 problems, nothing was sent") and the problems.
func (e *ProblemsError) ProblemList() (string, []string) {
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("%s has %d %s, nothing was sent", e.What, len(e.Problems), noun), e.Problems
}
