package api

import (
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
			if diff := cmp.Diff(tt.want, string(body)); err == nil && diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
