package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ascend-tools/ascend/internal/cli"
)

func TestBuildBody(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("line one\nline two"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		raw      []string
		typed    []string
		want     string
		wantCode int
	}{
		{"nested", []string{"a[b][c]=x", "a[b][d]=y"}, nil, `{"a":{"b":{"c":"x","d":"y"}}}`, 0},
		{"typed values", nil, []string{"n=1.5", "i=7", "t=true", "f=false", "z=null", "s=word"}, `{"f":false,"i":7,"n":1.5,"s":"word","t":true,"z":null}`, 0},
		{"raw keeps strings", []string{"t=true", "i=7"}, nil, `{"i":"7","t":"true"}`, 0},
		{"file contents", nil, []string{"notes=@" + file}, `{"notes":"line one\nline two"}`, 0},
		{"arrays", []string{"ids[]=1", "ids[]=2"}, nil, `{"ids":["1","2"]}`, 0},
		{"conflict", []string{"a=x", "a[b]=y"}, nil, "", cli.ExitUsage},
		{"unclosed bracket", []string{"a[b=x"}, nil, "", cli.ExitUsage},
		{"missing file", nil, []string{"x=@" + file + ".missing"}, "", cli.ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw, err := parseFields(tt.raw, false)
			if err != nil {
				t.Fatal(err)
			}
			typed, err := parseFields(tt.typed, true)
			if err != nil {
				t.Fatal(err)
			}
			body, err := buildBody(append(raw, typed...))
			if got := cli.ExitCode(err); got != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", got, err, tt.wantCode)
			}
			// The members' order is TestBuildBodyKeyOrder's; here the values are compared.
			if err == nil {
				if diff := cmp.Diff(decode(t, tt.want), decode(t, string(body))); diff != "" {
					t.Errorf("body %s (-want +got):\n%s", body, diff)
				}
			}
		})
	}
}

// TestBuildBodyKeyOrder checks that a body's members come in the order the fields first
// named them, at every level, and that a value set again keeps its place.
func TestBuildBodyKeyOrder(t *testing.T) {
	t.Parallel()
	raw, err := parseFields([]string{"data[type]=apps", "data[id]=1", "data[attributes][name]=X", "data[attributes][bundleId]=b",
		"z=last", "a[]=1", "data[type]=appInfos", "a[]=2", "data[attributes][sku]=<&>"}, false)
	if err != nil {
		t.Fatal(err)
	}
	typed, err := parseFields([]string{"m=1.5", "b=true"}, true)
	if err != nil {
		t.Fatal(err)
	}
	body, err := buildBody(append(raw, typed...))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"data":{"type":"appInfos","id":"1","attributes":{"name":"X","bundleId":"b","sku":"\u003c\u0026\u003e"}},"z":"last","a":["1","2"],"m":1.5,"b":true}`
	if string(body) != want {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}
