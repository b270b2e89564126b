package agerating_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/agerating"
)

const daybreak = "com.example.daybreak"

func TestPullEditPushOnce(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	d, err := agerating.Pull(t.Context(), c, daybreak)
	if err != nil {
		t.Fatal(err)
	}
	if d.InfoState != "PREPARE_FOR_SUBMISSION" || d.Config.Answers["violenceCartoonOrFantasy"] != agerating.Text("NONE") || d.Config.Answers["lootBox"] != agerating.YesNo(false) {
		t.Fatalf("pull: %+v %v", d, d.Config.Answers)
	}
	path := filepath.Join(t.TempDir(), "app_rating_config.json")
	if err := os.WriteFile(path, d.Config.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	same, err := agerating.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := agerating.Push(t.Context(), c, daybreak, same, false); err != nil || len(res.Changed) != 0 || sb.Writes() != 0 {
		t.Fatalf("pushing what was pulled: %+v %v, %d writes", res, err, sb.Writes())
	}
	// An older deliver file: iTunes Connect's keys and numbers, and a key Apple retired.
	cfg, err := agerating.Parse([]byte(`{"CARTOON_FANTASY_VIOLENCE": 2, "UNRESTRICTED_WEB_ACCESS": 1, "kidsAgeBand": "SIX_TO_EIGHT", "seventeenPlus": false, "lootBox": false}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Notes) != 1 || !strings.Contains(cfg.Notes[0], "seventeenPlus") {
		t.Errorf("notes %v", cfg.Notes)
	}
	dry, err := agerating.Push(t.Context(), c, daybreak, cfg, true)
	if err != nil || strings.Join(dry.Changed, ",") != "violenceCartoonOrFantasy,unrestrictedWebAccess,kidsAgeBand" || sb.Writes() != 0 {
		t.Fatalf("dry run: %+v %v, %d writes", dry, err, sb.Writes())
	}
	sb.Fail(sandbox.FaultRule{Method: "PATCH", Route: "/v1/ageRatingDeclarations/{id}", After: true, Drop: true, Times: 1})
	res, err := agerating.Push(t.Context(), c, daybreak, cfg, false)
	if err != nil || len(res.Changed) != 3 {
		t.Fatalf("push: %+v %v", res, err)
	}
	after, err := agerating.Pull(t.Context(), c, daybreak)
	if err != nil || after.Config.Answers["violenceCartoonOrFantasy"] != agerating.Text("FREQUENT_OR_INTENSE") || after.Config.Answers["unrestrictedWebAccess"] != agerating.YesNo(true) || after.Config.Answers["kidsAgeBand"] != agerating.Text("SIX_TO_EIGHT") {
		t.Fatalf("after the push: %v %v", after.Config.Answers, err)
	}
	writes := sb.Writes()
	if again, err := agerating.Push(t.Context(), c, daybreak, cfg, false); err != nil || len(again.Changed) != 0 || sb.Writes() != writes {
		t.Errorf("second push: %+v %v, %d writes", again, err, sb.Writes()-writes)
	}
	// Clearing the kids band sends null.
	clear, _ := agerating.Parse([]byte(`{"kidsAgeBand": null}`))
	if res, err := agerating.Push(t.Context(), c, daybreak, clear, false); err != nil || strings.Join(res.Changed, ",") != "kidsAgeBand" {
		t.Fatalf("clear: %+v %v", res, err)
	}
	if after, _ := agerating.Pull(t.Context(), c, daybreak); !after.Config.Answers["kidsAgeBand"].IsNone() {
		t.Errorf("kids band after clearing: %v", after.Config.Answers["kidsAgeBand"])
	}
}

func TestBadFilesAreRefusedWhole(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"violence": "NONE", "lootBox": "no", "CARTOON_FANTASY_VIOLENCE": 5}`: "CARTOON_FANTASY_VIOLENCE: 5 is not one of 0 (none), 1 (infrequent or mild), 2 (frequent or intense); lootBox: no is not true or false; violence is not an age rating question",
		`{"CARTOON_FANTASY_VIOLENCE": 0, "violenceCartoonOrFantasy": "NONE"}`:  "answer the same question",
		`[1]`:                  "not a JSON object",
		`{"contests": "LOTS"}`: "contests: LOTS is not one of NONE, INFREQUENT_OR_MILD, FREQUENT_OR_INTENSE, INFREQUENT, FREQUENT",
	} {
		_, err := agerating.Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestTheLiveAppInfoIsRefused(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	d, err := agerating.Pull(t.Context(), c, daybreak)
	if err != nil {
		t.Fatal(err)
	}
	sb.Set("appInfos", d.AppInfoID, "state", "WAITING_FOR_REVIEW")
	cfg, _ := agerating.Parse([]byte(`{"contests": "FREQUENT"}`))
	if _, err := agerating.Push(t.Context(), c, daybreak, cfg, false); err == nil || !strings.Contains(err.Error(), "version being prepared") {
		t.Errorf("push to a locked app info: %v", err)
	}
	if sb.Writes() != 0 {
		t.Errorf("%d writes", sb.Writes())
	}
}
