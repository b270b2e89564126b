package video_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/internal/video"
)

func TestProbe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    sandboxtest.Movie
	}{
		{"portrait", sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second}},
		{"landscape 64-bit headers", sandboxtest.Movie{Width: 1920, Height: 1080, Duration: 29500 * time.Millisecond, Version1: true}},
		{"portrait stored turned", sandboxtest.Movie{Width: 1080, Height: 1920, Duration: 15 * time.Second, Rotated: true}},
	} {
		data := sandboxtest.MP4(t, tc.m)
		got, err := video.Probe(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		want := video.Info{Duration: tc.m.Duration, Width: tc.m.Width, Height: tc.m.Height}
		if got != want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, want)
		}
	}
	good := sandboxtest.MP4(t, sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second})
	for name, data := range map[string][]byte{
		"text":      []byte("this is not a movie at all, just some text"),
		"truncated": good[:len(good)/3],
		"empty":     nil,
	} {
		if _, err := video.Probe(bytes.NewReader(data), int64(len(data))); !errors.Is(err, video.ErrNotMovie) {
			t.Errorf("%s: %v, want ErrNotMovie", name, err)
		}
	}
}
