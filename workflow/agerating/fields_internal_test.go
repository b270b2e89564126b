package agerating

import (
	"reflect"
	"testing"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
)

// TestEveryQuestionIsAnAttribute: apple's questionnaire and the generated types agree, so a
// regenerated spec that renames or retypes a question fails here, not in a user's push.
func TestEveryQuestionIsAnAttribute(t *testing.T) {
	read := fieldsByJSONName(reflect.ValueOf(&asc.AgeRatingDeclarationAttributes{}).Elem())
	var in asc.AgeRatingDeclarationUpdateRequestAttributes
	write := fieldsByJSONName(reflect.ValueOf(&in).Elem())
	for _, q := range apple.AgeRatingQuestions() {
		if _, ok := read[q.Key]; !ok {
			t.Errorf("%s: not an attribute of a declaration Apple returns", q.Key)
		}
		var answer any = true
		if q.Kind != apple.AgeRatingYesNo {
			answer = "X"
		}
		if err := setAnswer(write, q.Key, answer); err != nil {
			t.Errorf("%s: %v", q.Key, err)
		}
		if err := setAnswer(write, q.Key, 3); err == nil {
			t.Errorf("%s: a number was taken as an answer", q.Key)
		}
	}
	if in.LootBox == nil || !*in.LootBox || in.KidsAgeBand == nil || *in.KidsAgeBand != "X" {
		t.Fatalf("answers not set on the request: %+v", in)
	}
	if err := setAnswer(write, "seventeenPlus", true); err == nil {
		t.Fatal("a key the API does not take was set")
	}
}
