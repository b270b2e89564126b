package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/itchyny/gojq"
	"github.com/mattn/go-runewidth"
)

// JSONRequested reports whether the user asked for JSON output (--json or --jq).
func (f *Factory) JSONRequested() bool {
	return f.Flags.JSON || f.Flags.JQ != ""
}

// WriteJSON is the one JSON exporter of every command. v is what Apple returned (a list's
// data items as an array, a single resource as an object) or any JSON-encodable value. With
// --jq it prints the filter's results, strings raw and one per line like `jq -r`; otherwise
// it prints v itself, indented on a terminal and compact in a pipe.
func (f *Factory) WriteJSON(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	return f.WriteRawJSON(raw)
}

// WriteRawJSON is WriteJSON for an already encoded document.
func (f *Factory) WriteRawJSON(raw []byte) error {
	if f.Flags.JQ != "" {
		return writeJQ(f.IO.Out, raw, f.Flags.JQ, f.IO.OutTTY)
	}
	return writeJSONDoc(f.IO.Out, raw, f.IO.OutTTY)
}

func writeJSONDoc(w io.Writer, raw []byte, pretty bool) error {
	var buf bytes.Buffer
	var err error
	if pretty {
		err = json.Indent(&buf, raw, "", "  ")
	} else {
		err = json.Compact(&buf, raw)
	}
	if err != nil {
		// Not JSON after all (an API answer in another media type): pass it through.
		buf.Reset()
		buf.Write(raw)
	}
	if buf.Len() > 0 && buf.Bytes()[buf.Len()-1] != '\n' {
		buf.WriteByte('\n')
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// CompileJQ parses a --jq expression, so commands can refuse a bad one (exit 2) before they
// send any request.
func CompileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, UsageErrorf("invalid --jq expression: %v", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, UsageErrorf("invalid --jq expression: %v", err)
	}
	return code, nil
}

func writeJQ(w io.Writer, raw []byte, expr string, pretty bool) error {
	code, err := CompileJQ(expr)
	if err != nil {
		return err
	}
	// Numbers stay json.Number so that large integers pass through exactly.
	var input any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&input); err != nil {
		return fmt.Errorf("--jq: the output is not JSON: %v", err)
	}
	var out bytes.Buffer
	iter := code.Run(input)
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := v.(error); isErr {
			if _, halt := err.(*gojq.HaltError); halt && err.(*gojq.HaltError).Value() == nil {
				break
			}
			return fmt.Errorf("--jq %s: %v", expr, err)
		}
		if s, isStr := v.(string); isStr {
			out.WriteString(s)
			out.WriteByte('\n')
			continue
		}
		b, err := gojq.Marshal(v)
		if err != nil {
			return fmt.Errorf("--jq: encode result: %v", err)
		}
		if pretty {
			var ind bytes.Buffer
			if json.Indent(&ind, b, "", "  ") == nil {
				b = ind.Bytes()
			}
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	_, err = w.Write(out.Bytes())
	return err
}

// Table collects rows and renders them: aligned columns under a header on a terminal,
// tab-separated values without a header in a pipe (what cut and awk expect).
type Table struct {
	out     io.Writer
	tty     bool
	headers []string
	rows    [][]string
}

// NewTable starts a table on the command's standard output.
func (f *Factory) NewTable(headers ...string) *Table {
	return &Table{out: f.IO.Out, tty: f.IO.OutTTY, headers: headers}
}

// AddRow adds one row; tabs and newlines inside a field become spaces so the columns hold.
func (t *Table) AddRow(fields ...string) {
	row := make([]string, len(fields))
	for i, s := range fields {
		row[i] = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, s)
	}
	t.rows = append(t.rows, row)
}

// Len is the number of rows added.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table.
func (t *Table) Render() error {
	if !t.tty {
		var b strings.Builder
		for _, r := range t.rows {
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
		_, err := io.WriteString(t.out, b.String())
		return err
	}
	lines := t.rows
	if len(t.headers) > 0 {
		lines = append([][]string{t.headers}, t.rows...)
	}
	// Pad by display width, not bytes or runes (text/tabwriter counts runes), so that
	// East Asian app names, two columns a character, keep the columns aligned. Ambiguous
	// characters count as one column whatever the locale, as most terminals draw them.
	width := (&runewidth.Condition{EastAsianWidth: false}).StringWidth
	var widths []int
	for _, r := range lines {
		for i, cell := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], width(cell))
		}
	}
	var b strings.Builder
	for _, r := range lines {
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-width(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.out, b.String())
	return err
}

// FormatTime renders a timestamp for a table: RFC 3339 in a pipe, a shorter local form on a
// terminal; the zero time is empty.
func (f *Factory) FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if f.IO.OutTTY {
		return t.Local().Format("2006-01-02 15:04")
	}
	return t.UTC().Format(time.RFC3339)
}
