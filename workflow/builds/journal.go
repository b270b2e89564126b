package builds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// journal records which parts of a build upload file have been accepted, so that a run
// started again after a crash or a kill sends only the rest. It lives in the state
// directory, one small file per build upload file, removed after the commit: a first line
// of JSON naming the upload and the local file, written atomically, then one line per part
// accepted, appended as it is (one small write, where rewriting the whole record after each
// of a 4 GiB file's 820 parts cost 7% of the upload's CPU). A line cut short by a crash is
// ignored: that part is sent again. Without a journal a resumed upload still reuses the
// reservation; it only sends every part again.
type journal struct {
	path string
	mu   sync.Mutex
	rec  journalRecord
	sent []bool   // the parts accepted
	log  *os.File // the journal opened for appending, once saved
}

type journalRecord struct {
	BuildUpload string    `json:"buildUpload"`
	File        string    `json:"file"`
	Path        string    `json:"path"`
	Size        int64     `json:"size"`
	ModTime     time.Time `json:"modTime"`
	Parts       int       `json:"parts"`
	// Done is how journals written before the part lines kept the parts; it is still read.
	Done []bool `json:"done,omitempty"`
}

// openJournal loads the journal of a file, keeping its parts only when it describes the same
// local file and the same number of parts.
func openJournal(dir string, want journalRecord) *journal {
	if dir == "" {
		return nil
	}
	want.Done = nil
	j := &journal{path: filepath.Join(dir, "build-upload-"+safeName(want.File)+".json"), rec: want, sent: make([]bool, want.Parts)}
	b, err := os.ReadFile(j.path)
	if err != nil {
		return j
	}
	head, rest, _ := bytes.Cut(b, []byte("\n"))
	var old journalRecord
	if json.Unmarshal(head, &old) != nil {
		return j
	}
	if old.BuildUpload != want.BuildUpload || old.File != want.File || old.Path != want.Path || old.Size != want.Size ||
		!old.ModTime.Equal(want.ModTime) || old.Parts != want.Parts {
		return j
	}
	if len(old.Done) == want.Parts {
		copy(j.sent, old.Done)
	}
	for line := range bytes.Lines(rest) {
		if !bytes.HasSuffix(line, []byte("\n")) {
			break // cut short by a crash
		}
		if i, err := strconv.Atoi(string(bytes.TrimSuffix(line, []byte("\n")))); err == nil && i >= 0 && i < want.Parts {
			j.sent[i] = true
		}
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
	return i < len(j.sent) && j.sent[i]
}

func (j *journal) countDone() int {
	if j == nil {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for _, d := range j.sent {
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
	if i < 0 || i >= len(j.sent) || j.sent[i] {
		return nil
	}
	j.sent[i] = true
	if j.log == nil {
		return nil // saving failed, and said so
	}
	if _, err := j.log.WriteString(strconv.Itoa(i) + "\n"); err != nil {
		return fmt.Errorf("keep upload progress: %w", err)
	}
	return nil
}

// save writes the journal afresh (its record and the parts done so far) and opens it for
// the parts to come.
func (j *journal) save() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closeLocked()
	b, err := json.Marshal(j.rec)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	for i, d := range j.sent {
		if d {
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, '\n')
		}
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
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("keep upload progress: %w", err)
	}
	j.log = f
	return nil
}

// close closes the journal, which stays on disk for the next run.
func (j *journal) close() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closeLocked()
}

func (j *journal) closeLocked() {
	if j.log != nil {
		j.log.Close()
		j.log = nil
	}
}

func (j *journal) remove() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closeLocked()
	if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return
	}
}
