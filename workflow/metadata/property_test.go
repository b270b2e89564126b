package metadata_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// oneOf is one of the values, at random.
func oneOf[T any](r *rand.Rand, vs ...T) T { return vs[r.IntN(len(vs))] }

// Letters of the scripts a metadata folder mixes, each one code point in NFC. Several have a
// canonical decomposition (é, ü, أ, が, ビ), so that a file saved decomposed (NFD, as macOS
// input often is) holds more code points than Apple counts.
var (
	latinLetters    = []rune("abcdefghijklmnopqrstuvwxyzéèüöäñøçåßłőÉÜ")
	arabicLetters   = []rune("مرحبانتيكلسدأإآؤئة")
	japaneseLetters = []rune("日本語予定集中習慣がぱビズカタひらの")
	// emoji are several code points each, some of them: a skin tone, a variation selector.
	emoji = []string{"🌅", "📅", "✨", "👍🏽", "❤️", "☀️"}
)

// letter is one letter of script s (0 Latin, 1 Arabic, 2 Japanese).
func letter(r *rand.Rand, s int) string {
	switch s {
	case 1:
		return string(oneOf(r, arabicLetters...))
	case 2:
		return string(oneOf(r, japaneseLetters...))
	}
	return string(oneOf(r, latinLetters...))
}

// prose is NFC text of exactly n code points (Apple's count) in a mix of scripts, with
// spaces between words, line breaks when lines, and emoji when withEmoji; it neither starts
// nor ends with white space.
func prose(r *rand.Rand, n int, lines, withEmoji bool) string {
	var b []string
	count, word := 0, 0
	script := r.IntN(3)
	for count < n {
		left := n - count
		switch {
		case word > 0 && left >= 2 && r.IntN(6) == 0:
			sep := " "
			if lines && r.IntN(4) == 0 {
				sep = oneOf(r, "\n", "\n\n")
				if left < len(sep)+1 {
					sep = "\n"
				}
			}
			b = append(b, sep)
			count += len(sep)
			word = 0
			if r.IntN(3) == 0 {
				script = r.IntN(3)
			}
			continue
		case withEmoji && r.IntN(12) == 0:
			if e := oneOf(r, emoji...); len([]rune(e)) <= left {
				b = append(b, e)
				count += len([]rune(e))
				word++
				continue
			}
		}
		b = append(b, letter(r, script))
		count++
		word++
	}
	return strings.Join(b, "")
}

// keywordList is a keyword list of exactly n code points as Apple counts them, commas and the
// spaces some put after them included.
func keywordList(r *rand.Rand, n int) string {
	var b strings.Builder
	count, word := 0, 0
	script := r.IntN(3)
	for count < n {
		if sep := oneOf(r, ",", ", "); word >= 2 && n-count > len(sep) && r.IntN(5) == 0 {
			b.WriteString(sep)
			count += len(sep)
			word = 0
			script = r.IntN(3)
			continue
		}
		b.WriteString(letter(r, script))
		count++
		word++
	}
	return b.String()
}

// size is a length at Apple's limit, just under it, or short.
func size(r *rand.Rand, limit int) int { return oneOf(r, limit, limit-1, 1+r.IntN(12)) }

// saved is value as a user's editor may have saved it: decomposed accents, a byte order mark
// (at times two, or one after a blank line), Windows or old Mac line endings, white space around it; quirks counts each. Read gives
// value back.
func saved(r *rand.Rand, value string, quirks map[string]int) []byte {
	s := value
	if d := norm.NFD.String(s); d != s && r.IntN(3) == 0 {
		s = d
		quirks["decomposed"]++
	}
	eol := oneOf(r, "\n", "\n", "\r\n", "\r")
	if strings.Contains(s, "\n") && eol != "\n" {
		s = strings.ReplaceAll(s, "\n", eol)
		quirks[fmt.Sprintf("%q lines", eol)]++
	}
	tail := oneOf(r, "", eol, eol+eol, "  ", " "+eol, "\t"+eol)
	s += tail
	if strings.TrimSpace(tail) == "" && tail != "" {
		quirks["white space after"]++
	}
	if r.IntN(8) == 0 {
		s = eol + s
		quirks["a line before"]++
	}
	switch r.IntN(16) {
	case 0, 1, 2, 3:
		s = "\ufeff" + s
		quirks["a byte order mark"]++
	case 4:
		// one saved over another, or after a blank line a script put before the text
		s = oneOf(r, "\ufeff", eol) + "\ufeff" + s
		quirks["a byte order mark not first"]++
	}
	return []byte(s)
}

// drawnFolder is a deliver metadata folder drawn at random: its files by path, and the value
// each holds once read.
type drawnFolder struct {
	files   map[string][]byte
	values  map[string]string
	locales []string          // Apple's codes
	folders map[string]string // locale -> the folder's name (en-us for en-US at times)
	quirks  map[string]int    // how many files have each quirk of saved, and values at a limit
}

func (f *drawnFolder) put(r *rand.Rand, rel, value string) {
	f.files[rel] = saved(r, value, f.quirks)
	f.values[rel] = value
}

// localeText is the text of a locale's file of limit characters, drawn at, under or short of it.
func localeText(r *rand.Rand, field string, n int) string {
	switch field {
	case "keywords":
		return keywordList(r, n)
	case "description", "release_notes":
		return prose(r, n, true, true)
	case "promotional_text":
		return prose(r, n, r.IntN(2) == 0, true)
	}
	return prose(r, n, false, false) // name, subtitle
}

var textLimits = map[string]int{
	"name": apple.MaxNameLength, "subtitle": apple.MaxSubtitleLength, "keywords": apple.MaxKeywordsLength,
	"description": apple.MaxDescriptionLength, "release_notes": apple.MaxReleaseNotesLength,
	"promotional_text": apple.MaxPromotionalTextLength,
}

// randomFolder draws a folder of one to four of Apple's locales, each with a name (Apple
// needs one to create a locale's app info) and most other files, from values Apple accepts.
func randomFolder(r *rand.Rand, n int) *drawnFolder {
	f := &drawnFolder{files: map[string][]byte{}, values: map[string]string{}, folders: map[string]string{}, quirks: map[string]int{}}
	all := apple.Locales()
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	f.locales = all[:1+r.IntN(4)]
	if r.IntN(2) == 0 && !slices.Contains(f.locales, "en-US") {
		f.locales[0] = "en-US" // one of the demo app's locales, so that some are updates
	}
	slices.Sort(f.locales)
	for _, l := range f.locales {
		name := l
		if r.IntN(6) == 0 && strings.ToLower(l) != l {
			name = strings.ToLower(l) // deliver matches folders in any letter case
			f.quirks["a folder in lower case"]++
		}
		f.folders[l] = name
		for _, field := range []string{"name", "subtitle", "keywords", "description", "release_notes", "promotional_text"} {
			if field != "name" && r.IntN(4) == 0 {
				continue
			}
			n := size(r, textLimits[field])
			switch n {
			case textLimits[field]:
				f.quirks["at the limit"]++
			case textLimits[field] - 1:
				f.quirks["one under the limit"]++
			}
			if field == "keywords" && n > 1 {
				f.quirks["keywords"]++
			}
			f.put(r, name+"/"+field+".txt", localeText(r, field, n))
		}
		for _, u := range []string{"support_url", "marketing_url", "privacy_url"} {
			if r.IntN(2) == 0 {
				f.put(r, name+"/"+u+".txt", oneOf(r, "https://example.com/daybreak/", "http://daybreak.example.org/")+
					oneOf(r, u, strings.ToLower(l)+"/"+u, "caf%C3%A9?ref=app&n="+fmt.Sprint(n)))
			}
		}
		if r.IntN(5) == 0 {
			f.files[name+"/.DS_Store"] = []byte{0, 0, 0, 1, 'B', 'u', 'd', '1'}
		}
	}
	if r.IntN(2) == 0 {
		f.put(r, "copyright.txt", oneOf(r, "© 2026 Daybreak Läbs GmbH", "2026 デイブレイク株式会社", "© 2026 شركة الفجر"))
	}
	if r.IntN(2) == 0 {
		f.put(r, "review_information/first_name.txt", oneOf(r, "Zoë", "Jürgen", "さくら", "Sam"))
		f.put(r, "review_information/email_address.txt", oneOf(r, "review@example.com", "zoe.muller+review@example.co.uk"))
		f.put(r, "review_information/phone_number.txt", oneOf(r, "+49 30 1234567", "+1 555 0100"))
		f.put(r, "review_information/notes.txt", prose(r, size(r, apple.MaxReviewNotesLength), true, true))
	}
	if r.IntN(4) == 0 {
		f.put(r, "default/support_url.txt", "https://example.com/daybreak/help")
	}
	return f
}

// spoilKinds are the things Apple refuses (or that deliver's layout cannot hold) that spoil
// puts into a folder, one each.
var spoilKinds = []string{
	"name over the limit", "subtitle over the limit", "keywords over the limit", "promotional text over the limit",
	"description over the limit", "release notes over the limit", "review notes over the limit",
	"an unknown locale folder", "a file that is not UTF-8", "a URL that is no URL", "an email that is no address",
	"a category that is no id", "a misspelt file name",
}

// spoil puts the k-th kind of spoilKinds into the folder: one thing Apple refuses. It returns
// the kind and the path the refusal names.
func (f *drawnFolder) spoil(r *rand.Rand, k int) (kind, path string) {
	kind = spoilKinds[k%len(spoilKinds)]
	l := oneOf(r, f.locales...)
	dir := f.folders[l] + "/"
	over := func(field string) string {
		path = dir + field + ".txt"
		f.put(r, path, localeText(r, field, textLimits[field]+1))
		return path
	}
	switch k % len(spoilKinds) {
	case 0:
		over("name")
	case 1:
		over("subtitle")
	case 2:
		over("keywords")
	case 3:
		over("promotional_text")
	case 4:
		over("description")
	case 5:
		over("release_notes")
	case 6:
		path = "review_information/notes.txt"
		f.put(r, path, prose(r, apple.MaxReviewNotesLength+1, true, true))
	case 7:
		path = oneOf(r, "de", "en", "en-EN", "zh-CN", "jp", "English", "pt_BR")
		f.put(r, path+"/name.txt", "Daybreak")
	case 8:
		path = dir + oneOf(r, "description.txt", "name.txt")
		f.files[path] = oneOf(r,
			[]byte("Caf\xe9 Planer f\xfcr jeden Tag\n"),                            // Latin-1, as old Windows editors save
			[]byte("\xff\xfeD\x00a\x00y\x00b\x00r\x00e\x00a\x00k\x00\r\x00\n\x00"), // UTF-16 with its BOM (Notepad's "Unicode")
		)
	case 9:
		path = dir + oneOf(r, "support_url.txt", "marketing_url.txt", "privacy_url.txt")
		f.put(r, path, oneOf(r, "www.example.com/support", "example.com", "https://example.com/daybreak support", "ftp://example.com/daybreak", "support@example.com"))
	case 10:
		path = "review_information/email_address.txt"
		f.put(r, path, oneOf(r, "review(at)example.com", "review@", "Sam Reviewer <review@example.com>"))
	case 11:
		path = "primary_category.txt"
		// not "Productivity": a legacy name, which deliver maps to PRODUCTIVITY
		f.put(r, path, oneOf(r, "Productivty", "games", "PRODUCTIVITY, UTILITIES"))
	default:
		path = dir + oneOf(r, "descripton.txt", "title.txt", "keywords.txt.bak", "release_notes.md")
		f.files[path] = []byte("Daybreak\n")
	}
	return kind, path
}

func (f *drawnFolder) write(t *testing.T, dir string) {
	t.Helper()
	for rel, b := range f.files {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot is every file under dir by its path, with its bytes.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sendStraight sends an over-long value of field to en-US (or the review notes) as a client
// that skips validation would, for the sandbox's answer.
func sendStraight(t *testing.T, c *asc.Client, st *metadata.State, field, v string) error {
	t.Helper()
	ctx := t.Context()
	var err error
	switch field {
	case "name", "subtitle":
		id := st.InfoLocalizations["en-US"]
		a := &asc.AppInfoLocalizationUpdateRequestAttributes{Name: &v}
		if field == "subtitle" {
			a = &asc.AppInfoLocalizationUpdateRequestAttributes{Subtitle: &v}
		}
		_, _, err = c.AppInfoLocalizations.Update(ctx, id, &asc.AppInfoLocalizationUpdateRequest{Data: asc.AppInfoLocalizationUpdateRequestData{ID: id, Attributes: a}})
	case "notes":
		id := st.ReviewDetailID
		_, _, err = c.AppStoreReviewDetails.Update(ctx, id, &asc.AppStoreReviewDetailUpdateRequest{Data: asc.AppStoreReviewDetailUpdateRequestData{ID: id,
			Attributes: &asc.AppStoreReviewDetailUpdateRequestAttributes{Notes: &v}}})
	default:
		id := st.VersionLocalizations["en-US"]
		a := map[string]*asc.AppStoreVersionLocalizationUpdateRequestAttributes{
			"keywords": {Keywords: &v}, "description": {Description: &v}, "release_notes": {WhatsNew: &v}, "promotional_text": {PromotionalText: &v}}[field]
		_, _, err = c.AppStoreVersionLocalizations.Update(ctx, id, &asc.AppStoreVersionLocalizationUpdateRequest{Data: asc.AppStoreVersionLocalizationUpdateRequestData{ID: id, Attributes: a}})
	}
	return err
}

// TestValidatedFoldersPush draws deliver metadata folders from values Apple accepts, at its
// limits included, in several scripts and saved as editors save them (byte order marks,
// CRLF and CR line endings, trailing white space, decomposed accents), and spoils every second
// one with one thing Apple refuses (fixed seeds, 56 folders). Validation refuses every spoiled
// folder, naming the spoiled file, and Push then makes no request (a value over a limit, sent
// past validation, the sandbox refuses as Apple does); every other folder
// validates and pushes to a freshly reset sandbox, a second push writes nothing, pulling into
// a new folder and pushing that writes nothing, and pulling over the folder rewrites none of
// its files.
func TestValidatedFoldersPush(t *testing.T) {
	t.Parallel()
	target := metadata.Target{App: demoApp}
	refusing := sandboxtest.Start(t, sandbox.Options{})
	sb := sandboxtest.Start(t, sandbox.Options{})
	var passed, refused int
	kinds, quirks := map[string]int{}, map[string]int{}
	for n := range 56 {
		r := rand.New(rand.NewPCG(uint64(n), 20261204))
		f := randomFolder(r, n)
		for q, k := range f.quirks {
			quirks[q] += k
		}
		kind, spoiledPath := "", ""
		if n%2 == 1 {
			kind, spoiledPath = f.spoil(r, n/2)
			kinds[kind]++
		}
		dir := filepath.Join(t.TempDir(), "metadata")
		f.write(t, dir)
		_, loadErr := metadata.Load(dir)
		var ve *metadata.ValidationError
		if kind != "" {
			refused++
			c := refusing.Client()
			before := refusing.Stats().ByMethod
			_, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{})
			switch {
			case !errors.As(loadErr, &ve):
				t.Errorf("folder %d has %s (%s), and Load gave %v", n, kind, spoiledPath, loadErr)
			case len(ve.Problems) != 1 || ve.Problems[0].Path != spoiledPath:
				t.Errorf("folder %d has %s (%s), and Load found %v", n, kind, spoiledPath, ve.Problems)
			}
			if !errors.As(err, &ve) {
				t.Errorf("folder %d has %s (%s), and Push gave %v", n, kind, spoiledPath, err)
			}
			if after := refusing.Stats().ByMethod; !maps.Equal(before, after) {
				t.Errorf("folder %d has %s, and Push made requests: %v before, %v after", n, kind, before, after)
			}
			// What validation refuses as over a limit, App Store Connect (the sandbox) refuses too.
			if field, over := strings.CutSuffix(kind, " over the limit"); over {
				field = strings.NewReplacer("review notes", "notes", " ", "_").Replace(field)
				st, err := metadata.Fetch(t.Context(), c, target)
				if err != nil {
					t.Fatal(err)
				}
				var er *asc.ErrorResponse
				if err := sendStraight(t, c, st, field, f.values[spoiledPath]); !errors.As(err, &er) || er.StatusCode != http.StatusConflict {
					t.Errorf("folder %d: %s sent past validation: %v, want 409", n, kind, err)
				}
			}
			continue
		}
		for rel, want := range f.values {
			if got := metadata.Normalize(string(f.files[rel])); got != want {
				t.Errorf("folder %d: %s holds %q, read as %q, want %q", n, rel, f.files[rel], got, want)
			}
		}
		if loadErr != nil {
			t.Errorf("folder %d is drawn from values Apple accepts, and Load refused it: %v", n, loadErr)
			continue
		}
		if err := sb.Reset(); err != nil {
			t.Fatal(err)
		}
		c := sb.Client()
		if _, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil {
			t.Errorf("folder %d passed validation, but the push failed: %v", n, err)
			continue
		}
		passed++
		w := sb.Writes()
		if p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil || len(p.Writes) != 0 || sb.Writes() != w {
			t.Errorf("folder %d: a second push: %v, %d writes (%d planned) %v", n, err, sb.Writes()-w, len(p.Writes), p.Changes)
		}

		pulled := filepath.Join(t.TempDir(), "pulled")
		if _, _, err := metadata.Pull(t.Context(), c, target, pulled); err != nil {
			t.Errorf("folder %d: pull after the push: %v", n, err)
		} else if p, _, err := metadata.Push(t.Context(), c, target, pulled, metadata.ApplyOptions{}); err != nil || len(p.Writes) != 0 || sb.Writes() != w {
			t.Errorf("folder %d: pushing what pull wrote: %v, %d writes (%d planned) %v", n, err, sb.Writes()-w, len(p.Writes), p.Changes)
		}

		local, _ := metadata.Load(dir)
		before := snapshot(t, dir)
		_, written, err := metadata.Pull(t.Context(), c, target, dir)
		if err != nil {
			t.Errorf("folder %d: pull over the folder: %v", n, err)
			continue
		}
		for _, rel := range written {
			if _, ok := before[rel]; ok {
				t.Errorf("folder %d: pull over the folder rewrote %s, which already held the value", n, rel)
			}
		}
		for rel, b := range snapshot(t, dir) {
			if old, ok := before[rel]; ok && old != b {
				t.Errorf("folder %d: pull over the folder changed %s from %q to %q", n, rel, old, b)
			}
		}
		again, err := metadata.Load(dir)
		if err != nil {
			t.Errorf("folder %d: the folder after the pull: %v", n, err)
			continue
		}
		for _, l := range local.LocaleNames() {
			for k, v := range local.Effective(l) {
				if got := again.Effective(l)[k]; got != v {
					t.Errorf("folder %d: %s/%s = %q after the pull, want %q", n, l, k, got, v)
				}
			}
		}
		if p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil || len(p.Writes) != 0 || sb.Writes() != w {
			t.Errorf("folder %d: pushing the folder pulled over: %v, %d writes (%d planned) %v", n, err, sb.Writes()-w, len(p.Writes), p.Changes)
		}
	}
	for _, k := range spoilKinds {
		if kinds[k] == 0 {
			t.Errorf("no folder was spoiled with %s", k)
		}
	}
	t.Logf("%d folders validated and pushed, %d refused; spoiled with %d kinds: %v; files drawn with %v", passed, refused, len(kinds), kinds, quirks)
}
