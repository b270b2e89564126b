package main

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
	"github.com/ascend-tools/ascend/workflow/deliver"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// binaryRun is one release with an ipa: the build upload beside the other steps, as deliver
// runs it, or before them (builds.Upload awaited, then deliver attaching its number), the way
// a release ran before deliver uploaded binaries.
type binaryRun struct {
	overlap bool
	wall    time.Duration
}

// binaryRelease prepares a sandbox (Daybreak's 2.4.0, a description changed, three new
// screenshots, a size-byte ipa of build 501) and measures the release.
func binaryRelease(ctx context.Context, latency, processing time.Duration, size int64, overlap bool) (*binaryRun, error) {
	s, err := sandbox.New(sandbox.Options{BurstLimit: -1, HourlyLimit: -1, BuildProcessingDelay: processing})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	c, err := client(s)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bench-release-binary")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	meta, shots, ipa := filepath.Join(dir, "metadata"), filepath.Join(dir, "screenshots"), filepath.Join(dir, "Daybreak.ipa")
	if _, _, err := metadata.Pull(ctx, c, metadata.Target{App: app}, meta); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(meta, "en-US", "description.txt"), []byte("Daybreak plans every day, now with focus blocks."), 0o644); err != nil {
		return nil, err
	}
	os.MkdirAll(filepath.Join(shots, "en-US"), 0o755)
	for i := range 3 {
		img := image.NewGray(image.Rect(0, 0, 1290, 2796))
		img.Pix[0] = byte(i + 1) // each image its own checksum
		f, err := os.Create(filepath.Join(shots, "en-US", fmt.Sprintf("%d_new.png", i+7)))
		if err != nil {
			return nil, err
		}
		err = png.Encode(f, img)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if err := archivetest.WriteIPA(ipa, archivetest.App{BundleID: app, Version: "2.4.0", Build: "501", Size: size}); err != nil {
		return nil, err
	}
	s.SetFaults(sandbox.Faults{Latency: latency})
	wait := builds.WaitOptions{PollInitial: time.Second, PollMax: 5 * time.Second}
	o := deliver.Options{App: app, MetadataPath: meta, ScreenshotsPath: shots, Binary: builds.UploadOptions{WaitOptions: wait}}
	start := time.Now()
	if overlap {
		o.IPA = ipa
	} else {
		if _, err := builds.Upload(ctx, c, ipa, builds.UploadOptions{App: app, Wait: true, WaitOptions: wait}); err != nil {
			return nil, err
		}
		o.Build = "501"
	}
	if _, err := deliver.Run(ctx, c, o); err != nil {
		return nil, err
	}
	return &binaryRun{overlap: overlap, wall: time.Since(start)}, nil
}
