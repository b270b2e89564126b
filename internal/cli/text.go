package cli

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// CleanCell makes a value safe to print in a table or TSV cell, or in an error line: tabs and
// line breaks become spaces (so columns and rows hold), and every other control character
// (C0, DEL, C1), the Unicode line and paragraph separators U+2028 and U+2029, and bytes that
// are not UTF-8 are printed escaped (\x1b, \u2028), so that a value cannot move the cursor,
// clear a line or recolour the terminal. Values are stored as received; only printing
// escapes them.
func CleanCell(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Plural renders a count with its noun: "1 problem", "2 problems", "0 changes". An irregular
// plural is given as the third argument: Plural(n, "entry", "entries").
func Plural(n int, singular string, plural ...string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, singular)
	}
	if len(plural) > 0 {
		return fmt.Sprintf("%d %s", n, plural[0])
	}
	switch {
	case strings.HasSuffix(singular, "s"), strings.HasSuffix(singular, "x"), strings.HasSuffix(singular, "sh"), strings.HasSuffix(singular, "ch"):
		return fmt.Sprintf("%d %ses", n, singular)
	case strings.HasSuffix(singular, "y") && len(singular) > 1 && !strings.ContainsRune("aeiou", rune(singular[len(singular)-2])):
		return fmt.Sprintf("%d %sies", n, singular[:len(singular)-1])
	}
	return fmt.Sprintf("%d %ss", n, singular)
}

// ProblemLister is implemented by errors that carry several problems found before a write
// (a workflow's validation error): the binary prints the summary on one line and each
// problem on a line of its own, as `metadata validate` does.
type ProblemLister interface {
	error
	ProblemList() (summary string, problems []string)
}

// ProblemList is an error listing problems found before anything was written. Its Error is
// one line (for logs and wrapped messages); the binary prints it one problem a line.
type ProblemList struct {
	// Subject is what has the problems ("GET /v1/apps (apps_getCollection)"): the head reads
	// "<Subject> has 2 problems, <Summary>"; without it, "2 problems, <Summary>".
	Subject string
	// Summary says what was refused, without the count: "nothing was sent".
	Summary  string
	Problems []string
	// Code is the exit code (ExitUsage for bad input; 0 means ExitError).
	Code int
}

func (e *ProblemList) head() string {
	h := Plural(len(e.Problems), "problem")
	if e.Subject != "" {
		h = e.Subject + " has " + h
	}
	if e.Summary != "" {
		h += ", " + e.Summary
	}
	return h
}

func (e *ProblemList) Error() string {
	return e.head() + ": " + strings.Join(e.Problems, "; ")
}

// ProblemsFound is what a validate command returns after printing its n problems one a line:
// "products.json: 1 problem found; fix it and run validate again". where may be "".
func ProblemsFound(where string, n int) error {
	them := "them"
	if n == 1 {
		them = "it"
	}
	msg := fmt.Sprintf("%s found; fix %s and run validate again", Plural(n, "problem"), them)
	if where != "" {
		msg = where + ": " + msg
	}
	return errors.New(msg)
}

// ProblemList implements ProblemLister.
func (e *ProblemList) ProblemList() (string, []string) { return e.head(), e.Problems }

// ErrorText renders an error for the terminal as the binary prints it: one line, or, for an
// error that lists problems, the summary and one problem a line ("  - ..."). Control
// characters are escaped.
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	var pl ProblemLister
	if errors.As(err, &pl) {
		summary, problems := pl.ProblemList()
		var b strings.Builder
		b.WriteString(oneLine(summary))
		if !strings.HasSuffix(summary, ":") {
			b.WriteByte(':')
		}
		for _, p := range problems {
			b.WriteString("\n  - ")
			b.WriteString(oneLine(p))
		}
		return b.String()
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	return CleanCell(strings.Join(strings.Fields(s), " "))
}
