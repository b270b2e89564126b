package builds

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// journal records which parts of a build upload file have been accepted, so that a run
// started again after a crash or a kill sends only the rest. It lives in the state
// directory, one small JSON file per build upload file, written atomically after each part
// and removed after the commit. Without a journal a resumed upload still reuses the
// reservation; it only sends every part again.
type journal struct {
	path string
	mu   sync.Mutex
	rec  journalRecord
}

type journalRecord struct {
	BuildUpload string    `json:"buildUpload"`
	File        string    `json:"file"`
	Path        string    `json:"path"`
	Size        int64     `json:"size"`
	ModTime     time.Time `json:"modTime"`
	Parts       int       `json:"parts"`
	Done        []bool    `json:"done"`
}

// openJournal loads the journal of a file, keeping its parts only when it describes the same
// local file and the same number of parts.
func openJournal(dir string, want journalRecord) *journal {
	if dir == "" {
		return nil
	}
	j := &journal{path: filepath.Join(dir, "build-upload-"+safeName(want.File)+".json"), rec: want}
	j.rec.Done = make([]bool, want.Parts)
	b, err := os.ReadFile(j.path)
	if err != nil {
		return j
	}
	var old journalRecord
	if json.Unmarshal(b, &old) != nil {
		return j
	}
	if old.BuildUpload == want.BuildUpload && old.File == want.File && old.Path == want.Path && old.Size == want.Size &&
		old.ModTime.Equal(want.ModTime) && old.Parts == want.Parts && len(old.Done) == want.Parts {
		j.rec.Done = old.Done
	}
	return j
}

func safeName(id string) string {
	out := []rune(id)
	for i, r := range out {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			out[i] = '_'
		}
	}
	return string(out)
}

func (j *journal) done(i int) bool {
	if j == nil {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return i < len(j.rec.Done) && j.rec.Done[i]
}

func (j *journal) countDone() int {
	if j == nil {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for _, d := range j.rec.Done {
		if d {
			n++
		}
	}
	return n
}

// mark records part i as accepted. A journal that cannot be written costs only resends
// after a crash, so the upload goes on; the first failure is returned for a warning.
func (j *journal) mark(i int) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if i < len(j.rec.Done) {
		j.rec.Done[i] = true
	}
	return j.saveLocked()
}

func (j *journal) save() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.saveLocked()
}

func (j *journal) saveLocked() error {
	b, err := json.Marshal(j.rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(j.path), 0o700); err != nil {
		return fmt.Errorf("keep upload progress: %w", err)
	}
	tmp := j.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("keep upload progress: %w", err)
	}
	if err := os.Rename(tmp, j.path); err != nil {
		return fmt.Errorf("keep upload progress: %w", err)
	}
	return nil
}

func (j *journal) remove() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return
	}
}
