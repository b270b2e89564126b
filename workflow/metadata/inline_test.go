package metadata_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// inlineProject is a fastlane project: the deliver folder as fastlane/metadata and deliverfile
// as its Deliverfile. It returns the project as read and the target it gives.
func inlineProject(t *testing.T, deliverfile string) (*fastlane.Config, metadata.Target) {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "fastlane", "metadata"), os.DirFS(sandboxDeliverDir(t))); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "fastlane", "Deliverfile"), deliverfile)
	c, err := fastlane.Resolve(root, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	target, err := metadata.Target{App: demoApp}.FromProject(c, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return c, target
}

// The values a Deliverfile gives itself win over the folder's files for their field and
// language, "default" as default/ does; the folder fills the rest; a second push sends nothing.
func TestSandboxDeliverfileMetadata(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	project, target := inlineProject(t, `release_notes({
  "default" => "Inline notes for everyone",
  "de-DE" => "Inline Fehlerbehebungen"
})
name({ "fr-FR" => "Ascend Notes FR" })
copyright "2026 Example Labs"
app_review_information(first_name: "Ada", notes: "Inline review notes")
`)
	if len(project.Notes) != 0 {
		t.Errorf("notes of the Deliverfile: %q", project.Notes)
	}
	m, err := metadata.LoadWith(project.MetadataPath, target.Folders)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, n := range m.Notes {
		notes = append(notes, n.String())
	}
	deliverfile := filepath.Join(project.Dir, "Deliverfile")
	for _, w := range []string{
		deliverfile + " line 1: release_notes applied from the Deliverfile (default, de-DE); it wins over the metadata folder's default/release_notes.txt, de-DE/release_notes.txt",
		deliverfile + " line 5: name applied from the Deliverfile (fr-FR); it wins over the metadata folder's fr-FR/name.txt",
		deliverfile + " line 6: copyright applied from the Deliverfile; it wins over the metadata folder's copyright.txt",
		deliverfile + " line 7: app_review_information applied from the Deliverfile (first_name, notes); it wins over the metadata folder's review_information/first_name.txt, review_information/notes.txt",
	} {
		if !strings.Contains(strings.Join(notes, "\n"), w) {
			t.Errorf("notes lack %q:\n%s", w, strings.Join(notes, "\n"))
		}
	}

	if _, _, err := metadata.Push(t.Context(), c, target, project.MetadataPath, metadata.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := metadata.Fetch(t.Context(), c, metadata.Target{App: demoApp})
	if err != nil {
		t.Fatal(err)
	}
	got := st.Metadata
	for _, tc := range []struct{ locale, field, want string }{
		{"de-DE", "release_notes", "Inline Fehlerbehebungen"},   // the Deliverfile's de-DE over de-DE/release_notes.txt
		{"en-US", "release_notes", "Inline notes for everyone"}, // its default over default/release_notes.txt
		{"ja", "release_notes", "Inline notes for everyone"},
		{"fr-FR", "name", "Ascend Notes FR"},
		{"de-DE", "name", "Ascend Notizen"}, // the folder's, where the Deliverfile gives none
		{"en-US", "support_url", "https://example.com/support"},
	} {
		if v := got.Locales[tc.locale][tc.field]; v != tc.want {
			t.Errorf("%s %s = %q, want %q", tc.locale, tc.field, v, tc.want)
		}
	}
	if got.App["copyright"] != "2026 Example Labs" {
		t.Errorf("copyright %q", got.App["copyright"])
	}
	if r := got.Review; r["first_name"] != "Ada" || r["notes"] != "Inline review notes" || r["last_name"] != "Appleseed" || r["demo_user"] != "demo@example.com" {
		t.Errorf("review information %v", r)
	}

	before := sandboxStats(t, sb)
	p, _, err := metadata.Push(t.Context(), c, target, project.MetadataPath, metadata.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := writeCount(sandboxStats(t, sb)) - writeCount(before); w != 0 || len(p.Writes) != 0 {
		t.Errorf("second push: %d writes, plan %v", w, p.Changes)
	}
}

// A Deliverfile's value is checked as a folder's file is: over Apple's limit, or for a
// language Apple does not know, it is a problem naming the Deliverfile's line, and nothing is
// sent.
func TestSandboxDeliverfileMetadataProblemsSendNothing(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	keywords := strings.Repeat("キーワード,", 17) // 102 characters
	project, target := inlineProject(t, "keywords({ \"ja\" => \""+keywords+"\" })\nname({ \"klingon\" => \"Ascend\" })\nsupport_url({ \"default\" => \"not a url\" })\n")
	_, _, err := metadata.Push(t.Context(), c, target, project.MetadataPath, metadata.ApplyOptions{})
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 3 {
		t.Fatalf("err = %v, want three problems", err)
	}
	deliverfile := filepath.Join(project.Dir, "Deliverfile")
	for _, w := range []string{
		deliverfile + " line 1 (keywords for ja): 102 characters, Apple allows at most 100",
		deliverfile + ` line 2: name: "klingon" is not a locale Apple knows`,
		deliverfile + ` line 3 (support_url for default): "not a url" is not an http or https URL`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%v\nlacks %q", err, w)
		}
	}
	if st := sandboxStats(t, sb); len(st) != 0 {
		t.Errorf("the sandbox saw requests: %v", st)
	}
	// An unknown category id, found against App Store Connect's list, names the line too.
	project, target = inlineProject(t, "primary_category \"PRODUCTIVTY\"\n")
	_, _, err = metadata.Push(t.Context(), c, target, project.MetadataPath, metadata.ApplyOptions{})
	if want := filepath.Join(project.Dir, "Deliverfile") + ` line 1 (primary_category): "PRODUCTIVTY" is not an App Store category id`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%v\nlacks %q", err, want)
	}
	if w := writeCount(sandboxStats(t, sb)); w != 0 {
		t.Errorf("%d writes", w)
	}
}

// The Deliverfile's categories take iTunes Connect's legacy names as the folder's files do;
// demo_required follows demo_user; a key app_review_information lacks is a problem; a
// Deliverfile that gives the metadata itself needs no folder.
func TestDeliverfileMetadataForms(t *testing.T) {
	t.Parallel()
	where := filepath.Join(t.TempDir(), "Deliverfile") + " line 2"
	o := metadata.FolderOptions{Inline: []fastlane.InlineValue{
		{Option: "secondary_category", Text: "MZGenre.Business", Where: where},
		{Option: "app_review_information", Key: "review_first_name", Text: "Ada", Where: where + "0"},
		{Option: "app_review_information", Key: "demo_required", Text: "true", Where: where + "0"},
		{Option: "name", Language: "en-us", Text: "  Daybreak\r\n", Where: where + "1"},
	}}
	m, err := metadata.LoadWith(filepath.Join(t.TempDir(), "absent"), o)
	if err != nil {
		t.Fatal(err)
	}
	if m.App["secondary_category"] != "BUSINESS" || m.Review["first_name"] != "Ada" || len(m.Review) != 1 || m.Locales["en-US"]["name"] != "Daybreak" {
		t.Errorf("app %v review %v locales %v", m.App, m.Review, m.Locales)
	}
	var notes []string
	for _, n := range m.Notes {
		notes = append(notes, n.String())
	}
	all := strings.Join(notes, "\n")
	for _, w := range []string{
		where + ` (secondary_category): "MZGenre.Business" is iTunes Connect's legacy name; pushed as BUSINESS`,
		where + ": secondary_category applied from the Deliverfile",
		where + "0: app_review_information's review_first_name is deliver's legacy name; read as first_name",
		where + "0: app_review_information's demo_required is not sent as given",
		where + "0: app_review_information applied from the Deliverfile (first_name)",
		where + "1: name applied from the Deliverfile (en-US)",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("notes lack %q:\n%s", w, all)
		}
	}
	o.Inline = append(o.Inline, fastlane.InlineValue{Option: "app_review_information", Key: "fax", Text: "1", Where: where})
	if _, err := metadata.LoadWith(filepath.Join(t.TempDir(), "absent"), o); err == nil || !strings.Contains(err.Error(), where+": app_review_information's fax is not one of its keys: first_name, last_name") {
		t.Errorf("an unknown key: %v", err)
	}
}
