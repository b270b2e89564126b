package asc

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/spec"
)

// TestEveryOperationHasOneMethod checks the generated client against the catalog: one method
// per operation of the spec, no method without an operation, and each named method present on
// its service (found by reflection, so a renamed method cannot hide behind the table).
func TestEveryOperationHasOneMethod(t *testing.T) {
	t.Parallel()
	ops := spec.Operations()
	if len(ops) != 1263 || len(operationMethods) != len(ops) {
		t.Fatalf("catalog has %d operations, table %d; want 1263 both", len(ops), len(operationMethods))
	}
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	client := reflect.ValueOf(c)
	seen := map[string]string{}
	for _, op := range ops {
		name, ok := operationMethods[op.ID]
		if !ok {
			t.Errorf("%s has no method", op.ID)
			continue
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("%s and %s share method %s", prev, op.ID, name)
		}
		seen[name] = op.ID
		if !hasMethod(client, name) {
			t.Errorf("%s: method %s does not exist", op.ID, name)
		}
		// Every paged GET has an iterator.
		if it, ok := listIterators[op.ID]; ok && !hasMethod(client, it) {
			t.Errorf("%s: iterator %s does not exist", op.ID, it)
		}
	}
	if len(listIterators) < 400 {
		t.Errorf("only %d iterators; every list operation should have one", len(listIterators))
	}
}

func hasMethod(client reflect.Value, name string) bool {
	svc, meth, _ := strings.Cut(name, ".")
	field := client.Elem().FieldByName(svc)
	if !field.IsValid() || field.IsNil() {
		return false
	}
	return field.MethodByName(meth).IsValid()
}

// TestIteratorsCoverEveryListOperation checks that every paged list has an XIter.
func TestIteratorsCoverEveryListOperation(t *testing.T) {
	t.Parallel()
	for _, op := range spec.Operations() {
		_, list, ok := spec.ResponseItemType(op.ResponseSchema)
		paged := false
		for _, p := range op.Params {
			if p.Name == "limit" {
				paged = true
			}
		}
		if ok && list && paged && op.Method == "GET" {
			if _, has := listIterators[op.ID]; !has {
				t.Errorf("%s lists %s but has no iterator", op.ID, op.ResponseSchema)
			}
		}
	}
}
