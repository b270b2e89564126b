package connector

import (
	"sort"
	"strings"

	"github.com/ascend-tools/ascend/internal/spec"
)

// schema is a Swagger 2.0 schema object with the Power Platform extensions the exported
// connector uses. Every property carries an x-ms-summary (Title Case, what the designer
// shows as dynamic content) and a description ending with a period.
type schema struct {
	Ref             string             `json:"$ref,omitempty"`
	Type            string             `json:"type,omitempty"`
	Format          string             `json:"format,omitempty"`
	Summary         string             `json:"x-ms-summary,omitempty"`
	Description     string             `json:"description,omitempty"`
	Enum            []string           `json:"enum,omitempty"`
	Items           *schema            `json:"items,omitempty"`
	Properties      map[string]*schema `json:"properties,omitempty"`
	Required        []string           `json:"required,omitempty"`
	Visibility      string             `json:"x-ms-visibility,omitempty"`
	NotificationURL bool               `json:"x-ms-notification-url,omitempty"`
}

// field makes a property: a type, its summary and its description.
func field(typ, summary, description string) *schema {
	return &schema{Type: typ, Summary: titleCase(summary), Description: sentence(description)}
}

func object(summary, description string, props map[string]*schema) *schema {
	s := field("object", summary, description)
	s.Properties = props
	return s
}

func arrayOf(summary, description string, items *schema) *schema {
	s := field("array", summary, description)
	s.Items = items
	return s
}

// schemas collects the definitions the exported operations refer to: one JSON:API resource
// schema and one flat schema per resource type, shared by every operation that answers it.
type schemas struct {
	defs map[string]*schema
}

func newSchemas() *schemas { return &schemas{defs: map[string]*schema{}} }

func (s *schemas) ref(name string) *schema { return &schema{Ref: "#/definitions/" + name} }

// defName names a resource type's definitions after its schema in Apple's spec ("App").
func defName(typ string) string {
	if rt, ok := spec.Resource(typ); ok && rt.Schema != "" {
		return sanitizeID(rt.Schema)
	}
	return sanitizeID(capitalize(typ))
}

// attributeSchema describes one attribute of Apple's model, nested objects and arrays
// included.
func attributeSchema(name string, f *spec.Field) *schema {
	s := field("", words(name), "The "+words(name)+".")
	switch f.Type {
	case "string", "integer", "number", "boolean":
		s.Type, s.Format = f.Type, f.Format
		if f.Type == "string" && len(f.Enum) > 0 {
			s.Enum = f.Enum
		}
	case "array":
		s.Type = "array"
		s.Items = &schema{Type: "string"}
		if f.Items != nil {
			item := attributeSchema(singularWord(name), f.Items)
			item.Summary, item.Description = "", ""
			s.Items = item
		}
	case "object":
		s.Type = "object"
		if len(f.Properties) > 0 {
			s.Properties = map[string]*schema{}
			for n, sub := range f.Properties {
				s.Properties[n] = attributeSchema(n, sub)
			}
		}
	default:
		// The spec allows several shapes here; the designer shows it as an object.
		s.Type = "object"
	}
	return s
}

// flatResource is the flat shape of a resource (see flatResource in flatten.go): id, type,
// the attributes and the related ids.
func (s *schemas) flatResource(typ string) *schema {
	name := defName(typ) + "Flat"
	if _, ok := s.defs[name]; ok {
		return s.ref(name)
	}
	props := map[string]*schema{
		"id":   field("string", "ID", "The App Store Connect id of the "+singularWord(words(typ))+"."),
		"type": field("string", "Type", "The resource type, "+typ+"."),
	}
	if rt, ok := spec.Resource(typ); ok {
		for n, f := range rt.Attributes {
			props[n] = attributeSchema(n, f)
		}
		for n, rel := range rt.Relationships {
			if rel.ToMany {
				props[n+"Ids"] = arrayOf(words(n)+" ids", "The ids of the related "+words(n)+", when the request included them.", &schema{Type: "string"})
			} else {
				props[n+"Id"] = field("string", words(n)+" id", "The id of the related "+words(n)+", when the request included it.")
			}
		}
	}
	s.defs[name] = &schema{Type: "object", Summary: titleCase(singularWord(words(typ))), Description: sentence("A flat " + singularWord(words(typ)) + ": id, type, attributes and related ids"), Properties: props}
	return s.ref(name)
}

// identifier is a JSON:API resource identifier: type and id.
func identifier(what string) *schema {
	return object(what, "The "+words(what)+" identifier.", map[string]*schema{
		"type": field("string", what+" type", "The resource type of the "+words(what)+"."),
		"id":   field("string", what+" id", "The id of the "+words(what)+"."),
	})
}

func linksSchema(what string, names ...string) *schema {
	props := map[string]*schema{}
	for _, n := range names {
		label := map[string]string{"self": "self link", "related": "related link", "first": "first page link", "next": "next page link"}[n]
		props[n] = field("string", strings.TrimSpace(what+" "+label), "The URL of the "+strings.TrimSpace(words(what)+" "+label)+".")
		props[n].Format = "uri"
	}
	return object(what+" links", "Links to the "+words(what)+".", props)
}

// relationshipDefs are the two shapes of a relationship in Apple's answers, shared by every
// resource: the related ids (when the request included them) and the links to follow.
func relationshipDefs() map[string]*schema {
	links := linksSchema("relationship", "self", "related")
	one := &schema{Type: "object", Summary: "To-One Relationship", Description: "A relationship to one resource.", Properties: map[string]*schema{
		"data": identifier("related"), "links": links,
	}}
	many := &schema{Type: "object", Summary: "To-Many Relationship", Description: "A relationship to several resources.", Properties: map[string]*schema{
		"data":  arrayOf("Related data", "The related resources, when the request included them.", &schema{Type: "object", Properties: identifier("related").Properties}),
		"links": links,
		"meta":  pagingSchema(),
	}}
	return map[string]*schema{"ToOneRelationship": one, "ToManyRelationship": many}
}

// resourceProps are the members of a JSON:API resource of a type, as Apple's answers hold it.
func (s *schemas) resourceProps(typ string) map[string]*schema {
	props := map[string]*schema{
		"type":  field("string", "Type", "The resource type, "+typ+"."),
		"id":    field("string", "ID", "The App Store Connect id of the "+singularWord(words(typ))+"."),
		"links": linksSchema("", "self"),
	}
	rt, ok := spec.Resource(typ)
	if !ok {
		return props
	}
	attrs := map[string]*schema{}
	for n, f := range rt.Attributes {
		attrs[n] = attributeSchema(n, f)
	}
	props["attributes"] = object("Attributes", "The attributes of the "+singularWord(words(typ))+".", attrs)
	if len(rt.Relationships) > 0 {
		for name, d := range relationshipDefs() {
			s.defs[name] = d
		}
	}
	rels := map[string]*schema{}
	for n, rel := range rt.Relationships {
		if rel.ToMany {
			rels[n] = s.ref("ToManyRelationship")
		} else {
			rels[n] = s.ref("ToOneRelationship")
		}
	}
	props["relationships"] = object("Relationships", "The relationships of the "+singularWord(words(typ))+".", rels)
	return props
}

// resource refers to the JSON:API schema of a resource type.
func (s *schemas) resource(typ string) *schema {
	name := defName(typ)
	if _, ok := s.defs[name]; !ok {
		s.defs[name] = &schema{Type: "object", Summary: titleCase(singularWord(words(typ))), Description: sentence("An App Store Connect " + singularWord(words(typ))), Properties: s.resourceProps(typ)}
	}
	return s.ref(name)
}

func pagingSchema() *schema {
	return object("Meta", "Paging information.", map[string]*schema{
		"paging": object("Paging", "How many items there are and how many a page holds.", map[string]*schema{
			"total":      field("integer", "Paging total", "How many items there are in all."),
			"limit":      field("integer", "Paging limit", "How many items a page holds at most."),
			"nextCursor": field("string", "Paging next cursor", "The cursor of the next page."),
		}),
	})
}

func includedSchema() *schema {
	return arrayOf("Included", "Related resources the request asked to include.", &schema{Type: "object", Properties: map[string]*schema{
		"type":          field("string", "Included type", "The resource type of the included resource."),
		"id":            field("string", "Included id", "The id of the included resource."),
		"attributes":    field("object", "Included attributes", "The attributes of the included resource."),
		"relationships": field("object", "Included relationships", "The relationships of the included resource."),
	}})
}

// document is the JSON:API answer of a resource type: a list (data is an array, with paging)
// or one resource. The resource itself is a shared definition.
func (s *schemas) document(typ string, list bool) *schema {
	if list {
		data := arrayOf("Data", "The "+words(typ)+" of this page.", s.resource(typ))
		return &schema{Type: "object", Properties: map[string]*schema{
			"data": data, "included": includedSchema(), "links": linksSchema("", "self", "first", "next"), "meta": pagingSchema(),
		}}
	}
	return &schema{Type: "object", Properties: map[string]*schema{
		"data": s.resource(typ), "included": includedSchema(), "links": linksSchema("", "self"),
	}}
}

// flatDocument is the flattened answer (flatten=true): {value, nextLink, total} for a list,
// the flat resource for one.
func (s *schemas) flatDocument(typ string, list bool) *schema {
	if !list {
		return s.flatResource(typ)
	}
	return flatListSchema(s.flatResource(typ), "The "+words(typ)+" of this page.")
}

func flatListSchema(item *schema, description string) *schema {
	next := field("string", "Next page link", "The URL of the next page; absent on the last page.")
	next.Visibility = "internal"
	return &schema{Type: "object", Properties: map[string]*schema{
		"value":    arrayOf("Items", description, item),
		"nextLink": next,
		"total":    field("integer", "Total", "How many items there are in all, when App Store Connect says."),
	}}
}

// linkageDocument is the answer of a relationship endpoint: the related resources' ids.
func linkageDocument(typ string, list, flat bool) *schema {
	id := &schema{Type: "object", Properties: map[string]*schema{
		"type": field("string", "Type", "The resource type, "+typ+"."),
		"id":   field("string", "ID", "The id of the related "+singularWord(words(typ))+"."),
	}}
	switch {
	case flat && list:
		return flatListSchema(id, "The ids of this page.")
	case flat:
		return id
	case list:
		return &schema{Type: "object", Properties: map[string]*schema{
			"data": arrayOf("Data", "The ids of the related "+words(typ)+".", id), "links": linksSchema("", "self", "first", "next"), "meta": pagingSchema(),
		}}
	}
	return &schema{Type: "object", Properties: map[string]*schema{"data": object("Data", "The related "+singularWord(words(typ))+".", id.Properties), "links": linksSchema("", "self")}}
}

// genericDocument describes an answer whose shape Apple's resource model does not hold
// (metrics documents): its top-level members.
func genericDocument(name string) *schema {
	return &schema{Type: "object", Description: sentence("An App Store Connect " + name + " document"), Properties: map[string]*schema{
		"data":  arrayOf("Data", "The items of the answer.", &schema{Type: "object"}),
		"links": linksSchema("", "self", "next"),
		"meta":  pagingSchema(),
	}}
}

// requestBody describes a create, update or relationship request body of Apple's spec.
func requestBody(name string) *schema {
	b, ok := spec.RequestBody(name)
	if !ok {
		return &schema{Type: "object", Description: sentence("An App Store Connect " + name + " document")}
	}
	typ := field("string", "Type", "The resource type, "+b.Type+".")
	typ.Enum = []string{b.Type}
	if len(b.Attributes) == 0 && len(b.Relationships) == 0 && strings.HasSuffix(name, "Request") && strings.Contains(name, "Linkage") {
		id := &schema{Type: "object", Required: []string{"type", "id"}, Properties: map[string]*schema{
			"type": typ, "id": field("string", "ID", "The id of the related "+singularWord(words(b.Type))+"."),
		}}
		data := object("Data", "The related "+singularWord(words(b.Type))+".", id.Properties)
		data.Required = id.Required
		if strings.Contains(name, "Linkages") {
			data = arrayOf("Data", "The related "+words(b.Type)+".", id)
		}
		return &schema{Type: "object", Required: []string{"data"}, Description: sentence("The " + name + " document"), Properties: map[string]*schema{"data": data}}
	}
	props := map[string]*schema{"type": typ}
	required := []string{"type"}
	if b.IDRequired {
		props["id"] = field("string", "ID", "The id of the "+singularWord(words(b.Type))+" to change.")
		required = append(required, "id")
	}
	if len(b.Attributes) > 0 {
		attrs := map[string]*schema{}
		for n, f := range b.Attributes {
			attrs[n] = attributeSchema(n, f)
		}
		props["attributes"] = object("Attributes", "The attributes to set.", attrs)
		props["attributes"].Required = sortedCopy(b.RequiredAttributes)
	}
	if len(b.Relationships) > 0 {
		rels := map[string]*schema{}
		for n, rel := range b.Relationships {
			var data *schema
			if rel.ToMany {
				data = arrayOf(words(n)+" data", "The related "+words(n)+".", identifier(words(n)))
				data.Items.Summary, data.Items.Description = "", ""
			} else {
				data = identifier(words(n))
			}
			rels[n] = object(words(n), "The relationship to the "+words(n)+".", map[string]*schema{"data": data})
		}
		props["relationships"] = object("Relationships", "The related resources to set.", rels)
		props["relationships"].Required = sortedCopy(b.RequiredRelationships)
	}
	data := object("Data", "The "+singularWord(words(b.Type))+".", props)
	data.Required = required
	return &schema{Type: "object", Required: []string{"data"}, Description: sentence("The " + name + " document"), Properties: map[string]*schema{"data": data}}
}

func sortedCopy(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := append([]string(nil), v...)
	sort.Strings(out)
	return out
}
