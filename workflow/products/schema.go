package products

import (
	"bytes"
	"encoding/json"
)

// SchemaID is the catalog schema's $id.
const SchemaID = "https://github.com/ascend-tools/ascend/schemas/products.json"

// Schema returns the catalog file's JSON Schema (draft 2020-12), built from the same types
// and rules the validator uses, for editors and CI linters. Apple's limits, enumerations and
// code formats are in it; what needs App Store Connect (price points, the territory list)
// is checked by `ascend products validate --app`.
func Schema() []byte {
	defs := map[string]any{}
	root := schemaOf(catalogShape, rule{}, defs)
	doc := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         SchemaID,
		"title":       "ascend products catalog",
		"description": "An app's in-app purchases and subscriptions, as `ascend products pull` writes them and `ascend products push` applies them.",
		"$defs":       defs,
	}
	for k, v := range root {
		doc[k] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		panic("products: encode schema: " + err.Error())
	}
	return buf.Bytes()
}

func schemaOf(s *shape, r rule, defs map[string]any) map[string]any {
	out := map[string]any{}
	if r.doc != "" {
		out["description"] = r.doc
	}
	switch s.kind {
	case "string":
		out["type"] = "string"
		stringConstraints(out, r)
	case "boolean":
		out["type"] = "boolean"
	case "integer":
		out["type"] = "integer"
		if r.min != 0 {
			out["minimum"] = r.min
		}
		if r.max != 0 {
			out["maximum"] = r.max
		}
	case "array":
		out["type"] = "array"
		item := schemaOf(s.elem, rule{}, defs)
		if s.elem.kind == "string" {
			item = map[string]any{"type": "string"}
			if r.items == "territory" {
				item["pattern"] = territoryPattern.String()
			} else if len(r.enum) > 0 {
				item["enum"] = r.enum
			}
			out["uniqueItems"] = true
		}
		out["items"] = item
	case "map":
		out["type"] = "object"
		switch r.keys {
		case "locale":
			out["propertyNames"] = map[string]any{"enum": localeList()}
		case "territory":
			out["propertyNames"] = map[string]any{"pattern": territoryPattern.String()}
		}
		val := schemaOf(s.elem, rule{}, defs)
		if s.elem.kind == "string" {
			val = map[string]any{"type": "string"}
			stringConstraints(val, rule{format: r.format})
		}
		out["additionalProperties"] = val
	case "object":
		if _, done := defs[s.name]; !done && s.name != "Catalog" {
			defs[s.name] = nil // placeholder against recursion
			defs[s.name] = objectSchema(s, defs)
		}
		if s.name == "Catalog" {
			for k, v := range objectSchema(s, defs) {
				out[k] = v
			}
			return out
		}
		out["$ref"] = "#/$defs/" + s.name
	}
	return out
}

func objectSchema(s *shape, defs map[string]any) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range s.fields {
		props[f.json] = schemaOf(f.shape, rules[s.name+"."+f.json], defs)
		if f.required && f.shape.kind != "boolean" {
			required = append(required, f.json)
		}
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func stringConstraints(out map[string]any, r rule) {
	if r.maxChars > 0 {
		out["maxLength"] = r.maxChars
	}
	if len(r.enum) > 0 {
		out["enum"] = r.enum
	}
	if r.pattern != nil {
		out["pattern"] = r.pattern.String()
	}
	switch r.format {
	case "price":
		out["pattern"] = pricePattern.String()
	case "date", "future-date":
		out["format"] = "date"
		out["pattern"] = datePattern.String()
	}
}
