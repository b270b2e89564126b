package buildflag

import (
	"fmt"
	"strings"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

// Testers prints beta testers: a table, or the list as JSON with --json (`testflight testers
// list`, `pilot list` and `pilot find`).
func Testers(f *cli.Factory, list []testflight.Tester) error {
	if f.JSONRequested() {
		if list == nil {
			list = []testflight.Tester{}
		}
		return f.WriteJSON(list)
	}
	t := f.NewTable("EMAIL", "FIRST", "LAST", "STATE", "GROUPS")
	for _, tt := range list {
		t.AddRow(tt.Email, tt.FirstName, tt.LastName, tt.State, strings.Join(tt.Groups, ";"))
	}
	return t.Render()
}

// Added prints what adding testers did (JSON with --json) and returns err.
func Added(f *cli.Factory, res *testflight.AddResult, err error) error {
	if res != nil {
		if f.JSONRequested() {
			if jerr := f.WriteJSON(res); jerr != nil {
				return jerr
			}
		} else {
			fmt.Fprintf(f.IO.ErrOut, "%s created, %s added, %d already as asked\n", cli.Plural(res.Created, "tester"), cli.Plural(res.Added, "group membership"), res.Unchanged)
		}
	}
	return err
}
