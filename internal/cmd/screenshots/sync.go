package screenshots

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/internal/cli"
	wfmetadata "github.com/ascend-tools/ascend/workflow/metadata"
	wfscreenshots "github.com/ascend-tools/ascend/workflow/screenshots"
)

// syncOptions are the command's flags and dependencies.
type syncOptions struct {
	F           *cli.Factory
	Target      wfmetadata.Target
	Dir         string
	Previews    string
	DryRun      bool
	Yes         bool
	Concurrency int
	FrameCode   string
	Fastlane    cli.FastlaneFlag
	cli.WaitFlags
}

func newSyncCmd(f *cli.Factory) *cobra.Command {
	opts := &syncOptions{F: f}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Make App Store Connect's screenshots match a deliver screenshots folder",
		Long: `Read screenshots/<locale>/*.png|jpg|jpeg (and deliver's iMessage/<locale>/ and
appleTV/<locale>/; hidden files are skipped), take each file's display type from its pixel size and the order from a natural sort of the file names, then
make App Store Connect match: files are compared by MD5 with what is there, so only new or
changed files are uploaded; screenshots the folder no longer has are deleted (a display type
the folder lacks entirely loses its set); the order is fixed with one request per set.

With a fastlane project (--fastlane, ./fastlane, or the one above --dir) the Deliverfile
supplies what the flags leave out: the app, screenshots_path, app_previews_path, platform;
skip_screenshots turns the sync off, and, as deliver does, screenshots the folder lacks are
kept (and each set ordered by file name) unless overwrite_screenshots or sync_screenshots is
set (overwrite_preview_videos for previews).

Uploads run in parallel (parts too) within the key's rate budget; processing is awaited by
polling only the sets that changed, with backoff, for at most --timeout (default: the
project's screenshot_processing_timeout, in seconds, else 10m; exit 8 when it passes; run the
sync again to finish); --no-wait ends once the files are uploaded and in
order, and a later run redoes any whose processing failed. A screenshot whose processing
fails is deleted and uploaded again, twice at most. An interrupted run can simply be started again:
reservations it left are reused, nothing is duplicated. Deletions need --yes when nobody
can answer the confirmation.`,
		Example: `  ascend screenshots sync --app com.example.app --dir fastlane/screenshots --dry-run
  ascend screenshots sync --app com.example.app --dir fastlane/screenshots --yes
  ascend screenshots sync --app com.example.app --dir fastlane/screenshots --previews fastlane/previews --yes
  ascend screenshots sync --fastlane . --yes`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSync(cmd, opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Target.App, "app", "", "the app's `ID` or bundle id (default: $ASCEND_APP, or app_identifier in fastlane's Appfile or Deliverfile)")
	fl.StringVar(&opts.Target.Platform, "platform", apple.DefaultPlatform, "`platform` of the version: "+strings.Join(apple.Platforms(), ", "))
	fl.StringVar(&opts.Target.Version, "version", "", "version `string` (default: the version being prepared)")
	fl.StringVar(&opts.Dir, "dir", "fastlane/screenshots", "the deliver screenshots `folder`")
	fl.StringVar(&opts.Previews, "previews", "", "also sync app previews from `folder`/<locale>/*.mp4|mov|m4v (the preview type in the file name, as deliver reads them) or <locale>/<PREVIEW_TYPE>/*.mp4 (default: the Deliverfile's app_previews_path)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would change and write nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "delete screenshots the folder no longer has without asking")
	fl.StringVar(&opts.FrameCode, "preview-frame-time-code", "", "the poster frame of every app preview, `HH:MM:SS:FF` (default: the Deliverfile's preview_frame_time_code); set on kept previews too")
	fl.IntVar(&opts.Concurrency, "concurrency", 8, "at most `n` API requests in flight (fewer once rate limited)")
	opts.Fastlane.Add(cmd)
	cli.AddWaitFlags(cmd, &opts.WaitFlags, true, 10*time.Minute, "App Store Connect to process the uploads")
	return cmd
}

func runSync(cmd *cobra.Command, opts *syncOptions) error {
	f := opts.F
	fl := cmd.Flags()
	project, err := opts.Fastlane.Project(f, cmd, "dir")
	if err != nil {
		return err
	}
	t := opts.Target
	if t.App == "" && f.Getenv != nil {
		t.App = f.Getenv("ASCEND_APP")
	}
	keep, keepPreviews := false, false
	if project != nil {
		if project.Skip["skip_screenshots"] && !fl.Changed("dir") {
			fmt.Fprintf(f.IO.ErrOut, "%s sets skip_screenshots: nothing synced (pass --dir to sync the folder anyway)\n", project.Where["skip_screenshots"])
			return nil
		}
		if !fl.Changed("dir") {
			opts.Dir = project.ScreenshotsPath
		}
		if !fl.Changed("previews") && project.AppPreviewsPath != "" {
			opts.Previews = project.AppPreviewsPath
		}
		if !fl.Changed("preview-frame-time-code") {
			opts.FrameCode = project.PreviewFrameTimeCode
		}
		if !fl.Changed("timeout") && project.ScreenshotProcessingTimeout > 0 {
			opts.Timeout = project.ScreenshotProcessingTimeout // screenshot_processing_timeout
		}
		if t.App == "" {
			t.App = opts.Fastlane.App(f, project)
		}
		if t, err = t.FromProject(project, fl.Changed("platform"), true); err != nil {
			return cli.UsageErrorf("%v", err)
		}
		keep, keepPreviews = project.KeepsExtraScreenshots(false), project.KeepsExtraScreenshots(true)
	}
	t, err = t.WithDefaults("")
	if err != nil {
		return cli.UsageErrorf("%v", err)
	}
	wait, err := opts.Waiting()
	if err != nil {
		return err
	}
	if opts.FrameCode != "" && opts.Previews != "" {
		if _, err := apple.ParsePreviewFrameTimeCode(opts.FrameCode); err != nil {
			return cli.UsageErrorf("%v", err)
		}
	}
	if opts.Concurrency < 1 || opts.Concurrency > 64 {
		return cli.UsageErrorf("--concurrency %d is out of range: use 1 to 64", opts.Concurrency)
	}
	// Validate the folders before credentials or requests.
	layouts := []*wfscreenshots.Layout{}
	layout, err := wfscreenshots.LoadWith(opts.Dir, t.Folders)
	if err != nil {
		return err
	}
	layouts = append(layouts, layout)
	if opts.Previews != "" {
		previews, err := wfscreenshots.LoadPreviewsWith(opts.Previews, t.Folders)
		if err != nil {
			return err
		}
		layouts = append(layouts, previews)
	}
	for _, l := range layouts {
		for _, n := range l.Notes {
			fmt.Fprintf(f.IO.ErrOut, "note: %s/%s\n", l.Dir, n)
		}
	}
	ctx := cmd.Context()
	c, err := f.Client(ctx)
	if err != nil {
		return err
	}
	so := wfscreenshots.Options{HTTPClient: f.HTTPClient(), Concurrency: opts.Concurrency, Replace: opts.Yes,
		PollTimeout: opts.Timeout, NoWait: !wait, PreviewFrameTimeCode: opts.FrameCode}
	var plans []*wfscreenshots.Plan
	deletes := 0
	for _, l := range layouts {
		so.KeepExtras = keep
		if l.Kind == wfscreenshots.Previews {
			so.KeepExtras = keepPreviews
		}
		p, err := wfscreenshots.Prepare(ctx, c, t, l, so)
		if err != nil {
			return err
		}
		plans = append(plans, p)
		uploads, dels, setDeletes := p.Totals()
		deletes += dels
		if !f.JSONRequested() || opts.DryRun {
			renderPlan(f, p)
		}
		if opts.DryRun {
			fmt.Fprintf(f.IO.ErrOut, "dry run: would upload %d %ss and delete %d (%d whole sets) for version %s\n",
				uploads, p.Kind.Noun, dels, setDeletes, p.Location.VersionString)
		}
	}
	if opts.DryRun {
		return nil
	}
	if deletes > 0 {
		if !opts.Yes && opts.Fastlane.Forced(f, project) {
			opts.Yes = true
		}
		if err := f.ConfirmDestructive(opts.Yes, fmt.Sprintf("delete %d screenshots or previews the folders no longer have", deletes)); err != nil {
			return err
		}
	}
	results := map[string]wfscreenshots.Result{}
	var errs []error
	for _, p := range plans {
		progress, wait := newProgress(f, p)
		so.Progress = progress
		so.KeepExtras = false // the plan already holds what is kept
		res, err := wfscreenshots.Apply(ctx, c, p, so)
		wait()
		if ctx.Err() != nil {
			return ctx.Err() // interrupted: the binary says so in one line
		}
		results[p.Kind.Noun+"s"] = res
		if !f.JSONRequested() {
			extra := ""
			if res.KeptExtra > 0 {
				extra = fmt.Sprintf(" (and %d the folder lacks, kept as deliver keeps them)", res.KeptExtra)
			}
			if res.Framed > 0 {
				extra += fmt.Sprintf(", poster frame set on %s", cli.Plural(res.Framed, "kept preview"))
			}
			if res.Processing > 0 {
				extra += fmt.Sprintf(", %d still processing (not awaited: --no-wait)", res.Processing)
			}
			fmt.Fprintf(f.IO.ErrOut, "%ss of version %s: %d uploaded, %d kept%s, %d deleted, %s created, %s deleted, %d reordered, %d retried after failed processing\n",
				p.Kind.Noun, p.Location.VersionString, res.Uploaded, res.Kept, extra, res.Deleted, cli.Plural(res.SetsCreated, "set"), cli.Plural(res.SetsDeleted, "set"), res.Reordered, res.Retried)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if f.JSONRequested() {
		if err := f.WriteJSON(results); err != nil {
			return err
		}
	}
	if err := errors.Join(errs...); err != nil {
		var pending *upload.PendingError
		if errors.As(err, &pending) {
			return cli.PendingErrorf("uploaded but still processing: %v", err)
		}
		return fmt.Errorf("sync (run it again to finish; nothing is duplicated): %w", err)
	}
	return nil
}

// SetJSON is one set of a plan as --json prints it.
type SetJSON struct {
	Kind        string   `json:"kind"`
	Locale      string   `json:"locale"`
	DisplayType string   `json:"displayType"`
	NewSet      bool     `json:"newSet,omitempty"`
	DeleteSet   bool     `json:"deleteSet,omitempty"`
	ReplacedBy  string   `json:"replacedBy,omitempty"`
	Keep        int      `json:"keep"`
	Upload      []string `json:"upload"`
	Delete      []string `json:"delete"`
}

func renderPlan(f *cli.Factory, p *wfscreenshots.Plan) {
	if f.JSONRequested() {
		out := []SetJSON{}
		for _, s := range p.Sets {
			if !s.Changed() {
				continue
			}
			j := SetJSON{Kind: p.Kind.Noun, Locale: s.Locale, DisplayType: s.DisplayType, NewSet: s.SetID == "", DeleteSet: s.DeleteSet,
				ReplacedBy: s.ReplacedBy, Upload: []string{}, Delete: []string{}}
			for _, u := range s.Uploads() {
				j.Upload = append(j.Upload, u.Rel)
			}
			for _, d := range s.Delete {
				j.Delete = append(j.Delete, d.FileName())
			}
			j.Keep = len(s.Local) - len(j.Upload)
			out = append(out, j)
		}
		f.WriteJSON(out)
		return
	}
	t := f.NewTable("LOCALE", "DISPLAY TYPE", "KEEP", "UPLOAD", "DELETE", "NOTE")
	for _, s := range p.Sets {
		if !s.Changed() {
			continue
		}
		note := ""
		switch {
		case s.ReplacedBy != "":
			note = "set deleted: the folder files these screenshots as " + s.ReplacedBy + " (needs --yes)"
		case s.DeleteSet:
			note = "set deleted: the folder has none"
		case s.SetID == "":
			note = "new set"
		case len(s.Reframe) > 0:
			note = "poster frame set on " + cli.Plural(len(s.Reframe), "kept preview")
		}
		up := len(s.Uploads())
		t.AddRow(s.Locale, s.DisplayType, fmt.Sprint(len(s.Local)-up), fmt.Sprint(up), fmt.Sprint(len(s.Delete)), note)
	}
	if t.Len() > 0 {
		t.Render()
	} else if !f.JSONRequested() {
		fmt.Fprintln(f.IO.ErrOut, "screenshots already match the folder")
	}
}

// newProgress shows one bar per locale on a terminal and plain lines otherwise.
func newProgress(f *cli.Factory, p *wfscreenshots.Plan) (func(wfscreenshots.Event), func()) {
	if !f.IO.ErrTTY {
		var mu sync.Mutex
		return func(e wfscreenshots.Event) {
			mu.Lock()
			defer mu.Unlock()
			plainLine(f.IO.ErrOut, e)
		}, func() {}
	}
	totals := map[string]int64{}
	for _, s := range p.Sets {
		totals[s.Locale] += int64(len(s.Uploads()) + len(s.Delete))
	}
	var locales []string
	for l, n := range totals {
		if n > 0 {
			locales = append(locales, l)
		}
	}
	sort.Strings(locales)
	prog := mpb.New(mpb.WithOutput(f.IO.ErrOut), mpb.WithWidth(32), mpb.WithAutoRefresh())
	bars := map[string]*mpb.Bar{}
	for _, l := range locales {
		bars[l] = prog.AddBar(totals[l],
			mpb.PrependDecorators(decor.Name(l, decor.WC{W: 8, C: decor.DindentRight})),
			mpb.AppendDecorators(decor.CountersNoUnit("%d/%d"), decor.Name(" "), decor.OnComplete(decor.Name(""), "done")))
	}
	var mu sync.Mutex
	return func(e wfscreenshots.Event) {
			mu.Lock()
			defer mu.Unlock()
			b := bars[e.Locale]
			switch e.Kind {
			case wfscreenshots.EventUploaded, wfscreenshots.EventDeleted:
				if b != nil {
					b.Increment()
				}
			case wfscreenshots.EventFailed, wfscreenshots.EventRetry:
				prog.Write([]byte(fmt.Sprintf("%s %s: %s %s\n", e.Locale, e.DisplayType, e.Kind, e.File)))
			}
		}, func() {
			for _, b := range bars {
				if !b.Completed() {
					b.Abort(false)
				}
			}
			prog.Wait()
		}
}

func plainLine(w io.Writer, e wfscreenshots.Event) {
	switch e.Kind {
	case wfscreenshots.EventPlanned:
		fmt.Fprintf(w, "%s: %d changes\n", e.Locale, e.Total)
	case wfscreenshots.EventReordered:
		fmt.Fprintf(w, "%s %s: reordered\n", e.Locale, e.DisplayType)
	case wfscreenshots.EventFailed:
		fmt.Fprintf(w, "%s %s: %s failed: %v\n", e.Locale, e.DisplayType, e.File, e.Err)
	default:
		fmt.Fprintf(w, "%s %s: %s %s\n", e.Locale, e.DisplayType, e.Kind, e.File)
	}
}
