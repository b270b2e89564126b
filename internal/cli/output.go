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
// tab-separated values without a header in a pipe (what cut and awk expect). Every cell goes
// through CleanCell. On a terminal the header is bold and STATE/STATUS columns are coloured
// when colour is on, and the widest columns are cut with "…" to fit the terminal's width.
type Table struct {
	out     io.Writer
	tty     bool
	width   int
	cs      ColorScheme
	headers []string
	rows    [][]string
}

// NewTable starts a table on the command's standard output.
func (f *Factory) NewTable(headers ...string) *Table {
	return &Table{out: f.IO.Out, tty: f.IO.OutTTY, width: f.IO.Width, cs: f.IO.ColorScheme(), headers: headers}
}

// AddRow adds one row; each field goes through CleanCell.
func (t *Table) AddRow(fields ...string) {
	row := make([]string, len(fields))
	for i, s := range fields {
		row[i] = CleanCell(s)
	}
	t.rows = append(t.rows, row)
}

// Len is the number of rows added.
func (t *Table) Len() int { return len(t.rows) }

// minColumn is the width under which fitting the terminal does not cut a column.
const minColumn = 8

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
	cond := &runewidth.Condition{EastAsianWidth: false}
	var widths []int
	for _, r := range lines {
		for i, cell := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cond.StringWidth(cell))
		}
	}
	fitWidths(widths, t.width)
	state := make([]bool, len(widths))
	for i, h := range t.headers {
		state[i] = strings.Contains(h, "STATE") || strings.Contains(h, "STATUS")
	}
	var b strings.Builder
	for n, r := range lines {
		header := n == 0 && len(t.headers) > 0
		for i, cell := range r {
			if w := cond.StringWidth(cell); w > widths[i] {
				cell = cond.Truncate(cell, widths[i], "…")
			}
			pad := widths[i] - cond.StringWidth(cell)
			switch {
			case header:
				b.WriteString(t.cs.Bold(cell))
			case state[i]:
				b.WriteString(t.cs.State(cell))
			default:
				b.WriteString(cell)
			}
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", pad+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.out, b.String())
	return err
}

// keepColumn is the width up to which a column (a time, a state, an id) is cut only when
// cutting the wider ones is not enough.
const keepColumn = 24

// fitWidths narrows the widest columns, one column at a time, until the row (columns and
// two spaces between them) fits total: first down to keepColumn, then down to minColumn.
// total 0: no limit.
func fitWidths(widths []int, total int) {
	if total <= 0 || len(widths) == 0 {
		return
	}
	sum := 2 * (len(widths) - 1)
	for _, w := range widths {
		sum += w
	}
	for _, floor := range []int{keepColumn, minColumn} {
		for sum > total {
			widest := 0
			for i, w := range widths {
				if w > widths[widest] {
					widest = i
				}
			}
			if widths[widest] <= floor {
				break
			}
			widths[widest]--
			sum--
		}
	}
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
