package screenshots

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decode JPEG headers for the pixel size
	_ "image/png"  // decode PNG headers for the pixel size
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
	"github.com/ascend-tools/ascend/workflow/internal/video"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// Shot is one screenshot file.
type Shot struct {
	Path        string // on disk
	Rel         string // relative to the screenshots folder, with slashes
	Name        string // file name, sent to App Store Connect
	Size        int64
	MD5         string // hex
	Width       int
	Height      int
	DisplayType string
	// Duration is a preview's length (0 for screenshots).
	Duration time.Duration
}

// Layout is a screenshots folder: per locale, per display type, the shots in upload order.
type Layout struct {
	// Kind is Screenshots (nil means Screenshots too) or Previews.
	Kind    *Kind
	Dir     string
	Locales map[string]map[string][]Shot
	// Default holds screenshots/default/, used for every locale without its own folder.
	Default map[string][]Shot
	// Notes name what was read but skipped: folders that are no locale, under
	// metadata.FolderOptions.SkipUnknownLocales.
	Notes []metadata.Problem
}

// FrameProblems checks a poster frame time code (HH:MM:SS:FF, "" for none) against the
// previews of the layout: its form, and that each preview lasts past it.
func (l *Layout) FrameProblems(code string) []metadata.Problem {
	if code == "" {
		return nil
	}
	at, err := apple.ParsePreviewFrameTimeCode(code)
	if err != nil {
		return []metadata.Problem{{Path: "preview_frame_time_code", Message: err.Error()}}
	}
	var problems []metadata.Problem
	check := func(sets map[string][]Shot) {
		for _, typ := range slices.Sorted(maps.Keys(sets)) {
			for _, shot := range sets[typ] {
				if shot.Duration > 0 && at >= shot.Duration {
					problems = append(problems, metadata.Problem{Path: shot.Rel, Message: fmt.Sprintf(
						"the poster frame time code %s (%.2f s) is past the preview's end (%.2f s)", code, at.Seconds(), shot.Duration.Seconds())})
				}
			}
		}
	}
	check(l.Default)
	for _, locale := range slices.Sorted(maps.Keys(l.Locales)) {
		check(l.Locales[locale])
	}
	return problems
}

func (l *Layout) kind() *Kind {
	if l.Kind == nil {
		return Screenshots
	}
	return l.Kind
}

// LocaleNames returns the locales with a folder, sorted.
func (l *Layout) LocaleNames() []string {
	var names []string
	for n := range l.Locales {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// For returns the sets that apply to locale: its own folder, else default/.
func (l *Layout) For(locale string) (map[string][]Shot, bool) {
	if sets, ok := l.Locales[locale]; ok {
		return sets, true
	}
	if l.Default != nil {
		return l.Default, true
	}
	return nil, false
}

// Count returns the number of shots in the folder, default/ counted once.
func (l *Layout) Count() int {
	n := 0
	for _, sets := range l.Locales {
		for _, shots := range sets {
			n += len(shots)
		}
	}
	for _, shots := range l.Default {
		n += len(shots)
	}
	return n
}

// localeHint follows "unknown locale; " for a folder that names no locale.
const localeHint = "use one of Apple's locale codes such as en-US, de-DE, ja, or default"

// frameitFiles are what fastlane frameit keeps next to screenshots; they are not uploaded.
var frameitExt = []string{".strings", ".json"}

// Load scans dir and returns a *metadata.ValidationError listing every problem: unknown locale
// folders, files that are not screenshots, images whose size fits no display type, and sets
// with more than ten screenshots.
func Load(dir string) (*Layout, error) { return LoadWith(dir, metadata.FolderOptions{}) }

// LoadWith is Load with options.
func LoadWith(dir string, o metadata.FolderOptions) (*Layout, error) {
	l, problems, err := ScanWith(dir, o)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, &metadata.ValidationError{Dir: dir, Problems: problems}
	}
	return l, nil
}

// rootSkipped are folders of the screenshots root that hold no locale: frameit's fonts,
// supply's Android screenshots, and metadata folders when both layouts share a root.
var rootSkipped = map[string]bool{"fonts": true, "android": true, "review_information": true,
	"trade_representative_contact_information": true, "app_clip_review_information": true}

// expandable are deliver's special folders of the screenshots root, which hold locale folders
// of their own: iMessage/<locale>/ for iMessage screenshots, appleTV/<locale>/ for Apple TV.
var expandable = map[string]bool{"iMessage": true, "appleTV": true}

// isExpandable matches deliver's special folders in any letter case, as deliver does.
func isExpandable(name string) bool {
	for e := range expandable {
		if strings.EqualFold(e, name) {
			return true
		}
	}
	return false
}

// folderJob is one folder of screenshots: its path relative to the root, the locale it
// belongs to, and whether it holds iMessage screenshots.
type folderJob struct {
	rel, locale string
	iMessage    bool
}

// Scan reads the folder: pixel sizes, MD5s and order. Problems are collected, not failed on.
// A locale's screenshots come from <locale>/, and from deliver's iMessage/<locale>/ and
// appleTV/<locale>/ (and <locale>/iMessage/) when those exist.
func Scan(dir string) (*Layout, []metadata.Problem, error) {
	return ScanWith(dir, metadata.FolderOptions{})
}

// ScanWith is Scan with options.
func ScanWith(dir string, o metadata.FolderOptions) (*Layout, []metadata.Problem, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("read screenshots folder %s: it does not exist; pass deliver's screenshots folder with --dir", dir)
		}
		return nil, nil, fmt.Errorf("read screenshots folder %s: %w", dir, err)
	}
	l := &Layout{Dir: dir, Locales: map[string]map[string][]Shot{}}
	var problems []metadata.Problem
	var jobs []folderJob
	// canonical is the locale a folder holds, its name matched in any letter case as deliver
	// matches it (en-us holds en-US), "" for none.
	canonical := func(name string) string {
		if strings.EqualFold(name, metadata.DefaultLocale) {
			return metadata.DefaultLocale
		}
		l, _ := apple.LookupLocale(name)
		return l
	}
	unknown := func(rel string) {
		if p, skip := o.UnknownLocale(rel, localeHint); skip {
			l.Notes = append(l.Notes, p)
		} else {
			problems = append(problems, p)
		}
	}
	for _, e := range entries {
		name := e.Name()
		if !folder.IsDir(dir, e) || rootSkipped[strings.ToLower(name)] || folder.Hidden(name) {
			continue // Framefile.json and backgrounds belong to frameit
		}
		if isExpandable(name) {
			subs, err := os.ReadDir(filepath.Join(dir, name))
			if err != nil {
				problems = append(problems, metadata.Problem{Path: name, Message: err.Error()})
				continue
			}
			for _, se := range subs {
				sub := se.Name()
				if !folder.IsDir(filepath.Join(dir, name), se) || folder.Hidden(sub) {
					continue
				}
				locale := canonical(sub)
				if locale == "" {
					unknown(name + "/" + sub)
					continue
				}
				jobs = append(jobs, folderJob{name + "/" + sub, locale, strings.EqualFold(name, "iMessage")})
			}
			continue
		}
		locale := canonical(name)
		if locale == "" {
			unknown(name)
			continue
		}
		jobs = append(jobs, folderJob{name, locale, false})
		if st, err := os.Stat(filepath.Join(dir, name, "iMessage")); err == nil && st.IsDir() {
			jobs = append(jobs, folderJob{name + "/iMessage", name, true})
		}
	}
	// Hashing hundreds of megabytes is the slow part: one folder per CPU at a time.
	type scanned struct {
		sets     map[string][]Shot
		problems []metadata.Problem
	}
	results := make([]scanned, len(jobs))
	sem := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			sets, ps := scanFolder(dir, job)
			results[i] = scanned{sets, ps}
		}()
	}
	wg.Wait()
	merged := map[string]map[string][]Shot{}
	for i, job := range jobs {
		problems = append(problems, results[i].problems...)
		into := merged[job.locale]
		if into == nil {
			into = map[string][]Shot{}
			merged[job.locale] = into
		}
		for typ, shots := range results[i].sets {
			into[typ] = append(into[typ], shots...)
		}
	}
	locales := make([]string, 0, len(merged))
	for locale := range merged {
		locales = append(locales, locale)
	}
	slices.Sort(locales)
	for _, locale := range locales {
		sets := merged[locale]
		problems = append(problems, orderSets(locale, sets)...)
		if locale == metadata.DefaultLocale {
			l.Default = sets
		} else {
			l.Locales[locale] = sets
		}
	}
	return l, problems, nil
}

// orderSets sorts each set by a natural sort of the file names and reports sets over Apple's
// limit.
func orderSets(locale string, sets map[string][]Shot) []metadata.Problem {
	var problems []metadata.Problem
	types := make([]string, 0, len(sets))
	for t := range sets {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		shots := sets[t]
		slices.SortFunc(shots, func(a, b Shot) int { return NaturalCompare(a.Name, b.Name) })
		if len(shots) > apple.MaxScreenshotsPerSet {
			problems = append(problems, metadata.Problem{Path: locale,
				Message: fmt.Sprintf("%d screenshots for %s, Apple accepts at most %d per display type; remove %d", len(shots), t, apple.MaxScreenshotsPerSet, len(shots)-apple.MaxScreenshotsPerSet)})
		}
	}
	return problems
}

// scanFolder reads one folder's screenshots into sets by display type.
func scanFolder(dir string, job folderJob) (map[string][]Shot, []metadata.Problem) {
	sets := map[string][]Shot{}
	var problems []metadata.Problem
	rel := job.rel
	entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, []metadata.Problem{{Path: rel, Message: err.Error()}}
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		if folder.Hidden(name) {
			continue // .DS_Store, .gitkeep, macOS's ._ files: deliver's glob skips them too
		}
		if folder.IsDir(filepath.Join(dir, filepath.FromSlash(rel)), e) {
			if !job.iMessage && name == "iMessage" {
				continue // a folder job of its own
			}
			problems = append(problems, metadata.Problem{Path: rel + "/" + name, Message: "unexpected folder"})
			continue
		}
		ext := strings.ToLower(filepath.Ext(name))
		if slices.Contains(frameitExt, ext) {
			continue
		}
		if ext != ".png" && ext != ".jpg" && ext != ".jpeg" {
			problems = append(problems, metadata.Problem{Path: rel + "/" + name, Message: "not a screenshot; App Store screenshots are .png, .jpg or .jpeg"})
			continue
		}
		// deliver uploads the framed version of a screenshot when frameit made one.
		base := strings.TrimSuffix(name, filepath.Ext(name))
		if names[base+"_framed"+filepath.Ext(name)] {
			continue
		}
		shot, msg := readShot(dir, rel+"/"+name, job.iMessage)
		if msg != "" {
			problems = append(problems, metadata.Problem{Path: rel + "/" + name, Message: msg})
			continue
		}
		sets[shot.DisplayType] = append(sets[shot.DisplayType], shot)
	}
	return sets, problems
}

func readShot(dir, rel string, iMessage bool) (Shot, string) {
	var typ string
	shot, why := readImage(dir, rel, func(w, h int, name string) string {
		var ok bool
		if typ, ok = apple.ChooseDisplayType(w, h, name, iMessage); ok {
			return ""
		}
		where := "App Store"
		if iMessage {
			where = "iMessage"
		}
		near, _ := apple.NearestDisplayType(w, h, iMessage)
		return fmt.Sprintf("%dx%d pixels fits no %s display type; the nearest, %s (%s), takes %s",
			w, h, where, near.Name, near.Device, near.SizeList())
	})
	shot.DisplayType = typ
	return shot, why
}

// readImage reads an image of the folder: its pixel size, which fits says is wrong (a
// problem) or right (""), then its size in bytes and MD5. The problem is "" when it is fine.
func readImage(dir, rel string, fits func(w, h int, name string) string) (Shot, string) {
	path := filepath.Join(dir, filepath.FromSlash(rel))
	f, err := folder.Open(path)
	if err != nil {
		return Shot{}, err.Error()
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return Shot{}, "not a readable PNG or JPEG image: " + err.Error()
	}
	name := filepath.Base(path)
	if why := fits(cfg.Width, cfg.Height, name); why != "" {
		return Shot{}, why
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Shot{}, err.Error()
	}
	h := md5.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Shot{}, err.Error()
	}
	return Shot{Path: path, Rel: rel, Name: name, Size: n, MD5: hex.EncodeToString(h.Sum(nil)), Width: cfg.Width, Height: cfg.Height}, ""
}

// NaturalCompare orders file names as people do: digit runs by value ("2.png" before
// "10.png"), letters without regard to case, ties broken by the plain byte order.
func NaturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si := i
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			sj := j
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		la, lb := lower(ca), lower(cb)
		if la != lb {
			return cmpInt(int(la), int(lb))
		}
		i++
		j++
	}
	if c := cmpInt(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// LoadPreviews scans an app previews folder in deliver's layout, previews/<locale>/*.mp4|mov|m4v
// with the preview type in each file's name (IPHONE_67_walkthrough.mp4), or in ascend's,
// previews/<locale>/<PREVIEW_TYPE>/*.mp4; default/ as for screenshots; locale folders in any
// letter case. Each movie's headers are read and held to Apple's limits (15 to 30 seconds,
// 500 MB, the type's resolutions). Every problem comes back as a *metadata.ValidationError.
func LoadPreviews(dir string) (*Layout, error) {
	return LoadPreviewsWith(dir, metadata.FolderOptions{})
}

// LoadPreviewsWith is LoadPreviews with options.
func LoadPreviewsWith(dir string, o metadata.FolderOptions) (*Layout, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read previews folder %s: it does not exist; pass the previews folder with --previews", dir)
		}
		return nil, fmt.Errorf("read previews folder %s: %w", dir, err)
	}
	l := &Layout{Kind: Previews, Dir: dir, Locales: map[string]map[string][]Shot{}}
	var problems []metadata.Problem
	problem := func(rel, msg string) { problems = append(problems, metadata.Problem{Path: rel, Message: msg}) }
	for _, e := range entries {
		name := e.Name()
		if !folder.IsDir(dir, e) || folder.Hidden(name) {
			continue
		}
		locale := metadata.DefaultLocale
		if !strings.EqualFold(name, metadata.DefaultLocale) {
			var ok bool
			if locale, ok = apple.LookupLocale(name); !ok {
				if p, skip := o.UnknownLocale(name, localeHint); skip {
					l.Notes = append(l.Notes, p)
				} else {
					problems = append(problems, p)
				}
				continue
			}
		}
		sets := map[string][]Shot{}
		if old := l.Locales[locale]; old != nil {
			sets = old // en-US and en-us: one locale, as deliver reads them
		}
		children, err := os.ReadDir(filepath.Join(dir, name))
		if err != nil {
			problem(name, err.Error())
			continue
		}
		add := func(rel, typ string) {
			shot, msg := readPreview(dir, rel, typ)
			if msg != "" {
				problem(rel, msg)
				return
			}
			sets[typ] = append(sets[typ], shot)
		}
		for _, ce := range children {
			child := ce.Name()
			rel := name + "/" + child
			switch {
			case folder.Hidden(child):
			case folder.IsDir(filepath.Join(dir, name), ce):
				if !apple.IsPreviewType(child) {
					problem(rel, "expected a folder named after a preview type: "+strings.Join(apple.PreviewTypes(), ", "))
					continue
				}
				files, err := os.ReadDir(filepath.Join(dir, name, child))
				if err != nil {
					problem(rel, err.Error())
					continue
				}
				for _, f := range files {
					switch fn := f.Name(); {
					case folder.Hidden(fn):
					case folder.IsDir(filepath.Join(dir, name, child), f) || !isMovie(fn):
						problem(rel+"/"+fn, "not an app preview; previews are .mp4, .mov or .m4v")
					default:
						add(rel+"/"+fn, child)
					}
				}
			case !isMovie(child):
				problem(rel, "not an app preview; previews are .mp4, .mov or .m4v, in the locale folder or a folder named after a preview type")
			default:
				typ, ok := apple.PreviewTypeFromFileName(child)
				if !ok {
					problem(rel, "the name says no preview type; put one in it as deliver reads them (IPHONE_67_walkthrough.mp4), or move the file into a folder named after one: "+strings.Join(apple.PreviewTypes(), ", "))
					continue
				}
				add(rel, typ)
			}
		}
		types := make([]string, 0, len(sets))
		for typ := range sets {
			types = append(types, typ)
		}
		slices.Sort(types)
		for _, typ := range types {
			slices.SortFunc(sets[typ], func(a, b Shot) int { return NaturalCompare(a.Name, b.Name) })
			if n := len(sets[typ]); n > apple.MaxPreviewsPerSet {
				problem(name, fmt.Sprintf("%d previews for %s, Apple accepts at most %d per preview type; remove %d", n, typ, apple.MaxPreviewsPerSet, n-apple.MaxPreviewsPerSet))
			}
		}
		if locale == metadata.DefaultLocale {
			l.Default = sets
		} else {
			l.Locales[locale] = sets
		}
	}
	if len(problems) > 0 {
		return nil, &metadata.ValidationError{Dir: dir, Problems: problems}
	}
	return l, nil
}

func isMovie(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".mp4", ".mov", ".m4v":
		return true
	}
	return false
}

// readPreview hashes a preview and holds its headers to Apple's limits for typ.
func readPreview(dir, rel, typ string) (Shot, string) {
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if st, err := os.Stat(path); err == nil && st.Size() > apple.MaxPreviewBytes {
		return Shot{}, fmt.Sprintf("%d MB, Apple accepts previews of at most %d MB", st.Size()>>20, apple.MaxPreviewBytes>>20)
	}
	shot, err := hashFile(path)
	if err != nil {
		return Shot{}, err.Error()
	}
	shot.Rel, shot.DisplayType = rel, typ
	f, err := folder.Open(path)
	if err != nil {
		return Shot{}, err.Error()
	}
	defer f.Close()
	info, err := video.Probe(f, shot.Size)
	if err != nil {
		return Shot{}, err.Error()
	}
	shot.Width, shot.Height, shot.Duration = info.Width, info.Height, info.Duration
	if info.Duration < apple.MinPreviewDuration || info.Duration > apple.MaxPreviewDuration {
		return Shot{}, fmt.Sprintf("%.2f seconds long, Apple accepts previews of %d to %d seconds",
			info.Duration.Seconds(), int(apple.MinPreviewDuration.Seconds()), int(apple.MaxPreviewDuration.Seconds()))
	}
	if accepted := apple.PreviewSizes(typ); len(accepted) > 0 && !apple.AcceptsPreview(typ, info.Width, info.Height) {
		list := make([]string, len(accepted))
		for i, sz := range accepted {
			list[i] = sz.String()
		}
		return Shot{}, fmt.Sprintf("%dx%d pixels, Apple accepts %s previews of %s", info.Width, info.Height, typ, strings.Join(list, ", "))
	}
	return shot, ""
}

func hashFile(path string) (Shot, error) {
	f, err := folder.Open(path)
	if err != nil {
		return Shot{}, err
	}
	defer f.Close()
	h := md5.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Shot{}, err
	}
	return Shot{Path: path, Name: filepath.Base(path), Size: n, MD5: hex.EncodeToString(h.Sum(nil))}, nil
}
