// Package problems is the error a workflow returns for every problem it found in its input
// before anything was sent: one line as an error, and the problems one by one through
// ProblemList for a front end that prints one a line (the CLI's cli.ProblemLister).
package problems

import (
	"fmt"
	"strings"
)

// Error lists the problems found in What ("testers.csv", "the app rating config").
type Error struct {
	What     string
	Problems []string
}

// New returns an *Error for the problems, nil when there are none.
func New(what string, list []string) error {
	if len(list) == 0 {
		return nil
	}
	return &Error{What: what, Problems: list}
}

func (e *Error) Error() string {
	summary, list := e.ProblemList()
	return summary + ": " + strings.Join(list, "; ")
}

// ProblemList is the summary ("testers.csv has 2 problems, nothing was sent") and the problems.
func (e *Error) ProblemList() (string, []string) {
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("%s has %d %s, nothing was sent", e.What, len(e.Problems), noun), e.Problems
}
