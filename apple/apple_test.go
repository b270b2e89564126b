package apple_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/internal/spec"
)

// specEnum returns the enum of a resource attribute in Apple's spec (items' enum for arrays).
func specEnum(t *testing.T, typ, attr string) []string {
	t.Helper()
	r, ok := spec.Resource(typ)
	if !ok {
		t.Fatalf("spec has no resource %s", typ)
	}
	f := r.Attributes[attr]
	if f == nil {
		t.Fatalf("spec's %s has no attribute %s", typ, attr)
	}
	if f.Items != nil && len(f.Enum) == 0 {
		return f.Items.Enum
	}
	return f.Enum
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if len(slices.Compact(slices.Clone(g))) != len(g) {
		t.Errorf("%s: the table lists a name twice: %v", what, g)
	}
	if !slices.Equal(g, w) {
		t.Errorf("%s: table %v, spec %v", what, g, w)
	}
}

func TestNamesMatchTheSpec(t *testing.T) {
	sameSet(t, "platforms (appStoreVersions.platform)", apple.Platforms(), specEnum(t, "appStoreVersions", "platform"))
	sameSet(t, "App Clip actions (appClipDefaultExperiences.action)", apple.AppClipActions(), specEnum(t, "appClipDefaultExperiences", "action"))
	sameSet(t, "platforms (appCategories.platforms)", apple.Platforms(), specEnum(t, "appCategories", "platforms"))
	var names []string
	for _, d := range apple.DisplayTypes() {
		names = append(names, d.Name)
		if len(d.Sizes) == 0 || d.Device == "" {
			t.Errorf("%s: no sizes or no device name", d.Name)
		}
	}
	sameSet(t, "screenshot display types", names, specEnum(t, "appScreenshotSets", "screenshotDisplayType"))
	sameSet(t, "preview types", apple.PreviewTypes(), specEnum(t, "appPreviewSets", "previewType"))
}

func TestEveryStateHasAPhase(t *testing.T) {
	known := map[string]bool{}
	for _, e := range [][2]string{{"appStoreVersions", "appVersionState"}, {"appStoreVersions", "appStoreState"}, {"appInfos", "state"}, {"appInfos", "appStoreState"}} {
		for _, s := range specEnum(t, e[0], e[1]) {
			known[s] = true
			if apple.StatePhase(s) == apple.PhaseUnknown {
				t.Errorf("%s.%s %s has no phase", e[0], e[1], s)
			}
		}
	}
	for _, p := range []apple.Phase{apple.Editable, apple.Locked, apple.Live, apple.Retired} {
		for _, s := range apple.StatesIn(p) {
			if !known[s] {
				t.Errorf("%s (%s) is in no state enum of the spec", s, p)
			}
		}
	}
	if !known[apple.LiveVersionState] || !apple.IsLive(apple.LiveVersionState) {
		t.Errorf("LiveVersionState %s is not a live appVersionState", apple.LiveVersionState)
	}
	for state, want := range map[string]apple.Phase{
		"PREPARE_FOR_SUBMISSION": apple.Editable, "READY_FOR_REVIEW": apple.Editable, "METADATA_REJECTED": apple.Editable,
		"WAITING_FOR_REVIEW": apple.Locked, "IN_REVIEW": apple.Locked, "PENDING_DEVELOPER_RELEASE": apple.Locked,
		"READY_FOR_DISTRIBUTION": apple.Live, "READY_FOR_SALE": apple.Live,
		"REPLACED_WITH_NEW_VERSION": apple.Retired, "BOGUS": apple.PhaseUnknown,
	} {
		if got := apple.StatePhase(state); got != want {
			t.Errorf("StatePhase(%s) = %s, want %s", state, got, want)
		}
	}
	// With App Review: locked states the spec knows; rejected: editable ones.
	var withReview, rejected []string
	for s := range known {
		if apple.IsWithAppReview(s) {
			withReview = append(withReview, s)
			if apple.StatePhase(s) != apple.Locked {
				t.Errorf("%s is with App Review but not locked", s)
			}
		}
		if apple.IsRejected(s) {
			rejected = append(rejected, s)
			if apple.StatePhase(s) != apple.Editable {
				t.Errorf("%s is rejected but not editable", s)
			}
		}
	}
	slices.Sort(withReview)
	slices.Sort(rejected)
	if !slices.Equal(withReview, []string{"IN_REVIEW", "WAITING_FOR_REVIEW"}) || !slices.Equal(rejected, []string{"DEVELOPER_REJECTED", "METADATA_REJECTED", "REJECTED"}) {
		t.Errorf("with App Review %v, rejected %v", withReview, rejected)
	}
}

func TestLocales(t *testing.T) {
	l := apple.Locales()
	if len(l) != 50 || !slices.IsSorted(l) {
		t.Fatalf("want Apple's 50 locales sorted, got %d: %v", len(l), l)
	}
	for _, s := range []string{"en-US", "de-DE", "ja", "zh-Hans", "ar-SA", "sl-SI"} {
		if !apple.IsLocale(s) {
			t.Errorf("IsLocale(%s) = false", s)
		}
	}
	for _, s := range []string{"en", "de", "EN-US", "zh-CN", "default", ""} {
		if apple.IsLocale(s) {
			t.Errorf("IsLocale(%q) = true", s)
		}
	}
}

func TestChooseDisplayType(t *testing.T) {
	for _, tc := range []struct {
		w, h     int
		name     string
		iMessage bool
		want     string
	}{
		{1320, 2868, "1.png", false, "APP_IPHONE_67"},
		{2868, 1320, "1.png", false, "APP_IPHONE_67"},
		{1260, 2736, "1.png", false, "APP_IPHONE_67"},
		{1242, 2688, "1.png", false, "APP_IPHONE_65"},
		{1206, 2622, "1.png", false, "APP_IPHONE_61"},
		{1170, 2532, "1.png", false, "APP_IPHONE_58"},
		{1242, 2208, "1.png", false, "APP_IPHONE_55"},
		{1136, 600, "1.png", false, "APP_IPHONE_40"},
		// The 12.9-inch iPad Pro: 3rd generation and later unless the name says 2nd.
		{2048, 2732, "1.png", false, "APP_IPAD_PRO_3GEN_129"},
		{2732, 2048, "1.png", false, "APP_IPAD_PRO_3GEN_129"},
		{2048, 2732, "iPad Pro (12.9-inch) (3rd generation)-01.png", false, "APP_IPAD_PRO_3GEN_129"},
		{2048, 2732, "iPad Pro (12.9-inch) (2nd generation)-01.png", false, "APP_IPAD_PRO_129"},
		{2048, 2732, "APP_IPAD_PRO_129_2.png", false, "APP_IPAD_PRO_129"},
		{2048, 2732, "APP_IPAD_PRO_3GEN_129_2.png", false, "APP_IPAD_PRO_3GEN_129"},
		{2064, 2752, "iPad Pro (12.9-inch) (2nd generation).png", false, "APP_IPAD_PRO_3GEN_129"},
		{1668, 2224, "1.png", false, "APP_IPAD_105"},
		{2048, 1496, "1.png", false, "APP_IPAD_97"},
		{2880, 1800, "1.png", false, "APP_DESKTOP"},
		// Apple TV unless the name says vision.
		{3840, 2160, "1.png", false, "APP_APPLE_TV"},
		{3840, 2160, "Apple Vision Pro-1.png", false, "APP_APPLE_VISION_PRO"},
		{3840, 2160, "visionOS_home.png", false, "APP_APPLE_VISION_PRO"},
		{1920, 1080, "vision.png", false, "APP_APPLE_TV"},
		{368, 448, "1.png", false, "APP_WATCH_SERIES_4"},
		{422, 514, "1.png", false, "APP_WATCH_ULTRA"},
		{374, 446, "1.png", false, "APP_WATCH_SERIES_10"},
		// iMessage: iPhones from 4 inches and iPads only.
		{1242, 2688, "1.png", true, "IMESSAGE_APP_IPHONE_65"},
		{2048, 2732, "1.png", true, "IMESSAGE_APP_IPAD_PRO_3GEN_129"},
		{640, 960, "1.png", true, ""},
		{368, 448, "1.png", true, ""},
		// Sizes Apple does not list.
		{1620, 2160, "1.png", false, ""}, // the 10.2-inch iPad's screen: not a screenshot size
		{1000, 1000, "1.png", false, ""},
		{2008, 1536, "1.png", false, ""}, // 9.7-inch landscape is 2048x1496 or 2048x1536
		{1080, 1920, "1.png", false, ""}, // Apple TV is landscape only
		{800, 1280, "1.png", false, ""},  // so is the Mac
		{448, 368, "1.png", false, ""},   // and watches are portrait only
	} {
		got, ok := apple.ChooseDisplayType(tc.w, tc.h, tc.name, tc.iMessage)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("ChooseDisplayType(%d, %d, %q, %v) = %q, %v; want %q", tc.w, tc.h, tc.name, tc.iMessage, got, ok, tc.want)
		}
		if ok && !apple.AcceptsScreenshot(got, tc.w, tc.h) {
			t.Errorf("%s chosen for %dx%d but does not accept it", got, tc.w, tc.h)
		}
	}
}

// TestOnlyKnownTies checks that a size fits more than one App Store display type only where
// deliver's name rules decide: the 12.9-inch iPad Pros and Apple TV / Vision Pro.
func TestOnlyKnownTies(t *testing.T) {
	fits := map[apple.Size][]string{}
	for _, d := range apple.DisplayTypes() {
		if strings.HasPrefix(d.Name, "IMESSAGE_") {
			continue
		}
		seen := map[apple.Size]bool{}
		for _, s := range d.Sizes {
			if seen[s] {
				t.Errorf("%s lists %s twice", d.Name, s)
			}
			seen[s] = true
			fits[s] = append(fits[s], d.Name)
		}
	}
	ties := map[string]bool{"APP_IPAD_PRO_3GEN_129 APP_IPAD_PRO_129": true, "APP_APPLE_TV APP_APPLE_VISION_PRO": true}
	for s, names := range fits {
		if len(names) > 1 && !ties[strings.Join(names, " ")] {
			t.Errorf("%s fits %v; ChooseDisplayType has no rule for that", s, names)
		}
	}
}

func TestIMessageTypesShareTheAppSizes(t *testing.T) {
	for _, d := range apple.DisplayTypes() {
		app, ok := strings.CutPrefix(d.Name, "IMESSAGE_")
		if !ok {
			continue
		}
		a, found := apple.LookupDisplayType(app)
		if !found || !slices.Equal(a.Sizes, d.Sizes) {
			t.Errorf("%s: sizes %v differ from %s's %v", d.Name, d.Sizes, app, a.Sizes)
		}
	}
}

func TestTablesAreCopies(t *testing.T) {
	p := apple.Platforms()
	p[0] = "ANDROID"
	d, _ := apple.LookupDisplayType("APP_IPAD_105")
	d.Sizes[0] = apple.Size{1, 1}
	if !apple.IsPlatform("IOS") || !apple.AcceptsScreenshot("APP_IPAD_105", 1668, 2224) {
		t.Fatal("changing a returned slice changed the table")
	}
}

func TestNearestDisplayType(t *testing.T) {
	for _, tc := range []struct {
		w, h     int
		iMessage bool
		want     string
	}{
		{1620, 2160, false, "APP_IPAD_105"},
		{1290, 2795, false, "APP_IPHONE_67"},
		{1000, 1000, false, ""}, // any answer; only checked not to panic
		{641, 961, true, "IMESSAGE_APP_IPHONE_40"},
	} {
		d, s := apple.NearestDisplayType(tc.w, tc.h, tc.iMessage)
		if tc.want != "" && d.Name != tc.want {
			t.Errorf("NearestDisplayType(%d, %d) = %s (%s), want %s", tc.w, tc.h, d.Name, s, tc.want)
		}
		if !d.Accepts(s.Width, s.Height) {
			t.Errorf("NearestDisplayType(%d, %d) = %s with %s, which it does not accept", tc.w, tc.h, d.Name, s)
		}
	}
}

func TestLengthCountsCharactersNotBytes(t *testing.T) {
	// An Arabic keyword list Apple accepts: 92 characters in 168 bytes of UTF-8.
	arabic := "تقويم,مهام,تذكير,ملاحظات,تخطيط,إنتاجية,عادات,تركيز,جدول,وقت, عمل,يومي,أهداف,قائمة,نظم,مواعيد"
	if n := apple.Length(arabic); n != 92 || len(arabic) != 168 || n > apple.MaxKeywordsLength {
		t.Fatalf("%d characters in %d bytes: want 92 characters in 168 bytes, within %d", n, len(arabic), apple.MaxKeywordsLength)
	}
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "日本語": 3, "👍": 1, "Café, Crème": 11} {
		if got := apple.Length(s); got != want {
			t.Errorf("Length(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestPhasedReleaseTable(t *testing.T) {
	sameSet(t, "phased release states", apple.PhasedReleaseStates(), specEnum(t, "appStoreVersionPhasedReleases", "phasedReleaseState"))
	shares := apple.PhasedReleaseShares()
	if len(shares) != apple.PhasedReleaseDays || shares[len(shares)-1] != 100 {
		t.Fatalf("shares %v over %d days", shares, apple.PhasedReleaseDays)
	}
	for i := 1; i < len(shares); i++ {
		if shares[i] <= shares[i-1] {
			t.Errorf("day %d's share %d%% does not grow from %d%%", i+1, shares[i], shares[i-1])
		}
	}
	for day, want := range map[int]int{1: 1, 3: 5, 6: 50, 7: 100} {
		if got, ok := apple.PhasedReleaseShare(day); !ok || got != want {
			t.Errorf("day %d: %d%% %v, want %d%%", day, got, ok, want)
		}
	}
	for _, day := range []int{0, 8, -1} {
		if _, ok := apple.PhasedReleaseShare(day); ok {
			t.Errorf("day %d has a share", day)
		}
	}
	for _, m := range []struct {
		from, to string
		ok       bool
	}{
		{"ACTIVE", "PAUSED", true}, {"PAUSED", "ACTIVE", true}, {"PAUSED", "COMPLETE", true}, {"ACTIVE", "COMPLETE", true},
		{"COMPLETE", "PAUSED", false}, {"COMPLETE", "ACTIVE", false}, {"INACTIVE", "ACTIVE", false}, {"INACTIVE", "PAUSED", false},
		{"PAUSED", "PAUSED", true}, {"BOGUS", "BOGUS", false},
	} {
		if got := apple.PhasedMoveAllowed(m.from, m.to); got != m.ok {
			t.Errorf("%s -> %s allowed %v, want %v", m.from, m.to, got, m.ok)
		}
	}
	if apple.StatePhase(apple.ReleasableVersionState) != apple.Locked {
		t.Errorf("%s is not a locked state", apple.ReleasableVersionState)
	}
}

func TestAgeRatingQuestionsMatchTheSpec(t *testing.T) {
	r, ok := spec.Resource("ageRatingDeclarations")
	if !ok {
		t.Fatal("spec has no ageRatingDeclarations")
	}
	var keys []string
	for _, q := range apple.AgeRatingQuestions() {
		keys = append(keys, q.Key)
		f := r.Attributes[q.Key]
		if f == nil {
			t.Errorf("%s is no attribute of the spec", q.Key)
			continue
		}
		switch q.Kind {
		case apple.AgeRatingYesNo:
			if f.Type != "boolean" {
				t.Errorf("%s is %s in the spec", q.Key, f.Type)
			}
		case apple.AgeRatingURL:
			if f.Type != "string" || len(f.Enum) > 0 {
				t.Errorf("%s: %s %v in the spec", q.Key, f.Type, f.Enum)
			}
		default:
			sameSet(t, q.Key, q.Values, f.Enum)
		}
	}
	var attrs []string
	for name := range r.Attributes {
		attrs = append(attrs, name)
	}
	sameSet(t, "age rating questions", keys, attrs)
	for _, c := range []struct {
		key  string
		in   any
		want any
	}{
		{"CARTOON_FANTASY_VIOLENCE", 2.0, "FREQUENT_OR_INTENSE"}, {"UNRESTRICTED_WEB_ACCESS", 1.0, true},
		{"violenceRealistic", "INFREQUENT", "INFREQUENT"}, {"kidsAgeBand", nil, nil}, {"lootBox", false, false},
	} {
		q, legacy, ok := apple.AgeRatingQuestionFor(c.key)
		if !ok {
			t.Fatalf("%s unknown", c.key)
		}
		if got, err := q.Answer(c.in, legacy); err != nil || got != c.want {
			t.Errorf("%s %v: %v %v, want %v", c.key, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		key string
		in  any
	}{{"CARTOON_FANTASY_VIOLENCE", 3.0}, {"UNRESTRICTED_WEB_ACCESS", 2.0}, {"violenceRealistic", "SOMETIMES"}, {"lootBox", "no"}, {"violenceRealistic", nil}, {"developerAgeRatingInfoUrl", "example.com"}} {
		q, legacy, _ := apple.AgeRatingQuestionFor(c.key)
		if _, err := q.Answer(c.in, legacy); err == nil {
			t.Errorf("%s %v accepted", c.key, c.in)
		}
	}
}

// TestBuildIssues: each code once, with what it means and what to do; Apple's codes are the
// numbers of its import validation, the sandbox's own are words, so neither passes for the other.
func TestBuildIssues(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range apple.BuildIssues() {
		if seen[b.Code] {
			t.Errorf("%s listed twice", b.Code)
		}
		seen[b.Code] = true
		if b.What == "" || b.Fix == "" {
			t.Errorf("%s: what %q, fix %q", b.Code, b.What, b.Fix)
		}
		numeric := strings.Trim(b.Code, "0123456789") == ""
		if numeric == b.SandboxOnly {
			t.Errorf("%s: sandbox-only %v, but Apple's codes are numbers and the sandbox's are not", b.Code, b.SandboxOnly)
		}
	}
	for _, code := range []string{apple.IssueBundleIDChanged, apple.IssueMetadataMismatch, apple.IssueRedundantBinary, apple.IssuePlatformMismatch,
		apple.IssueInvalidArchive, apple.IssueChecksumMismatch, apple.IssueUploadIncomplete, apple.IssueUploadExpired} {
		if _, ok := apple.LookupBuildIssue(code); !ok {
			t.Errorf("%s has no entry", code)
		}
	}
	if got := apple.DuplicateBuildDetail("60"); got != "The bundle version must be higher than the previously uploaded version: '60'." {
		t.Errorf("duplicate detail %q", got)
	}
}

func TestParsePreviewFrameTimeCode(t *testing.T) {
	for code, want := range map[string]time.Duration{
		"00:00:05:00": 5 * time.Second, "00:00:00:00": 0, "00:00:29:29": 29*time.Second + 29*time.Second/30,
		"00:00:12:15": 12500 * time.Millisecond, "01:02:03:00": time.Hour + 2*time.Minute + 3*time.Second,
	} {
		if got, err := apple.ParsePreviewFrameTimeCode(code); err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", code, got, err, want)
		}
	}
	for code, why := range map[string]string{
		"00:00:05": "four two-digit fields", "0:00:05:00": "four two-digit fields", "00:00:05:0a": "four two-digit fields",
		"": "four two-digit fields", "00:60:00:00": "minutes past 59", "00:00:60:00": "seconds past 59",
		"00:00:05:30": "frame 30", "00:00:05.00:00": "four two-digit fields",
	} {
		if _, err := apple.ParsePreviewFrameTimeCode(code); err == nil || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "HH:MM:SS:FF") {
			t.Errorf("%q: %v, want an error saying %q", code, err, why)
		}
	}
}
