package builds

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"
)

func journalParts(j *journal) []int {
	var out []int
	for i := range j.rec.Parts {
		if j.done(i) {
			out = append(out, i)
		}
	}
	return out
}

// TestJournalAppendsParts: parts marked are read back by the next run; a last line cut short
// by a crash is ignored, a journal of another upload or file is not used, the earlier
// one-object layout is still read, and remove leaves nothing.
func TestJournalAppendsParts(t *testing.T) {
	dir := t.TempDir()
	rec := journalRecord{BuildUpload: "u1", File: "f1", Path: "/builds/App.ipa", Size: 50 << 20, ModTime: time.Unix(1700000000, 0).UTC(), Parts: 10}
	j := openJournal(dir, rec)
	if err := j.save(); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{3, 0, 7, 3} {
		if err := j.mark(i); err != nil {
			t.Fatal(err)
		}
	}
	j.close()
	if got := journalParts(openJournal(dir, rec)); !slices.Equal(got, []int{0, 3, 7}) {
		t.Fatalf("parts read back %v, want [0 3 7]", got)
	}
	b, err := os.ReadFile(j.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(j.path, append(b, "9"...), 0o600); err != nil { // a line cut short
		t.Fatal(err)
	}
	again := openJournal(dir, rec)
	if got := journalParts(again); !slices.Equal(got, []int{0, 3, 7}) {
		t.Fatalf("parts after a cut line %v, want [0 3 7]", got)
	}
	// Saving again rewrites the journal whole (the cut line gone), and marks go on after it.
	if err := again.save(); err != nil {
		t.Fatal(err)
	}
	if err := again.mark(9); err != nil {
		t.Fatal(err)
	}
	again.close()
	if got := journalParts(openJournal(dir, rec)); !slices.Equal(got, []int{0, 3, 7, 9}) {
		t.Fatalf("parts after a second run %v, want [0 3 7 9]", got)
	}
	other := rec
	other.ModTime = rec.ModTime.Add(time.Second)
	if got := journalParts(openJournal(dir, other)); len(got) != 0 {
		t.Fatalf("a changed file kept parts %v", got)
	}
	again.remove()
	if _, err := os.Stat(j.path); !os.IsNotExist(err) {
		t.Fatalf("journal left after remove: %v", err)
	}

	// The layout written before part lines: one JSON object with every part's flag.
	old := rec
	old.Done = make([]bool, rec.Parts)
	old.Done[2], old.Done[5] = true, true
	b, err = json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(j.path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := journalParts(openJournal(dir, rec)); !slices.Equal(got, []int{2, 5}) {
		t.Fatalf("parts of the earlier layout %v, want [2 5]", got)
	}
}
