package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// ipaBytes builds an .ipa at test time and returns its bytes.
func ipaBytes(t *testing.T, a archivetest.App) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "App.ipa")
	if err := archivetest.WriteIPA(p, a); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reserveBuild creates a build upload and its file for data and returns them.
func reserveBuild(t *testing.T, c *testClient, appID, version, build, platform, uti string, data []byte) (up, file map[string]any) {
	t.Helper()
	up = c.do("POST", "/v1/buildUploads", resource("buildUploads", "", map[string]any{
		"cfBundleShortVersionString": version, "cfBundleVersion": build, "platform": platform,
	}, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	file = c.do("POST", "/v1/buildUploadFiles", resource("buildUploadFiles", "", map[string]any{
		"fileName": "App.ipa", "fileSize": len(data), "uti": uti, "assetType": "ASSET",
	}, map[string]any{"buildUpload": [2]string{"buildUploads", id(up)}})).must(t, 201).data()
	return up, file
}

func commitBuild(t *testing.T, c *testClient, file map[string]any, data []byte, sha string) {
	t.Helper()
	sendParts(t, attr(file, "uploadOperations").([]any), data, -1)
	c.do("PATCH", "/v1/buildUploadFiles/"+id(file), resource("buildUploadFiles", id(file), map[string]any{
		"uploaded": true, "sourceFileChecksums": map[string]any{"file": map[string]any{"hash": sha, "algorithm": "SHA_256"}},
	}, nil)).must(t, 200)
}

func uploadState(t *testing.T, c *testClient, upID string) (string, []any) {
	t.Helper()
	st := attr(c.do("GET", "/v1/buildUploads/"+upID, nil).must(t, 200).data(), "state").(map[string]any)
	errs, _ := st["errors"].([]any)
	return st["state"].(string), errs
}

func TestBuildUploadRules(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{PartSize: 1 << 10, ProcessingDelay: time.Minute, BuildProcessingDelay: 10 * time.Minute})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger"))
	mac := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.trailhead"))

	// A build number used by a build of the train, or by an upload of it, is refused at once.
	dup := c.do("POST", "/v1/buildUploads", resource("buildUploads", "", map[string]any{
		"cfBundleShortVersionString": "1.8.0", "cfBundleVersion": "24", "platform": "IOS"}, map[string]any{"app": [2]string{"apps", app}})).must(t, 409)
	if dup.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE" || !strings.Contains(string(dup.body), apple.DuplicateBuildDetail("24")) {
		t.Errorf("duplicate build: %s", string(dup.body))
	}
	// Both are one to three period-separated integers, each refused by name.
	invalid := c.do("POST", "/v1/buildUploads", resource("buildUploads", "", map[string]any{
		"cfBundleShortVersionString": "1.9-beta", "cfBundleVersion": "1.2.3.4", "platform": "IOS"}, map[string]any{"app": [2]string{"apps", app}})).must(t, 409)
	if errs, _ := invalid.doc["errors"].([]any); len(errs) != 2 || invalid.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" ||
		!strings.Contains(string(invalid.body), "/data/attributes/cfBundleShortVersionString") || !strings.Contains(string(invalid.body), "/data/attributes/cfBundleVersion") {
		t.Errorf("invalid version and build number: %s", invalid.body)
	}
	good := ipaBytes(t, archivetest.App{BundleID: "com.example.ledger", Version: "1.9.0", Build: "901", Size: 4000})
	up, file := reserveBuild(t, c, app, "1.9.0", "901", "IOS", "com.apple.ipa", good)
	c.do("POST", "/v1/buildUploads", resource("buildUploads", "", map[string]any{
		"cfBundleShortVersionString": "1.9.0", "cfBundleVersion": "901", "platform": "IOS"}, map[string]any{"app": [2]string{"apps", app}})).must(t, 409)
	// One archive per upload, with the UTI of its platform.
	c.do("POST", "/v1/buildUploadFiles", resource("buildUploadFiles", "", map[string]any{
		"fileName": "Again.ipa", "fileSize": 10, "uti": "com.apple.ipa", "assetType": "ASSET"}, map[string]any{"buildUpload": [2]string{"buildUploads", id(up)}})).must(t, 409)
	macUp := c.do("POST", "/v1/buildUploads", resource("buildUploads", "", map[string]any{
		"cfBundleShortVersionString": "3.0.0", "cfBundleVersion": "77", "platform": "MAC_OS"}, map[string]any{"app": [2]string{"apps", mac}})).must(t, 201).data()
	wrong := c.do("POST", "/v1/buildUploadFiles", resource("buildUploadFiles", "", map[string]any{
		"fileName": "Trailhead.ipa", "fileSize": 10, "uti": "com.apple.ipa", "assetType": "ASSET"}, map[string]any{"buildUpload": [2]string{"buildUploads", id(macUp)}})).must(t, 409)
	if !strings.Contains(string(wrong.body), "A MAC_OS build is uploaded as com.apple.pkg") {
		t.Errorf("wrong uti: %s", string(wrong.body))
	}
	// Committed, the upload is PROCESSING at once; processed, it becomes a build.
	commitBuild(t, c, file, good, sha256hex(good))
	if st, _ := uploadState(t, c, id(up)); st != "PROCESSING" {
		t.Errorf("after the commit the upload is %s", st)
	}
	step(s, clk, time.Minute)
	step(s, clk, 10*time.Minute)
	if st, _ := uploadState(t, c, id(up)); st != "COMPLETE" {
		t.Errorf("processed upload is %s", st)
	}

	// A checksum that does not match fails the file and the upload, with the reason.
	bad := ipaBytes(t, archivetest.App{BundleID: "com.example.ledger", Version: "1.9.0", Build: "902"})
	up2, file2 := reserveBuild(t, c, app, "1.9.0", "902", "IOS", "com.apple.ipa", bad)
	commitBuild(t, c, file2, bad, strings.Repeat("0", 64))
	step(s, clk, time.Minute)
	if st, errs := uploadState(t, c, id(up2)); st != "FAILED" || len(errs) != 1 || errs[0].(map[string]any)["code"] != apple.IssueChecksumMismatch {
		t.Errorf("checksum mismatch: %s %v", st, errs)
	}
	// A failed upload does not use up its number.
	c.do("POST", "/v1/buildUploads", resource("buildUploads", "", map[string]any{
		"cfBundleShortVersionString": "1.9.0", "cfBundleVersion": "902", "platform": "IOS"}, map[string]any{"app": [2]string{"apps", app}})).must(t, 201)

	// An archive of another app, or of other numbers, fails processing with each reason.
	other := ipaBytes(t, archivetest.App{BundleID: "com.example.daybreak", Version: "1.9.1", Build: "903"})
	up3, file3 := reserveBuild(t, c, app, "1.9.0", "903", "IOS", "com.apple.ipa", other)
	commitBuild(t, c, file3, other, sha256hex(other))
	step(s, clk, time.Minute)
	st, errs := uploadState(t, c, id(up3))
	var codes []string
	for _, e := range errs {
		codes = append(codes, e.(map[string]any)["code"].(string))
	}
	if st != "FAILED" || strings.Join(codes, ",") != apple.IssueBundleIDChanged+","+apple.IssueMetadataMismatch {
		t.Errorf("another app's archive: %s %v", st, errs)
	}
	for _, code := range codes {
		if is, ok := apple.LookupBuildIssue(code); !ok || is.SandboxOnly {
			t.Errorf("code %s is not one of Apple's in package apple's table", code)
		}
	}
	// Bytes that are not an archive at all.
	junk := []byte(strings.Repeat("not an archive ", 100))
	up4, file4 := reserveBuild(t, c, app, "1.9.0", "904", "IOS", "com.apple.ipa", junk)
	commitBuild(t, c, file4, junk, sha256hex(junk))
	step(s, clk, time.Minute)
	if st, errs := uploadState(t, c, id(up4)); st != "FAILED" || len(errs) != 1 || errs[0].(map[string]any)["code"] != apple.IssueInvalidArchive {
		t.Errorf("junk: %s %v", st, errs)
	}
}

// TestLargeUploadIsSpooled: an upload above the spool threshold is kept on disk in
// Options.SpoolDir, checked off the lock, and processed once the check is done.
func TestLargeUploadIsSpooled(t *testing.T) {
	t.Parallel()
	spoolDir := t.TempDir()
	s, c, clk := newClockedServer(t, Options{PartSize: 8 << 20, ProcessingDelay: time.Minute, BuildProcessingDelay: time.Minute, SpoolDir: spoolDir})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger"))
	data := ipaBytes(t, archivetest.App{BundleID: "com.example.ledger", Version: "1.9.0", Build: "910", Size: spoolThreshold + 5<<20})
	up, file := reserveBuild(t, c, app, "1.9.0", "910", "IOS", "com.apple.ipa", data)
	s.mu.Lock()
	spooled := s.uploads[attr(file, "uploadOperations").([]any)[0].(map[string]any)["url"].(string)[len(s.URL()+"/sandbox/upload/"):][:32]]
	s.mu.Unlock()
	if spooled == nil || spooled.spool == nil {
		t.Fatal("a large upload is not spooled")
	}
	spoolName := spooled.spool.Name()
	if filepath.Dir(spoolName) != spoolDir {
		t.Fatalf("spooled to %s, not in SpoolDir %s", spoolName, spoolDir)
	}
	commitBuild(t, c, file, data, sha256hex(data))
	deadline := time.Now().Add(20 * time.Second)
	for {
		step(s, clk, time.Minute)
		if st, _ := uploadState(t, c, id(up)); st == "COMPLETE" || st == "FAILED" || time.Now().After(deadline) {
			if st != "COMPLETE" {
				t.Fatalf("large upload ended %s", st)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(spoolName); err == nil {
		t.Error("the spool file is still there")
	}
}

// ledgerIPA is an .ipa of the demo app Pocket Ledger, 1.9.0 (900).
func ledgerIPA(t *testing.T) []byte {
	return ipaBytes(t, archivetest.App{BundleID: "com.example.ledger", Version: "1.9.0", Build: "900", Size: 3000})
}

// TestCloseRemovesSpools: closing the sandbox while a large upload is spooled, or while its
// checksum is being checked, leaves no file behind.
func TestCloseRemovesSpools(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{PartSize: 8 << 20})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger"))
	data := ipaBytes(t, archivetest.App{BundleID: "com.example.ledger", Version: "1.9.0", Build: "920", Size: spoolThreshold + 1<<20})
	_, committed := reserveBuild(t, c, app, "1.9.0", "920", "IOS", "com.apple.ipa", data)
	_, pending := reserveBuild(t, c, app, "1.9.0", "921", "IOS", "com.apple.ipa", data)
	spoolOf := func(file map[string]any) string {
		tok := attr(file, "uploadOperations").([]any)[0].(map[string]any)["url"].(string)[len(s.URL()+"/sandbox/upload/"):][:32]
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.uploads[tok].spool.Name()
	}
	names := []string{spoolOf(committed), spoolOf(pending)}
	commitBuild(t, c, committed, data, sha256hex(data))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if _, err := os.Stat(n); err == nil {
			t.Errorf("%s is still there after Close", n)
		}
	}
}
