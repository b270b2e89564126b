package archive_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/workflow/builds/archive"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

func TestReadArchives(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name  string
		file  string
		app   archivetest.App
		pkg   bool
		kind  archive.Kind
		plat  string
		uti   string
		bytes int64
	}{
		{name: "ipa with a binary Info.plist", file: "App.ipa", app: archivetest.App{BundleID: "com.example.one", Version: "2.4.0", Build: "512"},
			kind: archive.IPA, plat: archive.PlatformIOS, uti: archive.UTIIPA},
		{name: "ipa with an XML Info.plist", file: "Xml.ipa", app: archivetest.App{BundleID: "com.example.two", Version: "1.2", Build: "3.4.5", XML: true, Size: 1 << 20},
			kind: archive.IPA, plat: archive.PlatformIOS, uti: archive.UTIIPA},
		{name: "tvOS ipa", file: "Tv.ipa", app: archivetest.App{Platform: "AppleTVOS"}, kind: archive.IPA, plat: archive.PlatformTVOS,
			uti: archive.UTIIPA},
		{name: "visionOS ipa", file: "Vision.ipa", app: archivetest.App{Platform: "XROS"}, kind: archive.IPA, plat: archive.PlatformVisionOS,
			uti: archive.UTIIPA},
		{name: "product archive pkg", file: "Mac.pkg", pkg: true, app: archivetest.App{BundleID: "com.example.mac", Version: "3.0", Build: "77", Size: 3 << 20},
			kind: archive.Package, plat: archive.PlatformMacOS, uti: archive.UTIPackage},
		{name: "component pkg", file: "Component.pkg", pkg: true, app: archivetest.App{BundleID: "com.example.comp", Version: "1.0.1", Build: "9", Component: true},
			kind: archive.Package, plat: archive.PlatformMacOS, uti: archive.UTIPackage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.file)
			write := archivetest.WriteIPA
			if c.pkg {
				write = archivetest.WritePKG
			}
			if err := write(p, c.app); err != nil {
				t.Fatal(err)
			}
			info, err := archive.Read(p)
			if err != nil {
				t.Fatal(err)
			}
			want := c.app
			if want.BundleID == "" {
				want.BundleID, want.Version, want.Build = "com.example.daybreak", "1.0.0", "1"
			}
			if info.BundleID != want.BundleID || info.Version != want.Version || info.BuildNumber != want.Build {
				t.Errorf("read %s %s (%s), want %s %s (%s)", info.BundleID, info.Version, info.BuildNumber, want.BundleID, want.Version, want.Build)
			}
			if info.Kind != c.kind || info.Platform != c.plat || info.UTI() != c.uti {
				t.Errorf("kind %s platform %s uti %s, want %s %s %s", info.Kind, info.Platform, info.UTI(), c.kind, c.plat, c.uti)
			}
			if info.Name != "Daybreak.app" {
				t.Errorf("name %q", info.Name)
			}
			st, _ := os.Stat(p)
			if info.Size != st.Size() || info.FileName() != c.file {
				t.Errorf("size %d name %s, want %d %s", info.Size, info.FileName(), st.Size(), c.file)
			}
		})
	}
}

func TestReadRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	writeZip := func(name string, files map[string][]byte) string {
		f, err := os.Create(path(name))
		must(err)
		zw := zip.NewWriter(f)
		for n, b := range files {
			w, err := zw.Create(n)
			must(err)
			w.Write(b)
		}
		must(zw.Close())
		must(f.Close())
		return path(name)
	}
	plist := func(a archivetest.App) []byte {
		b, err := archivetest.InfoPlist(a)
		must(err)
		return b
	}
	must(os.WriteFile(path("notes.ipa"), []byte("just some text, not an archive"), 0o644))
	must(os.WriteFile(path("tiny.ipa"), []byte("PK"), 0o644))
	must(os.Mkdir(path("Dir.ipa"), 0o755))
	must(archivetest.WriteIPA(path("good.ipa"), archivetest.App{Size: 64 << 10}))
	good, _ := os.ReadFile(path("good.ipa"))
	must(os.WriteFile(path("truncated.ipa"), good[:len(good)/2], 0o644))
	must(archivetest.WritePKG(path("good.pkg"), archivetest.App{Size: 64 << 10}))
	pkg, _ := os.ReadFile(path("good.pkg"))
	damaged := append([]byte(nil), pkg...)
	damaged[40] ^= 0xff // inside the compressed table of contents
	must(os.WriteFile(path("damaged.pkg"), damaged, 0o644))
	must(os.WriteFile(path("truncated.pkg"), pkg[:60], 0o644))
	must(os.WriteFile(path("zip.pkg"), good, 0o644))
	must(os.WriteFile(path("xar.ipa"), pkg, 0o644))
	must(archivetest.WriteIPA(path("sim.ipa"), archivetest.App{Platform: "iPhoneSimulator"}))
	must(archivetest.WriteIPA(path("mac.ipa"), archivetest.App{Platform: "MacOSX"}))
	must(archivetest.WriteIPA(path("badversion.ipa"), archivetest.App{Version: "1.0 beta"}))
	must(archivetest.WriteIPA(path("badbuild.ipa"), archivetest.App{Build: "1.2.3.4"}))
	must(archivetest.WritePKG(path("badbuild.pkg"), archivetest.App{Build: "x7"}))

	cases := map[string]string{
		path("missing.ipa"):    "does not exist",
		path("notes.ipa"):      "neither an .ipa (zip) nor a flat .pkg",
		path("tiny.ipa"):       "too short",
		path("Dir.ipa"):        "is a directory",
		path("truncated.ipa"):  "zip directory cannot be read",
		path("damaged.pkg"):    "table of contents",
		path("truncated.pkg"):  "table of contents",
		path("zip.pkg"):        "is a zip archive, but a .pkg",
		path("xar.ipa"):        "is an installer package, but an .ipa",
		path("sim.ipa"):        "built for the simulator",
		path("mac.ipa"):        "macOS builds are uploaded as a .pkg",
		path("badversion.ipa"): `CFBundleShortVersionString "1.0 beta"`,
		path("badbuild.ipa"):   `CFBundleVersion "1.2.3.4"`,
		path("badbuild.pkg"):   `CFBundleVersion "x7"`,
		writeZip("nopayload.ipa", map[string][]byte{"Info.plist": plist(archivetest.App{})}):                                                                                         "no Payload/<Name>.app/Info.plist",
		writeZip("deep.ipa", map[string][]byte{"Payload/A.app/Frameworks/X.framework/Info.plist": plist(archivetest.App{})}):                                                         "no Payload/<Name>.app/Info.plist",
		writeZip("two.ipa", map[string][]byte{"Payload/A.app/Info.plist": plist(archivetest.App{}), "Payload/B.app/Info.plist": nil}):                                                "holds 2 apps",
		writeZip("garbage.ipa", map[string][]byte{"Payload/A.app/Info.plist": []byte("\x00\x01 not a plist")}):                                                                       "not a property list",
		writeZip("nobundle.ipa", map[string][]byte{"Payload/A.app/Info.plist": plist(archivetest.App{Plist: map[string]any{"X": "y"}})}):                                             "no CFBundleIdentifier",
		writeZip("noversion.ipa", map[string][]byte{"Payload/A.app/Info.plist": plist(archivetest.App{Plist: map[string]any{"CFBundleIdentifier": "a.b", "CFBundleVersion": "1"}})}): "no CFBundleShortVersionString",
	}
	for p, want := range cases {
		_, err := archive.Read(p)
		if err == nil {
			t.Errorf("%s: read without error, want %q", filepath.Base(p), want)
			continue
		}
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", filepath.Base(p), err, want)
		}
	}
}
