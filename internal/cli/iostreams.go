package cli

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's standard streams and what is known about them. Data goes to Out,
// everything else (progress, prompts, --verbose logs) to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// InTTY, OutTTY and ErrTTY report whether each stream is a terminal. A terminal gets
	// aligned tables with headers and pretty JSON; a pipe gets tab-separated values.
	InTTY, OutTTY, ErrTTY bool
	// Color is true when colour may be written to Out: a terminal and NO_COLOR unset.
	Color bool
	// ErrColor is the same for ErrOut (errors are red on a terminal).
	ErrColor bool
	// Width is the terminal's width in columns when Out is a terminal (0: unknown, no
	// limit); tables are cut to fit it.
	Width int
}

// ColorScheme paints text for Out.
func (s *IOStreams) ColorScheme() ColorScheme { return ColorScheme{Enabled: s.Color} }

// ErrColorScheme paints text for ErrOut.
func (s *IOStreams) ErrColorScheme() ColorScheme { return ColorScheme{Enabled: s.ErrColor} }

// System returns the process's streams with terminal detection and the terminal's width;
// NO_COLOR (any value, as no-color.org asks) or TERM=dumb turns colour off.
func System() *IOStreams {
	s := &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	colorOK := !noColor && os.Getenv("TERM") != "dumb"
	s.Color = s.OutTTY && colorOK
	s.ErrColor = s.ErrTTY && colorOK
	if s.OutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.Width = w
		}
	}
	return s
}

// TestIO returns streams over buffers, all reported as non-terminals; tests flip the TTY
// fields to run a command as if on a terminal.
func TestIO() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY marks all three streams as terminals (or not); colour stays off.
func (s *IOStreams) SetTTY(tty bool) {
	s.InTTY, s.OutTTY, s.ErrTTY = tty, tty, tty
}
