package sandbox

import (
	"net/url"

	"github.com/ascend-tools/ascend/internal/spec"
)

// The sandbox serves what the generated catalog describes: these names keep the rest of the
// package short and in one place say where routing and the resource model come from.
type (
	Operation    = spec.Operation
	Param        = spec.Param
	Problem      = spec.Problem
	Field        = spec.Field
	Relation     = spec.Relation
	ResourceType = spec.ResourceType
	Body         = spec.Body
)

func specOperations() []Operation { return spec.Operations() }
func specFind(method, path string) (*Operation, map[string]string, bool) {
	return spec.Find(method, path)
}
func specMethods(path string) []string                         { return spec.Methods(path) }
func specResource(typ string) (*ResourceType, bool)            { return spec.Resource(typ) }
func specResourceBySchema(schema string) (*ResourceType, bool) { return spec.ResourceBySchema(schema) }
func specRequestBody(schema string) (*Body, bool)              { return spec.RequestBody(schema) }
func specResponseItemType(schema string) (string, bool, bool)  { return spec.ResponseItemType(schema) }
func specValidateQuery(op *Operation, q url.Values) []Problem  { return spec.ValidateQuery(op, q) }
func specSuggest(method, path string) string                   { return spec.Suggest(method, path) }
func specByID(id string) (*Operation, bool)                    { return spec.ByID(id) }
