package products

import (
	"bytes"
	"encoding/json"
)

// SchemaID is the catalog schema's $id.
const SchemaID = "https://github.com/ascend-tools/ascend/schemas/products.json"

// jsonSchema is the part of JSON Schema (draft 2020-12) the catalog's schema uses. Fields are
// declared in the order of their JSON names.
type jsonSchema struct {
	Defs   map[string]*jsonSchema `json:"$defs,omitempty"`
	ID     string                 `json:"$id,omitempty"`
	Ref    string                 `json:"$ref,omitempty"`
	Schema string                 `json:"$schema,omitempty"`
	// AdditionalProperties is false (a closed object) or the schema of a map's values.
	AdditionalProperties any                    `json:"additionalProperties,omitempty"`
	Description          string                 `json:"description,omitempty"`
	Enum                 []string               `json:"enum,omitempty"`
	Format               string                 `json:"format,omitempty"`
	Items                *jsonSchema            `json:"items,omitempty"`
	MaxLength            int                    `json:"maxLength,omitempty"`
	Maximum              int                    `json:"maximum,omitempty"`
	Minimum              int                    `json:"minimum,omitempty"`
	Pattern              string                 `json:"pattern,omitempty"`
	Properties           map[string]*jsonSchema `json:"properties,omitempty"`
	PropertyNames        *jsonSchema            `json:"propertyNames,omitempty"`
	Required             []string               `json:"required,omitempty"`
	Title                string                 `json:"title,omitempty"`
	Type                 string                 `json:"type,omitempty"`
	UniqueItems          bool                   `json:"uniqueItems,omitempty"`
}

// Schema returns the catalog file's JSON Schema (draft 2020-12), built from the same types
// and rules the validator uses, for editors and CI linters. Apple's limits, enumerations and
// code formats are in it; what needs App Store Connect (price points, the territory list)
// is checked by `ascend products validate --app`.
func Schema() []byte {
	defs := map[string]*jsonSchema{}
	doc := schemaOf(catalogShape, rule{}, defs)
	doc.Schema = "https://json-schema.org/draft/2020-12/schema"
	doc.ID = SchemaID
	doc.Title = "ascend products catalog"
	doc.Description = "An app's in-app purchases and subscriptions, as `ascend products pull` writes them and `ascend products push` applies them."
	doc.Defs = defs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		panic("products: encode schema: " + err.Error())
	}
	return buf.Bytes()
}

func schemaOf(s *shape, r rule, defs map[string]*jsonSchema) *jsonSchema {
	out := &jsonSchema{Description: r.doc}
	switch s.kind {
	case "string":
		out.Type = "string"
		stringConstraints(out, r)
	case "boolean":
		out.Type = "boolean"
	case "integer":
		out.Type, out.Minimum, out.Maximum = "integer", r.min, r.max
	case "array":
		out.Type = "array"
		item := schemaOf(s.elem, rule{}, defs)
		if s.elem.kind == "string" {
			item = &jsonSchema{Type: "string"}
			if r.items == "territory" {
				item.Pattern = territoryPattern.String()
			} else {
				item.Enum = r.enum
			}
			out.UniqueItems = true
		}
		out.Items = item
	case "map":
		out.Type = "object"
		switch r.keys {
		case "locale":
			out.PropertyNames = &jsonSchema{Enum: localeList()}
		case "territory":
			out.PropertyNames = &jsonSchema{Pattern: territoryPattern.String()}
		}
		val := schemaOf(s.elem, rule{}, defs)
		if s.elem.kind == "string" {
			val = &jsonSchema{Type: "string"}
			stringConstraints(val, rule{format: r.format})
		}
		out.AdditionalProperties = val
	case "object":
		if s.name == "Catalog" {
			obj := objectSchema(s, defs)
			obj.Description = out.Description
			return obj
		}
		if _, done := defs[s.name]; !done {
			defs[s.name] = nil // placeholder against recursion
			defs[s.name] = objectSchema(s, defs)
		}
		out.Ref = "#/$defs/" + s.name
	}
	return out
}

func objectSchema(s *shape, defs map[string]*jsonSchema) *jsonSchema {
	out := &jsonSchema{Type: "object", Properties: map[string]*jsonSchema{}, AdditionalProperties: false}
	for _, f := range s.fields {
		out.Properties[f.json] = schemaOf(f.shape, rules[s.name+"."+f.json], defs)
		if f.required && f.shape.kind != "boolean" {
			out.Required = append(out.Required, f.json)
		}
	}
	return out
}

func stringConstraints(out *jsonSchema, r rule) {
	out.MaxLength, out.Enum = r.maxChars, r.enum
	if r.pattern != nil {
		out.Pattern = r.pattern.String()
	}
	if r.plain {
		out.Pattern = plainPattern
	}
	switch r.format {
	case "price":
		out.Pattern = pricePattern.String()
	case "date", "future-date":
		out.Format, out.Pattern = "date", datePattern.String()
	}
}
