//go:build unix

package products

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestValidateReviewScreenshotNotAFile: a review screenshot that is a folder, a pipe or a
// device is one problem, found without opening it (a pipe's open waits for a writer, and
// /dev/zero never ends); an image is read no further than its header.
func TestValidateReviewScreenshotNotAFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "shots"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.png"), 0o644); err != nil {
		t.Skipf("no named pipe here: %v", err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.png"), img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	names := []string{"shots", "pipe.png", "/dev/zero", "ok.png"}
	c := &Catalog{}
	for i, n := range names {
		c.InAppPurchases = append(c.InAppPurchases, &InAppPurchase{ProductID: "p" + string(rune('a'+i)), ReferenceName: "P", Type: "CONSUMABLE", ReviewScreenshot: &n})
	}
	done := make(chan []Problem, 1)
	go func() { done <- Validate(c, ValidateOptions{Now: testNow, Dir: dir}) }()
	var got []string
	select {
	case p := <-done:
		got = problemStrings(p)
	case <-time.After(time.Minute): // a bound on a hang, not a measure of speed
		t.Fatal("Validate did not return: it opened a pipe or read a device")
	}
	want := []string{
		"inAppPurchases[pa].reviewScreenshot: cannot read shots: not a regular file but a folder",
		"inAppPurchases[pb].reviewScreenshot: cannot read pipe.png: not a regular file but a named pipe",
		"inAppPurchases[pc].reviewScreenshot: cannot read /dev/zero: not a regular file but a device",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
