package cli

import "strings"

// ANSI styles used on a terminal. Colour is written only when the stream is a terminal and
// NO_COLOR is unset (IOStreams.Color for stdout, IOStreams.ErrColor for stderr).
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiGray   = "\x1b[90m"
)

// ColorScheme paints text when enabled and returns it unchanged otherwise.
type ColorScheme struct{ Enabled bool }

func (c ColorScheme) paint(style, s string) string {
	if !c.Enabled || s == "" {
		return s
	}
	return style + s + ansiReset
}

// Bold is for table headers.
func (c ColorScheme) Bold(s string) string { return c.paint(ansiBold, s) }

// Red is for errors and failed states.
func (c ColorScheme) Red(s string) string { return c.paint(ansiRed, s) }

// Green is for finished, live and valid states.
func (c ColorScheme) Green(s string) string { return c.paint(ansiGreen, s) }

// Yellow is for states still in progress or waiting on someone.
func (c ColorScheme) Yellow(s string) string { return c.paint(ansiYellow, s) }

// Gray is for secondary text.
func (c ColorScheme) Gray(s string) string { return c.paint(ansiGray, s) }

// State paints an App Store Connect state (or an HTTP status) by what it means: red for
// failures and refusals, yellow for work under way, green for done; other values unchanged.
func (c ColorScheme) State(s string) string {
	switch stateKind(s) {
	case stateBad:
		return c.Red(s)
	case statePending:
		return c.Yellow(s)
	case stateGood:
		return c.Green(s)
	}
	return s
}

type kind int

const (
	stateOther kind = iota
	stateGood
	statePending
	stateBad
)

func stateKind(s string) kind {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "" {
		return stateOther
	}
	if len(u) == 3 && u[0] >= '1' && u[0] <= '5' && u[1] >= '0' && u[1] <= '9' && u[2] >= '0' && u[2] <= '9' {
		switch u[0] {
		case '2':
			return stateGood
		case '4', '5':
			return stateBad
		}
		return stateOther
	}
	switch u {
	case "READY_FOR_SALE", "READY_FOR_DISTRIBUTION", "VALID", "ACTIVE", "COMPLETE", "COMPLETED", "APPROVED", "ACCEPTED", "LIVE", "DONE", "OK", "PROCESSED", "SUCCEEDED", "SUCCESS", "ENABLED":
		return stateGood
	}
	for _, w := range []string{"REJECT", "INVALID", "FAIL", "ERROR", "EXPIRED", "REMOVED", "REVOKED", "CANCEL", "MISSING", "DISABLED"} {
		if strings.Contains(u, w) {
			return stateBad
		}
	}
	for _, w := range []string{"WAITING", "PENDING", "PROCESSING", "IN_REVIEW", "PREPARE", "PROGRESS", "UPLOAD", "RUNNING", "DRAFT", "SUBMITTED", "READY_FOR_REVIEW", "RESERVED"} {
		if strings.Contains(u, w) {
			return statePending
		}
	}
	return stateOther
}
