package metadata

import (
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
)

// Values maps a layout file name (without ".txt") to its content. A missing key means the
// file is absent, so ascend leaves that field alone; an empty string clears it.
type Values map[string]string

// Metadata is the content of a deliver metadata folder.
type Metadata struct {
	Locales map[string]Values // metadata/<locale>/, without default/, by Apple's locale code
	Default Values            // metadata/default/
	App     Values            // metadata/*.txt
	Review  Values            // metadata/review_information/*.txt
	AppClip Values            // metadata/app_clip_review_information/*.txt
	// Folders maps a locale to its folder's name where the two differ in letter case (en-us
	// holds en-US, as deliver matches them), so a pull writes into the folder that is there.
	Folders map[string]string
	// Notes are what was read but not sent as written, each by its path: legacy names mapped
	// as deliver maps them, files App Store Connect's API has no place for, the Deliverfile's
	// values applied.
	Notes []Problem
	// inline maps a file's path (de-DE/keywords.txt) to where the Deliverfile gave its value
	// instead ("/project/fastlane/Deliverfile line 3 (keywords for de-DE)"), so a problem with
	// the value names the line.
	inline map[string]string
}

// pathOf is where rel's value came from: the Deliverfile's line that gave it, or rel with
// its locale's folder as the folder spells it (en-us/name.txt for en-US/name.txt).
func (m *Metadata) pathOf(rel string) string {
	if m == nil {
		return rel
	}
	if w, ok := m.inline[rel]; ok {
		return w
	}
	if locale, rest, ok := strings.Cut(rel, "/"); ok {
		if f, ok := m.Folders[locale]; ok {
			return f + "/" + rest
		}
	}
	return rel
}

// New returns empty metadata, ready to fill.
func New() *Metadata {
	return &Metadata{Locales: map[string]Values{}, Default: Values{}, App: Values{}, Review: Values{}, AppClip: Values{}, Folders: map[string]string{}}
}

// folder is the name of locale's folder.
func (m *Metadata) folder(locale string) string {
	if m == nil {
		return locale
	}
	if f, ok := m.Folders[locale]; ok {
		return f
	}
	return locale
}

func (m *Metadata) notef(path, format string, args ...any) {
	m.Notes = append(m.Notes, Problem{path, fmt.Sprintf(format, args...)})
}

// LocaleNames returns the locales that have a folder, sorted.
func (m *Metadata) LocaleNames() []string {
	names := make([]string, 0, len(m.Locales))
	for l := range m.Locales {
		names = append(names, l)
	}
	slices.Sort(names)
	return names
}

// Effective returns the values that apply to locale: its own files, completed by default/.
func (m *Metadata) Effective(locale string) Values {
	v := Values{}
	for k, s := range m.Default {
		v[k] = s
	}
	for k, s := range m.Locales[locale] {
		v[k] = s
	}
	return v
}

// Problem is one thing wrong with a layout, located by its path relative to the folder.
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidationError lists every problem found before anything was written.
type ValidationError struct {
	Dir      string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	summary, lines := e.ProblemList()
	return summary + ": " + strings.Join(lines, "; ")
}

// ProblemList is the summary and the problems one by one, for a front end that prints one
// problem a line (the CLI's cli.ProblemLister).
func (e *ValidationError) ProblemList() (string, []string) {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	noun, them := "problems", "them"
	if len(e.Problems) == 1 {
		noun, them = "problem", "it"
	}
	return fmt.Sprintf("%s has %d %s, nothing was written; fix %s and run again", e.Dir, len(e.Problems), noun, them), lines
}

// FolderOptions tune how a deliver folder (metadata, screenshots, previews) is read.
type FolderOptions struct {
	// SkipUnknownLocales skips a folder that names no locale Apple knows, with a note naming
	// it, instead of refusing it: deliver's ignore_language_directory_validation.
	SkipUnknownLocales bool
	// Inline are the values a Deliverfile gives itself (fastlane.Config.Inline), each Where
	// the Deliverfile's absolute path and line, or the variable that gave it
	// ($DELIVER_COPYRIGHT): merged into the folder's metadata as deliver's
	// loader merges them, and checked as its files are.
	Inline []fastlane.InlineValue
	// AppClipMetadataDir is deliver's app_clip_default_experience_metadata_path ("": none),
	// absolute: a folder of its own holding app_clip_default_experience_action.txt and
	// <locale>/app_clip_default_experience_subtitle.txt (default/ too). Its files win over the
	// metadata folder's, and the Deliverfile's values over both, as deliver ranks them.
	AppClipMetadataDir string
}

// FolderOptionsOf are the options a fastlane project sets (nil: none).
func FolderOptionsOf(c *fastlane.Config) FolderOptions {
	if c == nil {
		return FolderOptions{}
	}
	o := FolderOptions{SkipUnknownLocales: c.Flags["ignore_language_directory_validation"], AppClipMetadataDir: c.AppClipDefaultExperienceMetadataPath}
	for _, v := range c.Inline {
		if !strings.HasPrefix(v.Where, "$") { // a variable ($DELIVER_COPYRIGHT) is named as it is
			v.Where = filepath.Join(c.Dir, v.Where) // "Deliverfile line 3" -> /project/fastlane/Deliverfile line 3
		}
		o.Inline = append(o.Inline, v)
	}
	return o
}

// UnknownLocale is a folder that names no locale Apple knows: a problem, or with
// SkipUnknownLocales a note (skip true) saying it is skipped. hint follows "unknown locale; ".
func (o FolderOptions) UnknownLocale(rel, hint string) (p Problem, skip bool) {
	if o.SkipUnknownLocales {
		return Problem{rel, "not a locale Apple knows; skipped (ignore_language_directory_validation)"}, true
	}
	return Problem{rel, "unknown locale; " + hint}, false
}

// Load reads the folder and validates it; any problem is returned as a *ValidationError that
// lists all of them.
func Load(dir string) (*Metadata, error) { return LoadWith(dir, FolderOptions{}) }

// LoadWith is Load with options.
func LoadWith(dir string, o FolderOptions) (*Metadata, error) {
	m, problems, err := ReadWith(dir, o)
	if err != nil {
		return nil, err
	}
	problems = append(problems, Validate(m)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Dir: dir, Problems: problems}
	}
	return m, nil
}

// Read reads a deliver metadata folder. Layout problems (unknown folders or files, text that
// is not UTF-8) are returned, not failed on, so that a caller can report all of them at once.
func Read(dir string) (*Metadata, []Problem, error) { return ReadWith(dir, FolderOptions{}) }

// ReadWith is Read with options.
func ReadWith(dir string, o FolderOptions) (*Metadata, []Problem, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) && (len(o.Inline) > 0 || o.AppClipMetadataDir != "") {
		// A Deliverfile that gives the metadata itself needs no folder, as in deliver.
		entries, err = nil, nil
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("read metadata folder %s: it does not exist; pass the deliver metadata folder with --dir", dir)
		}
		return nil, nil, fmt.Errorf("read metadata folder %s: %w", dir, err)
	}
	m := New()
	var problems []Problem
	for _, e := range entries {
		name := e.Name()
		isDir := folder.IsDir(dir, e)
		locale, isLocale := apple.LookupLocale(name)
		switch {
		case ignoredEntries[name] || folder.Hidden(name):
		case notSent[name] != "":
			m.notef(name, "%s", notSent[name])
		case name == AppClipSubtitleFile+".txt" && !isDir:
			// deliver reads the subtitle per locale only, so it leaves this one alone too.
			m.notef(name, "not sent: the App Clip card's subtitle is per locale; move it into a locale folder, or default/ for every locale")
		case isDir && name == "review_information":
			problems = append(problems, readReview(dir, name, m)...)
		case isDir && name == AppClipDir:
			problems = append(problems, readValues(dir, name, AppClipFields, m.AppClip, m)...)
			if v, ok := m.AppClip["invocation_urls"]; ok {
				m.AppClip["invocation_urls"] = JoinURLs(SplitURLs(v))
			}
		case isDir && strings.EqualFold(name, DefaultLocale):
			problems = append(problems, readValues(dir, name, LocaleFields, m.Default, m)...)
		case isDir && isLocale:
			if other, twice := m.Folders[locale]; twice || m.Locales[locale] != nil {
				if !twice {
					other = locale
				}
				problems = append(problems, Problem{name, fmt.Sprintf("%s and %s are both folders of %s; keep one", other, name, locale)})
				continue
			}
			v := Values{}
			problems = append(problems, readValues(dir, name, LocaleFields, v, m)...)
			m.Locales[locale] = v
			if name != locale {
				m.Folders[locale] = name
			}
		case isDir:
			if p, skip := o.UnknownLocale(name, "use one of Apple's locale codes ("+nearLocale(name)+") or default"); skip {
				m.Notes = append(m.Notes, p)
			} else {
				problems = append(problems, p)
			}
		default:
			if p := readFile(dir, "", name, AppFields, m.App); p != nil {
				problems = append(problems, *p)
			}
		}
	}
	problems = append(problems, m.readAppClipFolder(o)...)
	problems = append(problems, m.applyInline(o)...)
	mapLegacyCategories(m)
	return m, problems, nil
}

// mapLegacyCategories replaces iTunes Connect's category names (MZGenre.Business) with App
// Store Connect's ids, as deliver does, and notes each.
func mapLegacyCategories(m *Metadata) {
	for _, spec := range AppFields {
		v, ok := m.App[spec.File]
		if spec.Kind != Category || !ok || v == "" {
			continue
		}
		if id, legacy := apple.LegacyCategory(v, strings.Contains(spec.File, "_sub_")); legacy {
			m.App[spec.File] = id
			m.notef(m.pathOf(spec.File+".txt"), "%q is iTunes Connect's legacy name; pushed as %s, as deliver does (write %s to drop this note)", v, id, id)
		}
	}
}

// readReview reads review_information/, taking deliver's legacy file names
// (review_first_name.txt) for the current ones with a note.
func readReview(dir, sub string, m *Metadata) []Problem {
	read := Values{}
	problems := readValues(dir, sub, slices.Concat(ReviewFields, legacyReviewFields), read, m)
	for k, v := range read {
		current, legacy := legacyReviewName[k]
		switch {
		case !legacy:
			m.Review[k] = v
		case hasKey(read, current):
			m.notef(sub+"/"+k+".txt", "deliver's legacy name for %s.txt, which is there too and wins", current)
		default:
			m.Review[current] = v
			m.notef(sub+"/"+k+".txt", "deliver's legacy name; read as %s.txt (rename it to drop this note)", current)
		}
	}
	return problems
}

func hasKey(v Values, k string) bool { _, ok := v[k]; return ok }

func readValues(dir, sub string, specs []FieldSpec, into Values, m *Metadata) []Problem {
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if err != nil {
		return []Problem{{sub, err.Error()}}
	}
	var problems []Problem
	for _, e := range entries {
		if ignoredEntries[e.Name()] || folder.Hidden(e.Name()) {
			continue
		}
		if msg := notSent[e.Name()]; msg != "" {
			m.notef(sub+"/"+e.Name(), "%s", msg)
			continue
		}
		if folder.IsDir(filepath.Join(dir, sub), e) {
			problems = append(problems, Problem{sub + "/" + e.Name(), "unexpected folder"})
			continue
		}
		if p := readFile(dir, sub, e.Name(), specs, into); p != nil {
			problems = append(problems, *p)
		}
	}
	return problems
}

func readFile(dir, sub, name string, specs []FieldSpec, into Values) *Problem {
	rel := name
	if sub != "" {
		rel = sub + "/" + name
	}
	field, ok := strings.CutSuffix(name, ".txt")
	if !ok {
		return &Problem{rel, "unknown file; metadata files end in .txt"}
	}
	if _, known := specFor(specs, field); !known {
		return &Problem{rel, "unknown file; expected one of " + fileList(specs)}
	}
	b, err := folder.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)), folder.MaxText)
	if err != nil {
		return &Problem{rel, err.Error()}
	}
	if !utf8.Valid(b) {
		return &Problem{rel, "not UTF-8 text; save it as UTF-8"}
	}
	into[field] = normalize(string(b))
	return nil
}

// SplitURLs reads a list of URLs as deliver's invocation_urls.txt holds them: separated by
// commas or lines.
func SplitURLs(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// JoinURLs writes a list of URLs as deliver writes them: "a, b".
func JoinURLs(urls []string) string { return strings.Join(urls, ", ") }

// normalize makes file content and Apple's values comparable, so that text that differs only
// in how an editor saved it is no change: a byte order mark goes, Windows and old Mac line
// endings become "\n", accents are composed (Unicode NFC, as macOS input often decomposes
// them; Apple counts the composed characters), and surrounding white space goes, as deliver
// strips it. Byte order marks go wherever they are among that white space (one saved over
// another, one after a blank line), so that normalize(normalize(s)) == normalize(s): else
// the value pushed would read back as another and every push would write it again.
func normalize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = norm.NFC.String(s)
	return strings.TrimFunc(s, func(r rune) bool { return r == '\ufeff' || unicode.IsSpace(r) })
}

func fileList(specs []FieldSpec) string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.File + ".txt"
	}
	return strings.Join(names, ", ")
}

// nearLocale suggests the Apple locale closest to a folder name ("de" -> "de-DE").
func nearLocale(name string) string {
	lower := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	locales := apple.Locales()
	for _, l := range locales {
		if strings.ToLower(l) == lower {
			return "did you mean " + l
		}
	}
	lang, _, _ := strings.Cut(lower, "-")
	var near []string
	for _, l := range locales {
		if ll, _, _ := strings.Cut(strings.ToLower(l), "-"); ll == lang {
			near = append(near, l)
		}
	}
	if len(near) > 0 {
		return "did you mean " + strings.Join(near, " or ")
	}
	return "en-US, de-DE, ja, ..."
}

// Validate checks every value against Apple's limits and syntax.
func Validate(m *Metadata) []Problem {
	var problems []Problem
	check := func(rel string, specs []FieldSpec, v Values) {
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			spec, ok := specFor(specs, k)
			if !ok {
				problems = append(problems, Problem{rel + k + ".txt", "unknown field"})
				continue
			}
			if msg := checkValue(spec, v[k]); msg != "" {
				problems = append(problems, Problem{m.pathOf(rel + k + ".txt"), msg})
			}
		}
	}
	check("", AppFields, m.App)
	check("review_information/", ReviewFields, m.Review)
	check(AppClipDir+"/", AppClipFields, m.AppClip)
	check(DefaultLocale+"/", LocaleFields, m.Default)
	for _, l := range m.LocaleNames() {
		if !apple.IsLocale(l) {
			problems = append(problems, Problem{l, "unknown locale; " + nearLocale(l)})
			continue
		}
		check(l+"/", LocaleFields, m.Locales[l])
	}
	return problems
}

func checkValue(spec FieldSpec, s string) string {
	// s is normalized (NFC), as apple.Length needs.
	if n := apple.Length(s); spec.MaxChars > 0 && n > spec.MaxChars {
		return fmt.Sprintf("%d characters, Apple allows at most %d", n, spec.MaxChars)
	}
	if s == "" {
		return ""
	}
	switch spec.Kind {
	case URL:
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \n\t") {
			return fmt.Sprintf("%q is not an http or https URL", s)
		}
	case Email:
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
			return fmt.Sprintf("%q is not an email address", s)
		}
	case URLList:
		for _, u := range SplitURLs(s) {
			if msg := checkValue(FieldSpec{Kind: URL}, u); msg != "" {
				return msg
			}
		}
	case AppClipAction:
		if !apple.IsAppClipAction(s) {
			return fmt.Sprintf("%q is not an App Clip action: use one of %s", s, strings.Join(apple.AppClipActions(), ", "))
		}
	case Category:
		for _, r := range s {
			if (r < 'A' || r > 'Z') && r != '_' && (r < '0' || r > '9') {
				return fmt.Sprintf("%q is not an App Store category id such as GAMES or PRODUCTIVITY", s)
			}
		}
	default:
		if strings.ContainsRune(s, 0) {
			return "contains a NUL character"
		}
	}
	return ""
}

// Write writes m into dir in deliver's layout. A file whose content already equals the value
// is left untouched, and a locale value that equals the one in dir's default/ folder is not
// written into the locale's folder, so pulling into a deliver folder changes only what differs.
// A folder that is a symbolic link (en-GB -> en-US) is never written through: that would
// overwrite the other locale's files; a diff then shows where the two differ.
// It returns the paths it wrote, relative to dir.
func Write(dir string, m *Metadata) ([]string, error) {
	existing := New()
	if _, err := os.Stat(dir); err == nil {
		existing, _, err = Read(dir)
		if err != nil {
			return nil, err
		}
	}
	var written []string
	put := func(rel, value string) error {
		if sub, _, ok := strings.Cut(rel, "/"); ok && folder.IsLink(filepath.Join(dir, sub)) {
			return nil
		}
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if b, err := folder.ReadFile(path, folder.MaxText); err == nil && normalize(string(b)) == value {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		content := value
		if content != "" {
			content += "\n" // as deliver's download_metadata writes, and editors save
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		written = append(written, rel)
		return nil
	}
	putAll := func(prefix string, specs []FieldSpec, v Values, skip func(field, value string) bool) error {
		for _, spec := range specs {
			value, ok := v[spec.File]
			if !ok || (skip != nil && skip(spec.File, value)) {
				continue
			}
			if err := put(prefix+spec.File+".txt", value); err != nil {
				return err
			}
		}
		return nil
	}
	if err := putAll("", AppFields, m.App, nil); err != nil {
		return written, err
	}
	if len(m.Review) > 0 {
		if err := putAll("review_information/", ReviewFields, m.Review, nil); err != nil {
			return written, err
		}
	}
	if m.AppClip["invocation_urls"] != "" { // no folder for an App Clip without its URLs
		if err := putAll(AppClipDir+"/", AppClipFields, m.AppClip, nil); err != nil {
			return written, err
		}
	}
	if err := putAll(DefaultLocale+"/", LocaleFields, m.Default, nil); err != nil {
		return written, err
	}
	for _, l := range m.LocaleNames() {
		own := existing.Locales[l]
		skip := func(field, value string) bool {
			_, hasOwn := own[field]
			d, hasDefault := existing.Default[field]
			return !hasOwn && hasDefault && d == value
		}
		name := existing.folder(l)
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			return written, fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
		}
		if err := putAll(name+"/", LocaleFields, m.Locales[l], skip); err != nil {
			return written, err
		}
	}
	return written, nil
}
