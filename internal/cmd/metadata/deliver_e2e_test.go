package metadata_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// deliverProject writes, at test time, a fastlane project as deliver users keep one: an
// Appfile with an ENV alternative, a Deliverfile with its paths and submission options,
// metadata with default/, a locale folder in lower case, Japanese and Arabic keyword lists
// longer than 100 bytes, iTunes Connect category names, deliver's legacy review file names,
// the trade representative folder and app icon deliver once read, framed screenshots with
// frameit's files beside them, and app previews in deliver's layout.
func deliverProject(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	ja := strings.Repeat("写真,", 31) + "カメラ,フィル"               // 100 characters, 294 bytes
	ar := strings.TrimSuffix(strings.Repeat("صور,", 21), ",") // 83 characters, 146 bytes
	ar += ",تحرير,كامير"                                      // 95 characters, 168 bytes
	if len(ar) != 168 || len([]rune(ja)) != 100 {
		t.Fatalf("keyword lists are %d bytes and %d characters", len(ar), len([]rune(ja)))
	}
	files := map[string]string{
		"fastlane/Appfile": `# Appfile as fastlane init writes it
app_identifier(ENV["DAYBREAK_BUNDLE_ID"] || "com.example.daybreak") # The bundle identifier of your app
apple_id("release@example.com")
itc_team_id("118765432")
team_id("ABCDE12345")
`,
		"fastlane/Deliverfile": `# The Deliverfile allows you to store various App Store Connect metadata
metadata_path "./fastlane/metadata"
screenshots_path "./fastlane/screenshots"
app_previews_path "./fastlane/previews"
platform "ios"
languages ["en-US", "fr-FR"]
skip_binary_upload true
submit_for_review false
automatic_release true
force true
precheck_include_in_app_purchases false
submission_information({ add_id_info_uses_idfa: false })
`,
		"fastlane/metadata/copyright.txt":                                           "2026 Example Labs\n",
		"fastlane/metadata/primary_category.txt":                                    "MZGenre.Apps.Food_Drink\n",
		"fastlane/metadata/secondary_category.txt":                                  "MZGenre.Lifestyle\n",
		"fastlane/metadata/review_information/review_first_name.txt":                "Ada\n",
		"fastlane/metadata/review_information/last_name.txt":                        "Lovelace\n",
		"fastlane/metadata/review_information/email_address.txt":                    "review@example.com\n",
		"fastlane/metadata/review_information/phone_number.txt":                     "+1 555 0100\n",
		"fastlane/metadata/review_information/notes.txt":                            "Sign in with the demo account.\n",
		"fastlane/metadata/trade_representative_contact_information/first_name.txt": "Ada\n",
		"fastlane/metadata/default/support_url.txt":                                 "https://example.com/support\n",
		"fastlane/metadata/default/release_notes.txt":                               "Bug fixes and improvements.\n",
		"fastlane/metadata/en-US/name.txt":                                          "Daybreak\n",
		"fastlane/metadata/en-US/subtitle.txt":                                      "Plan your morning\n",
		"fastlane/metadata/en-US/description.txt":                                   "Daybreak plans your morning.\r\n\r\nWith widgets.\r\n",
		"fastlane/metadata/en-US/keywords.txt":                                      "morning,routine,planner,habits\n",
		"fastlane/metadata/en-US/promotional_text.txt":                              "Now with widgets.\n",
		"fastlane/metadata/en-US/privacy_url.txt":                                   "https://example.com/privacy\n",
		"fastlane/metadata/de-de/name.txt":                                          "Daybreak\n",
		"fastlane/metadata/de-de/description.txt":                                   "Daybreak plant deinen Morgen.\n",
		"fastlane/metadata/de-de/keywords.txt":                                      "morgen,routine,planer\n",
		"fastlane/metadata/ja/name.txt":                                             "デイブレイク\n",
		"fastlane/metadata/ja/description.txt":                                      "朝の予定を立てます。\n",
		"fastlane/metadata/ja/keywords.txt":                                         ja + "\n",
		"fastlane/metadata/ar-SA/name.txt":                                          "دايبريك\n",
		"fastlane/metadata/ar-SA/description.txt":                                   "خطط صباحك.\n",
		"fastlane/metadata/ar-SA/keywords.txt":                                      ar + "\n",
		"fastlane/screenshots/Framefile.json":                                       `{"default": {"keyword": {"color": "#545454"}}}`,
		"fastlane/screenshots/en-US/keyword.strings":                                `"1_home" = "Plan";`,
		"fastlane/screenshots/README.txt":                                           "Put your screenshots here.\n",
	}
	for path, content := range files {
		writeFile(t, filepath.Join(root, path), content)
	}
	os.WriteFile(filepath.Join(root, "fastlane", "metadata", "app_icon.png"), sandboxtest.PNG(t, 64, 64, 1), 0o644)
	shots := filepath.Join(root, "fastlane", "screenshots")
	// frameit keeps the raw screenshot beside the framed one; deliver uploads the framed one.
	sandboxtest.WritePNG(t, filepath.Join(shots, "en-US", "iPhone 16 Pro Max-1_home.png"), 1320, 2868, 1)
	sandboxtest.WritePNG(t, filepath.Join(shots, "en-US", "iPhone 16 Pro Max-1_home_framed.png"), 1320, 2868, 2)
	sandboxtest.WritePNG(t, filepath.Join(shots, "en-US", "iPhone 16 Pro Max-2_plan.png"), 1320, 2868, 3)
	sandboxtest.WritePNG(t, filepath.Join(shots, "en-US", "iPad Pro (12.9-inch) (2nd generation)-1_home.png"), 2048, 2732, 4)
	sandboxtest.WritePNG(t, filepath.Join(shots, "de-de", "iPhone 11 Pro Max-1_home.png"), 1242, 2688, 5)
	sandboxtest.WriteMP4(t, filepath.Join(root, "fastlane", "previews", "en-US", "IPHONE_67_walkthrough.mp4"),
		sandboxtest.Movie{Width: 886, Height: 1920, Duration: 24 * time.Second, Variant: 1})
	return root
}

// A deliver project pushes unchanged: validate, push the metadata, sync screenshots and
// previews, all from --fastlane; a second run writes nothing; what App Store Connect then has
// is what deliver would have sent.
func TestDeliverProjectPushesUnchanged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root := deliverProject(t)
	r := h.run(t, false, "metadata", "validate", "--fastlane", root).want(t, 0)
	for _, want := range []string{
		"fastlane: Appfile line 3: apple_id names an account",
		"fastlane: Deliverfile line 11: precheck_include_in_app_purchases is not applied: ascend runs no precheck",
		`primary_category.txt: "MZGenre.Apps.Food_Drink" is iTunes Connect's legacy name; pushed as FOOD_AND_DRINK`,
		"review_information/review_first_name.txt: deliver's legacy name; read as first_name.txt",
		"trade_representative_contact_information: not sent",
		"app_icon.png: not uploaded",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("validate does not say %q:\n%s", want, r.stderr)
		}
	}
	// The Deliverfile's force answers the confirmation, as in deliver: no --yes needed in a pipe.
	r = h.run(t, false, "metadata", "push", "--fastlane", root).want(t, 0)
	if !strings.Contains(r.stderr, "fastlane: app com.example.daybreak, from Appfile line 2") ||
		!strings.Contains(r.stderr, "fastlane: Deliverfile line 10 sets force: going on without asking") {
		t.Errorf("push does not say where the app came from or that force answered:\n%s", r.stderr)
	}
	deletes := h.sb.Stats().ByMethod["DELETE"]
	r = h.run(t, false, "screenshots", "sync", "--fastlane", root, "--yes").want(t, 0)
	for _, want := range []string{"screenshots of version 2.4.0: 4 uploaded", "previews of version 2.4.0: 1 uploaded"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("sync does not say %q:\n%s", want, r.stderr)
		}
	}
	if d := h.sb.Stats().ByMethod["DELETE"] - deletes; d != 0 {
		t.Errorf("sync under a Deliverfile deleted %d things the folder lacks; deliver keeps them", d)
	}
	// The second run writes nothing.
	w := h.writes(t)
	r = h.run(t, false, "metadata", "push", "--fastlane", root, "--yes").want(t, 0)
	if !strings.Contains(r.stderr, "nothing to push") {
		t.Errorf("second push: %s", r.stderr)
	}
	r = h.run(t, false, "screenshots", "sync", "--fastlane", root, "--yes").want(t, 0)
	if h.writes(t) != w {
		t.Errorf("second run wrote %d requests:\n%s", h.writes(t)-w, r.stderr)
	}
	r = h.run(t, false, "metadata", "diff", "--fastlane", root, "--json").want(t, 0)
	var changes []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &changes); err != nil || len(changes) != 0 {
		t.Errorf("diff after push: %s (%v)", r.stdout, err)
	}
	// What App Store Connect has, pulled into a fresh folder, is what deliver would have sent.
	pulled := filepath.Join(t.TempDir(), "metadata")
	h.run(t, false, "metadata", "pull", "--app", "com.example.daybreak", "--dir", pulled).want(t, 0)
	ja, _ := os.ReadFile(filepath.Join(root, "fastlane", "metadata", "ja", "keywords.txt"))
	ar, _ := os.ReadFile(filepath.Join(root, "fastlane", "metadata", "ar-SA", "keywords.txt"))
	for path, want := range map[string]string{
		"primary_category.txt":              "FOOD_AND_DRINK",
		"secondary_category.txt":            "LIFESTYLE",
		"copyright.txt":                     "2026 Example Labs",
		"review_information/first_name.txt": "Ada",
		"de-DE/keywords.txt":                "morgen,routine,planer",
		"en-US/description.txt":             "Daybreak plans your morning.\n\nWith widgets.",
		"ja/keywords.txt":                   strings.TrimSpace(string(ja)),
		"ar-SA/keywords.txt":                strings.TrimSpace(string(ar)),
		"ar-SA/release_notes.txt":           "Bug fixes and improvements.",
		"fr-FR/release_notes.txt":           "Bug fixes and improvements.", // languages: activated from default/
	} {
		b, err := os.ReadFile(filepath.Join(pulled, filepath.FromSlash(path)))
		if err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s = %q (%v), want %q", path, b, err, want)
		}
	}
}

// The metadata a Deliverfile gives itself is validated, pushed and diffed with the folder's,
// as deliver sends it: each option applied is named, and a value over Apple's limits is a
// problem at its Deliverfile line.
func TestDeliverfileMetadataFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root := deliverProject(t)
	deliverfile := filepath.Join(root, "fastlane", "Deliverfile")
	base, err := os.ReadFile(deliverfile)
	if err != nil {
		t.Fatal(err)
	}
	inline := string(base) + `release_notes({
  "default" => "Inline notes",
  "de-DE" => "Fehlerbehebungen"
})
copyright("#{Time.now.year} Example")
`
	writeFile(t, deliverfile, inline)
	r := h.run(t, false, "metadata", "validate", "--fastlane", root).want(t, 0)
	for _, want := range []string{
		"note: " + deliverfile + " line 13: release_notes applied from the Deliverfile (default, de-DE); it wins over the metadata folder's default/release_notes.txt",
		"fastlane: Deliverfile line 17 is not read: string interpolation (#{...}) needs Ruby to evaluate; copyright is not applied",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("validate does not say %q:\n%s", want, r.stderr)
		}
	}
	h.run(t, false, "metadata", "push", "--fastlane", root).want(t, 0)
	r = h.run(t, false, "metadata", "diff", "--fastlane", root, "--json").want(t, 0)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("diff after push: %s", r.stdout)
	}
	pulled := filepath.Join(t.TempDir(), "metadata")
	h.run(t, false, "metadata", "pull", "--app", "com.example.daybreak", "--dir", pulled).want(t, 0)
	for path, want := range map[string]string{"de-DE/release_notes.txt": "Fehlerbehebungen", "fr-FR/release_notes.txt": "Inline notes", "copyright.txt": "2026 Example Labs"} {
		if b, err := os.ReadFile(filepath.Join(pulled, filepath.FromSlash(path))); err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s = %q (%v), want %q", path, b, err, want)
		}
	}
	writeFile(t, deliverfile, string(base)+`keywords({ "en-US" => "`+strings.Repeat("k", 101)+`" })`+"\n")
	r = h.run(t, false, "metadata", "validate", "--fastlane", root).want(t, 1)
	if want := deliverfile + " line 13 (keywords for en-US): 101 characters, Apple allows at most 100"; !strings.Contains(r.stdout, want) {
		t.Errorf("validate does not list %q:\n%s", want, r.stdout)
	}
}
