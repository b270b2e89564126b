package metadata

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	wfmetadata "github.com/ascend-tools/ascend/workflow/metadata"
	wfscreenshots "github.com/ascend-tools/ascend/workflow/screenshots"
)

// PullJSON is what pull --json prints.
type PullJSON struct {
	App      string   `json:"app"`
	Version  string   `json:"version"`
	State    string   `json:"state"`
	Live     bool     `json:"live"`
	Dir      string   `json:"dir"`
	Written  []string `json:"written"`
	Requests int      `json:"requests"`
	// HeaderImages are the App Clip header images written into --app-clip-header-images;
	// HeaderImagesFailed those whose download or write failed (the error names why).
	HeaderImages       []string `json:"appClipHeaderImages,omitempty"`
	HeaderImagesFailed []string `json:"appClipHeaderImagesFailed,omitempty"`
}

// notWritten is the error of a pull that wrote some header images and not the rest: one
// problem a line (each download's), after the files written are listed.
func notWritten(err error, failed, all int) error {
	var each []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			each = append(each, e.Error())
		}
	} else {
		each = []string{err.Error()}
	}
	return &cli.ProblemList{Subject: "the App Clip header images' pull", Summary: fmt.Sprintf("%d of %d images not written; pull again to fetch them", failed, all), Problems: each}
}

func newPullCmd(f *cli.Factory) *cobra.Command {
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Write the app's metadata into a deliver metadata folder",
		Long: `Read the app's metadata (the version being prepared, or --version, or the live one
with --edit-live or the Deliverfile's use_live_version; an app with no version in
preparation gives its live one, and pull says so) and write it in fastlane deliver's layout. Files already holding the
same value are left untouched, and a locale's value equal to the one in default/ is not
copied into the locale's folder, so pulling into your deliver folder changes only what
differs.`,
		Example: `  ascend metadata pull --app com.example.app --dir fastlane/metadata
  ascend metadata pull --app 1234567890 --version 2.1 --dir metadata`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, c, err := tf.open(cmd, f, false)
			if err != nil {
				return err
			}
			if p := tf.project; p != nil && p.UseLiveVersion != nil && *p.UseLiveVersion && !cmd.Flags().Changed("edit-live") && t.Version == "" {
				t.Live = true // deliver's use_live_version: download the live version
			}
			st, written, err := wfmetadata.Pull(cmd.Context(), c, t, tf.dir)
			if err != nil {
				return fmt.Errorf("pull metadata: %w", err)
			}
			if st.LiveFallback {
				fmt.Fprintf(f.IO.ErrOut, "app %s has no %s version in preparation: pulled the live version %s (%s), as deliver's download_metadata does\n",
					st.AppID, t.Platform, st.VersionString, st.VersionState)
			}
			var hp *wfscreenshots.HeaderPull
			var headerErr error // some images not written: the rest are listed, then this
			if tf.headerDir != "" {
				hp, headerErr = wfscreenshots.PullHeaderImagesAt(cmd.Context(), c, st.Location(), tf.headerDir, f.HTTPClient())
				if headerErr != nil && hp == nil {
					return fmt.Errorf("pull App Clip header images: %w", headerErr)
				}
				if headerErr != nil {
					headerErr = notWritten(headerErr, len(hp.Failed), len(hp.Failed)+len(hp.Written))
				}
				if hp.Skipped != "" {
					fmt.Fprintf(f.IO.ErrOut, "note: %s\n", hp.Skipped)
				}
			}
			requests := st.Requests
			var images []string
			if hp != nil {
				requests += hp.Requests
				for _, w := range hp.Written {
					images = append(images, filepath.Join(tf.headerDir, w))
				}
			}
			var failed []string
			if hp != nil {
				for _, w := range hp.Failed {
					failed = append(failed, filepath.Join(tf.headerDir, w))
				}
			}
			if f.JSONRequested() {
				if err := f.WriteJSON(PullJSON{App: st.AppID, Version: st.VersionString, State: st.VersionState, Live: st.LiveFallback || t.Live, Dir: tf.dir,
					Written: append([]string{}, written...), Requests: requests, HeaderImages: images, HeaderImagesFailed: failed}); err != nil {
					return err
				}
				return headerErr
			}
			for _, w := range slices.Concat(written, images) {
				fmt.Fprintln(f.IO.Out, w)
			}
			fmt.Fprintf(f.IO.ErrOut, "pulled version %s (%d locales): %d files written in %s", st.VersionString, len(st.Metadata.Locales), len(written), tf.dir)
			if hp != nil {
				fmt.Fprintf(f.IO.ErrOut, ", %s in %s", plural(len(images), "App Clip header image"), tf.headerDir)
				if len(failed) > 0 {
					fmt.Fprintf(f.IO.ErrOut, " (%d not written)", len(failed))
				}
			}
			fmt.Fprintf(f.IO.ErrOut, ", %s\n", plural(requests, "request"))
			return headerErr
		},
	}
	tf.add(cmd)
	tf.addHeaderImages(cmd, "also write")
	return cmd
}
