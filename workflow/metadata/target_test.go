package metadata_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

func TestTargetWithDefaults(t *testing.T) {
	t.Parallel()
	fastlane := t.TempDir()
	dir := filepath.Join(fastlane, "metadata")
	if err := os.WriteFile(filepath.Join(fastlane, "Appfile"), []byte("app_identifier(\"com.example.fromappfile\")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		in       metadata.Target
		dir, env string
		want     metadata.Target
		err      string
	}{
		{"flags win", metadata.Target{App: "123", Platform: "mac_os"}, dir, "com.example.env", metadata.Target{App: "123", Platform: "MAC_OS"}, ""},
		{"environment next", metadata.Target{}, dir, "com.example.env", metadata.Target{App: "com.example.env"}, ""},
		{"then the Appfile", metadata.Target{Version: "2.0"}, dir, "", metadata.Target{App: "com.example.fromappfile", Version: "2.0"}, ""},
		{"no app", metadata.Target{}, t.TempDir(), "", metadata.Target{}, apps.ErrNoApp.Error()},
		{"unknown platform", metadata.Target{App: "1", Platform: "android"}, dir, "", metadata.Target{}, `--platform "ANDROID" is not a platform: use one of IOS, MAC_OS, TV_OS, VISION_OS`},
		{"live and a version", metadata.Target{App: "1", Live: true, Version: "1.0"}, dir, "", metadata.Target{}, "--edit-live and --version both"},
	} {
		got, err := tc.in.WithDefaults(tc.dir, tc.env)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := (metadata.Target{}).WithDefaults(t.TempDir(), ""); !errors.Is(err, apps.ErrNoApp) {
		t.Errorf("no app: %v, want apps.ErrNoApp", err)
	}
}
