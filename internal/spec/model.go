package spec

// Field describes an attribute's JSON shape, enough to validate a request body and to fill a
// plausible value in the sandbox.
type Field struct {
	Type       string // string|integer|number|boolean|object|array; "" when the spec allows several shapes
	Format     string // date-time, date, uri, email, ...
	Enum       []string
	Items      *Field
	Properties map[string]*Field
	Required   []string
}

// Relation is one relationship of a resource type.
type Relation struct {
	ToMany bool
	Type   string // target resource type; "" when the spec does not say
}

// ResourceType is the model of one JSON:API resource type.
type ResourceType struct {
	Type, Schema  string
	Attributes    map[string]*Field
	Relationships map[string]Relation
}

// Body is the model of a request body: a create or update request (Type, attributes and
// relationships) or a relationship linkage request (Type is the linked resource type).
type Body struct {
	Schema, Type          string
	IDRequired            bool
	Attributes            map[string]*Field
	RequiredAttributes    []string
	Relationships         map[string]Relation
	RequiredRelationships []string
}

// Resource returns the model of a resource type, keyed by its JSON:API type
// ("appInfoLocalizations"). Where Apple keeps a deprecated v1 schema beside a V2 one for the
// same type (inAppPurchases, gameCenterLeaderboards, ...), the V2 schema is returned.
func Resource(typ string) (*ResourceType, bool) {
	r, ok := load().res[typ]
	return r, ok
}

// ResourceBySchema returns the model of a resource schema by its spec name ("AppInfo",
// "InAppPurchaseV2", or an inline-create variant).
func ResourceBySchema(schema string) (*ResourceType, bool) {
	r, ok := load().bySchema[schema]
	return r, ok
}

// RequestBody returns the model of a request body schema named by Operation.RequestSchema.
func RequestBody(schema string) (*Body, bool) {
	b, ok := load().bodies[schema]
	return b, ok
}

// ResponseItemType tells which resource type a response schema carries and whether it is a
// list: "AppInfosResponse" -> ("appInfos", true). Linkage responses report the linked type.
func ResponseItemType(schema string) (typ string, list bool, ok bool) {
	it, ok := load().items[schema]
	return it.T, it.L, ok
}
