package apps_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/apps"
)

func newSandbox(t *testing.T) (*sandbox.Server, *asc.Client) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()))
	if err != nil {
		t.Fatal(err)
	}
	return sb, c
}

func requests(sb *sandbox.Server) int {
	n := 0
	for _, v := range sb.Stats().ByMethod {
		n += v
	}
	return n
}

func TestResolve(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	ctx := t.Context()

	app, n, err := apps.Resolve(ctx, c, "com.example.ledger")
	if err != nil || n != 1 || app.ID == "" || app.Attributes == nil || app.Attributes.BundleID != "com.example.ledger" {
		t.Fatalf("Resolve(bundle id) = %+v, %d requests, %v", app, n, err)
	}
	before := requests(sb)
	byID, n, err := apps.Resolve(ctx, c, app.ID)
	if err != nil || n != 0 || byID.ID != app.ID || requests(sb) != before {
		t.Errorf("Resolve(id) = %+v, %d requests (sandbox saw %d), %v; want the id and no request", byID, n, requests(sb)-before, err)
	}
	// filter[bundleId] is not trusted to match exactly: a prefix finds nothing.
	if _, _, err := apps.Resolve(ctx, c, "com.example"); err == nil || !strings.Contains(err.Error(), "no app with bundle id com.example") {
		t.Errorf("Resolve(prefix) = %v", err)
	}
	if _, _, err := apps.Resolve(ctx, c, ""); !errors.Is(err, apps.ErrNoApp) {
		t.Errorf("Resolve(\"\") = %v, want ErrNoApp", err)
	}
}

func TestGetAndList(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t)
	ctx := t.Context()
	byBundle, err := apps.Get(ctx, c, "com.example.trailhead", []string{"name"})
	if err != nil || byBundle.Attributes.Name != "Trailhead Maps" || byBundle.Attributes.BundleID != "com.example.trailhead" {
		t.Fatalf("Get(bundle id) = %+v, %v", byBundle, err)
	}
	byID, err := apps.Get(ctx, c, byBundle.ID, nil)
	if err != nil || byID.Attributes.PrimaryLocale == "" || byID.Attributes.Name != "Trailhead Maps" {
		t.Fatalf("Get(id) = %+v, %v", byID, err)
	}
	if _, err := apps.Get(ctx, c, "999999999", nil); err == nil || !strings.Contains(err.Error(), "app 999999999 not found") {
		t.Errorf("Get(unknown id) = %v", err)
	}

	page, more, err := apps.List(ctx, c, apps.Filter{Limit: 1})
	if err != nil || len(page) != 1 || !more {
		t.Errorf("List(limit 1) = %d apps, more %v, %v", len(page), more, err)
	}
	all, more, err := apps.List(ctx, c, apps.Filter{Limit: 1, All: true})
	if err != nil || len(all) < 2 || more {
		t.Errorf("List(all) = %d apps, more %v, %v", len(all), more, err)
	}
	one, _, err := apps.List(ctx, c, apps.Filter{BundleIDs: []string{"com.example.ledger"}, Limit: 200})
	if err != nil || len(one) != 1 || one[0].Attributes.BundleID != "com.example.ledger" {
		t.Errorf("List(bundle id) = %+v, %v", one, err)
	}
}
