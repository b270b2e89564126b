// Package fastlane reads a fastlane folder's Appfile and Deliverfile: the app, the metadata
// and screenshots folders and the options that shape a metadata or screenshot sync, the
// metadata values a Deliverfile gives itself (Config.Inline, merged over the metadata folder
// by workflow/metadata), and the submission options the release command applies. The files
// are Ruby; this package reads the option lines they are made of (strings, symbols, booleans,
// arrays, hashes, ENV["X"] || "d") and reports every line it does not apply by name, never
// dropping one silently.
package fastlane

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is what a fastlane folder says.
type Config struct {
	// Root is the project folder (the parent of fastlane/); relative paths are resolved
	// against it, as fastlane runs from there.
	Root string
	// Dir is the fastlane/ folder.
	Dir string

	// AppIdentifier is the bundle id used; AppIdentifierFrom says where it came from
	// ("Appfile line 1", with the ENV alternative taken or the array entry chosen).
	AppIdentifier     string
	AppIdentifierFrom string
	// AppID is deliver's `app` option, the app's Apple id, when given.
	AppID string

	MetadataPath    string // absolute; deliver's default fastlane/metadata
	ScreenshotsPath string // absolute; deliver's default fastlane/screenshots
	// AppPreviewsPath is deliver's app_previews_path, absolute; "" when not given (deliver
	// uploads no previews without it).
	AppPreviewsPath string
	// IPA and PKG are deliver's ipa and pkg, the build archive deliver uploads (absolute;
	// "" when not given). skip_binary_upload is in Skip.
	IPA, PKG string
	// AppClipHeaderImagesPath is deliver's app_clip_header_images_path (the App Clip card's
	// header images, <locale>/ and default/), absolute; "" when not given.
	AppClipHeaderImagesPath string
	// AppClipDefaultExperienceMetadataPath is deliver's
	// app_clip_default_experience_metadata_path (the card's action and subtitles, a folder of
	// their own), absolute; "" when not given.
	AppClipDefaultExperienceMetadataPath string
	// AppRatingConfigPath is deliver's app_rating_config_path (the age rating answers, an
	// app_rating_config.json), absolute; "" when not given.
	AppRatingConfigPath string
	// ScreenshotProcessingTimeout is deliver's screenshot_processing_timeout, how long the
	// screenshots uploaded are awaited (deliver's --timeout when that is not given); 0 when
	// not given.
	ScreenshotProcessingTimeout time.Duration
	// PreviewFrameTimeCode is deliver's preview_frame_time_code, the poster frame of every
	// app preview uploaded (HH:MM:SS:FF), as written; "" when not given.
	PreviewFrameTimeCode string
	Platform             string // deliver's name: ios, osx, appletvos, xros ("" when not given)
	Languages            []string
	EditLive             *bool
	UseLiveVersion       *bool
	// Skip holds the skip_* options given (skip_metadata, skip_screenshots, ...).
	Skip map[string]bool
	// Flags holds the other boolean options for metadata and screenshots that were given:
	// overwrite_screenshots, sync_screenshots, overwrite_preview_videos,
	// ignore_language_directory_validation, force, and deliver's verify_only and
	// reject_if_possible.
	Flags map[string]bool

	// Files are the files read ("Appfile", "Deliverfile"), in that order.
	Files []string
	// Where says where each applied option came from: "Deliverfile line 3", or the
	// environment variable (DELIVER_METADATA_PATH) that outranked the file.
	Where map[string]string

	Submission Submission

	// Inline are the metadata values the Deliverfile gives itself (release_notes({...}),
	// copyright "...", app_review_information(...)), in the file's order; a later statement
	// of an option replaces an earlier one. metadata.FolderOptionsOf carries them to the
	// folder's loader, where they win over the folder's files and are checked alike.
	Inline []InlineValue

	// Notes are lines read but not applied, and lines that could not be read, each naming
	// the option and its file and line. Nothing is dropped without a note.
	Notes []string
}

// Submission is the Deliverfile's submission options, kept for the release command.
type Submission struct {
	AppVersion       string
	BuildNumber      string
	SubmitForReview  *bool
	AutomaticRelease *bool
	AutoReleaseDate  string // as written: milliseconds since 1970, or a date
	PhasedRelease    *bool
	ResetRatings     *bool
	// Information is submission_information's hash, keys and values as written.
	Information map[string]string
}

// InlineValue is one metadata value a Deliverfile gives itself instead of a file of the
// metadata folder.
type InlineValue struct {
	Option string // deliver's option: release_notes, copyright, app_review_information, ...
	// Language is a localized option's hash key as written ("default", "de-DE"); "" for the
	// others.
	Language string
	// Key is app_review_information's hash key as written (first_name, demo_user); "" for
	// the others.
	Key   string
	Text  string
	Where string // "Deliverfile line 3", the file relative to Config.Dir
}

// appfileKeys are the Appfile options that name an account or team: read, not needed by
// a sync (the API key names the team), and noted as such.
var appfileKeys = map[string]bool{
	"apple_id": true, "team_id": true, "team_name": true, "itc_team_id": true, "itc_team_name": true,
	"apple_dev_portal_id": true, "itunes_connect_id": true, "json_key_file": true, "json_key_data_raw": true,
	"package_name": true, "issuer": true, "secret_path": true,
}

// localizedMetadata are deliver's options that give a metadata file's value per language in
// the Deliverfile ({"default" => "...", "de-DE" => "..."}), and appMetadata the ones that give
// a top-level file's value.
var (
	localizedMetadata = map[string]bool{
		"name": true, "subtitle": true, "description": true, "keywords": true, "release_notes": true,
		"promotional_text": true, "privacy_url": true, "apple_tv_privacy_policy": true, "support_url": true,
		"marketing_url": true, "app_clip_default_experience_subtitle": true,
	}
	appMetadata = map[string]bool{
		"copyright": true, "primary_category": true, "secondary_category": true,
		"primary_first_sub_category": true, "primary_second_sub_category": true, "secondary_first_sub_category": true,
		"secondary_second_sub_category": true, "app_clip_default_experience_action": true,
	}
)

// Find returns the fastlane folder for dir: dir/fastlane when it exists, or dir itself when
// it is named fastlane; "" when neither.
func Find(dir string) string {
	if st, err := os.Stat(filepath.Join(dir, "fastlane")); err == nil && st.IsDir() {
		return filepath.Join(dir, "fastlane")
	}
	if filepath.Base(filepath.Clean(dir)) == "fastlane" {
		return dir
	}
	return ""
}

// Load reads dir's Appfile and Deliverfile (either may be absent); env looks variables up
// (os.LookupEnv). A line that cannot be read is a note, not an error: an error means a file
// could not be read at all.
func Load(dir string, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Config{Dir: abs, Root: filepath.Dir(abs), Skip: map[string]bool{}, Flags: map[string]bool{}, Where: map[string]string{}}
	c.MetadataPath = filepath.Join(abs, "metadata")
	c.ScreenshotsPath = filepath.Join(abs, "screenshots")
	for _, name := range []string{"Appfile", "Deliverfile"} {
		data, err := os.ReadFile(filepath.Join(abs, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %v", filepath.Join(abs, name), err)
		}
		c.Files = append(c.Files, name)
		for _, st := range c.statements(name, string(data)) {
			c.apply(name, st, lookup(env))
		}
	}
	return c, nil
}

// statements splits a file into option statements, joining the lines of a value that spans
// several (an open bracket, a trailing comma or ||). Lines that cannot be parsed become notes.
func (c *Config) statements(file, text string) []statement {
	return readStatements(file, text, c.notef, func(line int, name string, err error) {
		if errors.Is(err, errInterpolation) {
			c.notef("%s line %d is not read: %v; %s is not applied (write the text itself; the metadata folder's file, if any, is used instead)", file, line, err, name)
			return
		}
		c.notef("%s line %d is not read: %v", file, line, err)
	})
}

// readStatements is statements for any of fastlane's option files (Deliverfile, Pilotfile,
// Appfile): note receives what is read and not applied (a lane's block), unread what could
// not be read at all (a deliver project notes it; pilot refuses it).
func readStatements(file, text string, note func(format string, args ...any), unread func(line int, name string, err error)) []statement {
	var out []statement
	lines := strings.Split(text, "\n")
	depth := 0 // open blocks (for_lane :x do ... end)
	for i := 0; i < len(lines); i++ {
		start := i
		// Comments go first, line by line: a comment ending in a comma or an open bracket
		// does not continue the statement, and one inside a value spanning lines does not
		// hide the lines after it.
		cur := stripComment(lines[i])
		for i+1 < len(lines) && continues(cur) {
			i++
			cur += " " + stripComment(lines[i])
		}
		if cur == "" {
			continue
		}
		if cur == "end" {
			if depth > 0 {
				depth--
			}
			continue
		}
		st, err := parseStatement(start+1, cur)
		if err != nil {
			name, _, _ := strings.Cut(cur, " ")
			name, _, _ = strings.Cut(name, "(")
			unread(start+1, name, err)
			continue
		}
		if st.block != "" {
			depth++
			note("%s line %d: the %s block is not read; its options apply only to that lane or platform in fastlane, so ascend uses the file's top-level options", file, start+1, st.name)
			// Skip the block's lines, noting each option by name.
			for i+1 < len(lines) && depth > 0 {
				i++
				l := stripComment(lines[i])
				switch {
				case l == "end":
					depth--
				case strings.HasSuffix(l, " do") || strings.Contains(l, " do |"):
					depth++
				case l != "":
					name, _, _ := strings.Cut(strings.TrimLeft(l, " "), " ")
					name, _, _ = strings.Cut(name, "(")
					note("%s line %d: %s is inside the %s block and is not applied", file, i+1, name, st.name)
				}
			}
			continue
		}
		out = append(out, st)
	}
	return out
}

// stripComment is line without its comment (a # outside quotes to the end), trimmed.
func stripComment(line string) string {
	end := len(line)
	outsideQuotes(line, func(i int) bool {
		if line[i] == '#' {
			end = i
			return false
		}
		return true
	})
	return strings.TrimSpace(line[:end])
}

// continues reports whether a statement's text goes on to the next line.
func continues(s string) bool {
	if strings.HasSuffix(s, ",") || strings.HasSuffix(s, "||") || strings.HasSuffix(s, "(") {
		return true
	}
	open := 0
	outsideQuotes(s, func(i int) bool {
		switch s[i] {
		case '#':
			return false
		case '[', '{', '(':
			open++
		case ']', '}', ')':
			open--
		}
		return true
	})
	return open > 0
}

// outsideQuotes calls visit with the index of each byte of s outside a quoted string (the
// quotes are inside), until visit returns false.
func outsideQuotes(s string, visit func(i int) bool) {
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inStr != 0:
			if ch == '\\' {
				i++
			} else if ch == inStr {
				inStr = 0
			}
		case ch == '"' || ch == '\'':
			inStr = ch
		case !visit(i):
			return
		}
	}
}

// replaceInline drops the values an earlier statement of option gave, as a later one
// replaces them, and notes it.
func (c *Config) replaceInline(where, option string) {
	kept := c.Inline[:0]
	var before string
	for _, v := range c.Inline {
		if v.Option == option {
			before = v.Where
			continue
		}
		kept = append(kept, v)
	}
	c.Inline = kept
	switch {
	case before != "" && strings.HasPrefix(where, "$"):
		c.notef("%s outranks %s's %s, as in fastlane", where, before, option)
	case before != "":
		c.notef("%s: %s is given again; this statement replaces the one at %s", where, option, before)
	}
}

func (c *Config) notef(format string, args ...any) {
	c.Notes = append(c.Notes, fmt.Sprintf(format, args...))
}

// apply records one statement.
func (c *Config) apply(file string, st statement, env lookup) {
	where := fmt.Sprintf("%s line %d", file, st.line)
	if len(st.args) != 1 {
		c.notef("%s: %s takes one value, it has %d; not applied", where, st.name, len(st.args))
		return
	}
	v, how := st.args[0].eval(env)
	v = v.resolve(env)
	if how != "" {
		how = " (" + how + ")"
	}
	c.applyValue(file, where, st.name, v, how)
}

// applyValue records option name's value v, read at where (a file's line or a variable).
func (c *Config) applyValue(file, where, name string, v value, how string) {
	str := func() (string, bool) {
		s, ok := v.asString()
		if !ok {
			c.notef("%s: %s must be a string, it is %s; not applied", where, name, v)
		}
		return s, ok
	}
	boolean := func() (*bool, bool) {
		b, ok := v.asBool()
		if !ok {
			c.notef("%s: %s must be true or false, it is %s; not applied", where, name, v)
			return nil, false
		}
		return &b, true
	}
	path := func() (string, bool) {
		s, ok := str()
		if !ok {
			return "", false
		}
		if !filepath.IsAbs(s) {
			s = filepath.Join(c.Root, s)
		}
		return filepath.Clean(s), true
	}
	if c.Where != nil {
		c.Where[name] = where
	}
	switch {
	case name == "app_identifier":
		if list, ok := v.asStrings(); ok && v.kind == kindArray {
			if len(list) == 0 {
				c.notef("%s: app_identifier is an empty list; not applied", where)
				return
			}
			c.AppIdentifier = list[0]
			c.AppIdentifierFrom = fmt.Sprintf("%s, the first of %d identifiers (%s)%s", where, len(list), strings.Join(list, ", "), how)
			return
		}
		if s, ok := str(); ok {
			c.AppIdentifier, c.AppIdentifierFrom = s, where+how
		}
	case name == "app":
		if s, ok := str(); ok {
			c.AppID = s
		}
	case name == "metadata_path":
		if s, ok := path(); ok {
			c.MetadataPath = s
		}
	case name == "screenshots_path":
		if s, ok := path(); ok {
			c.ScreenshotsPath = s
		}
	case name == "ipa":
		if s, ok := path(); ok {
			c.IPA = s
		}
	case name == "pkg":
		if s, ok := path(); ok {
			c.PKG = s
		}
	case name == "platform":
		if s, ok := str(); ok {
			c.Platform = s
		}
	case name == "languages":
		if list, ok := v.asStrings(); ok {
			c.Languages = list
		} else {
			c.notef("%s: languages must be a list of locales, it is %s; not applied", where, v)
		}
	case name == "edit_live":
		c.EditLive, _ = boolean()
	case name == "use_live_version":
		c.UseLiveVersion, _ = boolean()
	case notApplicable(name) != "":
		c.notef("%s: %s is not applied: %s", where, name, notApplicable(name))
	case strings.HasPrefix(name, "skip_"):
		if b, ok := boolean(); ok {
			c.Skip[name] = *b
		}
	case name == "app_previews_path":
		if s, ok := path(); ok {
			c.AppPreviewsPath = s
		}
	case name == "app_rating_config_path":
		if s, ok := path(); ok {
			c.AppRatingConfigPath = s
		}
	case name == "overwrite_screenshots", name == "sync_screenshots", name == "overwrite_preview_videos", name == "ignore_language_directory_validation", name == "force", name == "verify_only", name == "reject_if_possible":
		if b, ok := boolean(); ok {
			c.Flags[name] = *b // ignore_language_directory_validation: metadata.FolderOptionsOf
		}
	case name == "app_version":
		if s, ok := str(); ok {
			c.Submission.AppVersion = s
		}
	case name == "build_number":
		if s, ok := str(); ok {
			c.Submission.BuildNumber = s
		}
	case name == "submit_for_review":
		c.Submission.SubmitForReview, _ = boolean()
	case name == "automatic_release":
		c.Submission.AutomaticRelease, _ = boolean()
	case name == "phased_release":
		c.Submission.PhasedRelease, _ = boolean()
	case name == "reset_ratings":
		c.Submission.ResetRatings, _ = boolean()
	case name == "auto_release_date":
		if s, ok := str(); ok {
			c.Submission.AutoReleaseDate = s
		}
	case name == "submission_information":
		if v.kind != kindHash {
			c.notef("%s: submission_information must be a hash, it is %s; not applied", where, v)
			return
		}
		c.Submission.Information = map[string]string{}
		for _, p := range v.pairs {
			if s, ok := p.val.asString(); ok {
				c.Submission.Information[p.key] = s
			} else {
				c.Submission.Information[p.key] = p.val.String()
			}
		}
	case name == "screenshot_processing_timeout":
		n, err := strconv.Atoi(v.text)
		if v.kind != kindNumber || err != nil || n <= 0 {
			c.notef("%s: screenshot_processing_timeout must be a number of seconds above 0, it is %s; not applied", where, v)
			return
		}
		c.ScreenshotProcessingTimeout = time.Duration(n) * time.Second
	case name == "preview_frame_time_code":
		if s, ok := str(); ok {
			c.PreviewFrameTimeCode = s // checked (apple.ParsePreviewFrameTimeCode) by the sync before any write
		}
	case name == "app_clip_header_images_path":
		if s, ok := path(); ok {
			c.AppClipHeaderImagesPath = s
		}
	case name == "app_clip_default_experience_metadata_path":
		if s, ok := path(); ok {
			c.AppClipDefaultExperienceMetadataPath = s
		}
	case file == "Appfile" && appfileKeys[name]:
		c.notef("%s: %s names an account or team; ascend uses the API key's team, so it is not applied", where, name)
	case localizedMetadata[name]:
		if v.kind != kindHash {
			c.notef(`%s: %s must be a hash of language => text ({"default" => "...", "de-DE" => "..."}), as deliver reads it; it is %s; not applied`, where, name, v)
			return
		}
		c.replaceInline(where, name)
		for _, p := range v.pairs {
			if s, ok := p.val.asString(); ok {
				c.Inline = append(c.Inline, InlineValue{Option: name, Language: p.key, Text: s, Where: where})
			} else {
				c.notef("%s: %s for %s must be text, it is %s; not applied", where, name, keyText(p.key), p.val)
			}
		}
	case appMetadata[name]:
		if s, ok := str(); ok {
			c.replaceInline(where, name)
			c.Inline = append(c.Inline, InlineValue{Option: name, Text: s, Where: where})
		}
	case name == "app_review_information":
		if v.kind != kindHash {
			// The kind, not the value: the hash holds the demo account's password.
			c.notef("%s: app_review_information must be a hash (first_name: \"...\", demo_user: \"...\", ...), it is %s; not applied", where, v.kindName())
			return
		}
		c.replaceInline(where, name)
		for _, p := range v.pairs {
			s, ok := p.val.asString()
			if !ok && p.val.kind == kindBool {
				s, ok = p.val.text, true // demo_required: true
			}
			if ok {
				c.Inline = append(c.Inline, InlineValue{Option: name, Key: p.key, Text: s, Where: where})
			} else {
				c.notef("%s: app_review_information's %s must be text, it is %s; not applied", where, keyText(p.key), p.val.kindName())
			}
		}
	default:
		c.notef("%s: %s is not an option ascend knows; not applied", where, name)
	}
}
