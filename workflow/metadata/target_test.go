package metadata_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

func TestTargetWithDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		in       metadata.Target
		fallback string
		want     metadata.Target
		err      string
	}{
		{"flags win", metadata.Target{App: "123", Platform: "mac_os"}, "com.example.env", metadata.Target{App: "123", Platform: "MAC_OS"}, ""},
		{"then the fallback", metadata.Target{Version: "2.0"}, "com.example.env", metadata.Target{App: "com.example.env", Version: "2.0"}, ""},
		{"unknown platform", metadata.Target{App: "1", Platform: "android"}, "", metadata.Target{}, `--platform "ANDROID" is not a platform: use one of IOS, MAC_OS, TV_OS, VISION_OS`},
		{"live and a version", metadata.Target{App: "1", Live: true, Version: "1.0"}, "", metadata.Target{}, "--edit-live and --version both"},
	} {
		got, err := tc.in.WithDefaults(tc.fallback)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && (err != nil || !reflect.DeepEqual(got, tc.want)):
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := (metadata.Target{}).WithDefaults(""); !errors.Is(err, apps.ErrNoApp) {
		t.Errorf("no app: %v, want apps.ErrNoApp", err)
	}
}
