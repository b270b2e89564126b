package testflight

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// problemLine is how a CSV problem names its row.
var problemLine = regexp.MustCompile(`^line ([0-9]+): `)

// FuzzReadCSV reads any bytes as a pilot testers file. Properties: no panic; an error is one
// line, and each of its problems names a line of the file; what is accepted (and passes
// Import's checks) is written back by WriteCSV and read again unchanged. Seeded with the
// package's test files and the rows that found its defects.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"First,Last,Email,Groups\nNew,Person,new.person@example.com,Design Partners;Public Beta\nOther,One,other.one@example.com,Public Beta\nAlan,Turing,alan.3@example.com,Design Partners;Public Beta\n",
		"First,Last,Email,Groups\nA,B,not-an-email,QA\nC,D,c@example.com,\n",
		"Ada,Lovelace,ada@example.com\n\n\"Grace\nHopper\",H,grace@example.com,QA\nbad row\n",
		"a,b,A@example.com,g\r\nc,d,a@example.com,g\r\n",
		"First,Last,Email\n\"x\"\"y\",  z ,e@example.com,\" ; ;QA\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		list, lines, err := readCSV(strings.NewReader(data))
		if err == nil {
			// Import's checks, named by line; rows without groups get one, as --groups gives.
			for i := range list {
				if len(list[i].Groups) == 0 {
					list[i].Groups = []string{"QA"}
				}
			}
			err = checkTesters(list, "the CSV", func(i int) string { return fmt.Sprintf("line %d", lines[i]) })
		}
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error is not one line: %q", msg)
			}
			var pe *ProblemsError
			if !errors.As(err, &pe) {
				if !strings.Contains(msg, "line ") {
					t.Fatalf("error names no line: %q", msg)
				}
				return
			}
			n := strings.Count(data, "\n") + 1
			for _, p := range pe.Problems {
				m := problemLine.FindStringSubmatch(p)
				if m == nil {
					t.Fatalf("problem names no line: %q", p)
				}
				if l, _ := strconv.Atoi(m[1]); l < 1 || l > n {
					t.Fatalf("problem names line %d of %d: %q", l, n, p)
				}
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, list); err != nil {
			t.Fatal(err)
		}
		again, err := ReadCSV(&buf)
		if err != nil {
			t.Fatalf("exported file not read back: %v\n%q", err, buf.String())
		}
		if len(list) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(again, list) {
			t.Fatalf("round trip changed the testers:\n%q\n%q\nfile %q", list, again, buf.String())
		}
	})
}

// TestCSVProblemsNameTheLine: a problem names the file's line, counting blank lines and a
// quoted name that spans two (it named the record's index, "line 3" for line 5); Import's
// email and group problems name the line too (they were "tester 2", the index after the
// header). Import stops before any request, so no client is needed.
func TestCSVProblemsNameTheLine(t *testing.T) {
	t.Parallel()
	_, err := ReadCSV(strings.NewReader("Ada,Lovelace,ada@example.com\n\n\"Grace\nHopper\",H,grace@example.com,QA\nbad row\n"))
	if err == nil || err.Error() != "the CSV has 1 problem, nothing was sent: line 5: want first name, last name, email[, groups], got 1 fields" {
		t.Errorf("a short row: %v", err)
	}
	_, err = Import(t.Context(), nil, "com.example.app", strings.NewReader("First,Last,Email,Groups\n\nA,B,not-an-email,QA\n\"C\nC\",D,c@example.com,\n"), nil)
	want := `the CSV has 2 problems, nothing was sent: line 3: "not-an-email" is not an email address; line 4: "c@example.com" has no group; TestFlight adds testers to groups`
	if err == nil || err.Error() != want {
		t.Errorf("Import's problems:\n%v\nwant\n%s", err, want)
	}
}
