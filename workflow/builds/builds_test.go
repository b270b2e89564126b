package builds_test

import (
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/builds"
)

// TestProcessingErrorSaysWhatToDo: Apple's reasons are shown whole, each code the table knows
// adds what to do once, and a code it does not know is shown as it came.
func TestProcessingErrorSaysWhatToDo(t *testing.T) {
	err := &builds.ProcessingError{UploadID: "u1", State: "FAILED", Errors: []asc.StateDetail{
		{Code: apple.IssueMetadataMismatch, Description: "Metadata/Info.plist Mismatch - cfBundleVersion"},
		{Code: apple.IssueMetadataMismatch, Description: "Metadata/Info.plist Mismatch - cfBundleShortVersionString"},
		{Code: "90055", Description: "This bundle is invalid."},
		{Code: "91234", Description: "Something new."},
	}}
	is345, _ := apple.LookupBuildIssue(apple.IssueMetadataMismatch)
	is55, _ := apple.LookupBuildIssue("90055")
	msg := err.Error()
	for _, want := range []string{"build upload u1 (FAILED)", "90345 Metadata/Info.plist Mismatch - cfBundleVersion", "91234 Something new.", is345.Fix, is55.Fix} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Count(msg, is345.Fix) != 1 {
		t.Errorf("a fix said twice:\n%s", msg)
	}
	if plain := (&builds.ProcessingError{UploadID: "u2", State: "FAILED"}).Error(); strings.Contains(plain, "to fix") || !strings.Contains(plain, "no reason given") {
		t.Errorf("no reasons: %s", plain)
	}
}
