package asc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// ResourceIdentifier names one resource: the linkage inside a relationship and the target of
// relationship requests.
type ResourceIdentifier struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Resource is a resource object whose attributes are not decoded yet. Included resources
// arrive in this form because one document may mix many types; decode Attributes into the
// matching typed attributes struct once Type is known.
type Resource struct {
	Type          string                  `json:"type"`
	ID            string                  `json:"id"`
	Attributes    json.RawMessage         `json:"attributes,omitempty"`
	Relationships map[string]Relationship `json:"relationships,omitempty"`
	Links         *ResourceLinks          `json:"links,omitempty"`
}

// DecodeAttributes decodes the resource's attributes into v, a pointer to a typed attributes
// struct. A resource without attributes leaves v unchanged.
func (r *Resource) DecodeAttributes(v any) error {
	if len(r.Attributes) == 0 || bytes.Equal(r.Attributes, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(r.Attributes, v); err != nil {
		return fmt.Errorf("decode attributes of %s %s: %w", r.Type, r.ID, err)
	}
	return nil
}

// ResourceLinks holds a resource's own URL.
type ResourceLinks struct {
	Self string `json:"self,omitempty"`
}

// RelationshipLinks holds the URLs of a relationship: its linkage (self) and the related
// resources themselves (related).
type RelationshipLinks struct {
	Self    string `json:"self,omitempty"`
	Related string `json:"related,omitempty"`
}

// Relationship is one entry of a resource's relationships object. Meta carries paging
// information for to-many linkage when Apple includes it.
type Relationship struct {
	Data  RelationshipData   `json:"data,omitzero"`
	Links *RelationshipLinks `json:"links,omitempty"`
	Meta  json.RawMessage    `json:"meta,omitempty"`
}

// RelationshipData is a relationship's linkage, which JSON:API allows in three shapes: null
// (an empty to-one), one identifier (to-one) or an array (to-many). Present records that the
// member was sent at all, so "absent" (not requested) differs from "null" (empty). It encodes
// back to the shape it was decoded from.
type RelationshipData struct {
	One     *ResourceIdentifier
	Many    []ResourceIdentifier
	IsMany  bool
	Present bool
}

// ToOne returns linkage for a to-one relationship, as request bodies need.
func ToOne(typ, id string) RelationshipData {
	return RelationshipData{One: &ResourceIdentifier{Type: typ, ID: id}, Present: true}
}

// ToMany returns linkage for a to-many relationship.
func ToMany(ids ...ResourceIdentifier) RelationshipData {
	return RelationshipData{Many: ids, IsMany: true, Present: true}
}

// IsZero reports whether the linkage is absent, so that `omitzero` leaves it out of a body.
func (d RelationshipData) IsZero() bool {
	return !d.Present && !d.IsMany && d.One == nil && d.Many == nil
}

// IDs returns the identifiers of the linkage whatever its shape: none, one or many.
func (d RelationshipData) IDs() []ResourceIdentifier {
	switch {
	case d.IsMany:
		return d.Many
	case d.One != nil:
		return []ResourceIdentifier{*d.One}
	}
	return nil
}

// UnmarshalJSON decodes null, an object or an array.
func (d *RelationshipData) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*d = RelationshipData{Present: true}
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '[':
		d.IsMany = true
		d.Many = []ResourceIdentifier{}
		return json.Unmarshal(b, &d.Many)
	case len(b) > 0 && b[0] == '{':
		d.One = new(ResourceIdentifier)
		return json.Unmarshal(b, d.One)
	}
	return fmt.Errorf("decode relationship data: want null, an object or an array, got %.40s", b)
}

// MarshalJSON encodes the shape the linkage has: an array for to-many (empty, not null, when
// there are no items), an object for a set to-one and null otherwise.
func (d RelationshipData) MarshalJSON() ([]byte, error) {
	switch {
	case d.IsMany || d.Many != nil:
		if d.Many == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(d.Many)
	case d.One != nil:
		return json.Marshal(d.One)
	}
	return []byte("null"), nil
}

// DocumentLinks are the links of a single-resource document.
type DocumentLinks struct {
	Self string `json:"self,omitempty"`
}

// PagedDocumentLinks are the links of a list document. Next, when set, is the URL of the
// following page with the cursor already in it; Apple sends null on the last page.
type PagedDocumentLinks struct {
	Self  string `json:"self,omitempty"`
	First string `json:"first,omitempty"`
	Next  string `json:"next,omitempty"`
}

// LinkageResponse is the answer of every to-one relationship operation (GET
// .../relationships/build): the related resource's type and id, nil when there is none.
// The spec declares it once per relationship (AppStoreVersionBuildLinkageResponse, ...);
// they are all this shape.
type LinkageResponse struct {
	Data  *ResourceIdentifier `json:"data"`
	Links DocumentLinks       `json:"links"`
}

// LinkagesResponse is one page of the answer of every to-many relationship operation (GET
// .../relationships/betaTesters): the related resources' types and ids.
type LinkagesResponse struct {
	Data  []ResourceIdentifier `json:"data"`
	Links PagedDocumentLinks   `json:"links"`
	Meta  *PagingInformation   `json:"meta,omitempty"`
}

// PagingInformation is a list document's meta member.
type PagingInformation struct {
	Paging Paging `json:"paging"`
}

// Paging reports the total number of items (when Apple knows it) and the page size. A total
// Apple sent is kept when the paging is encoded again, "total": 0 included (an empty list);
// one Apple did not send stays out.
type Paging struct {
	Total      int    `json:"total,omitempty"`
	Limit      int    `json:"limit"`
	NextCursor string `json:"nextCursor,omitempty"`
	// hasTotal records that the decoded document carried a total.
	hasTotal bool
}

// pagingJSON is Paging's wire form, with the total present or not.
type pagingJSON struct {
	Total      *int   `json:"total,omitempty"`
	Limit      int    `json:"limit"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// UnmarshalJSON notes whether the total was sent.
func (p *Paging) UnmarshalJSON(b []byte) error {
	var w pagingJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Paging{Limit: w.Limit, NextCursor: w.NextCursor, hasTotal: w.Total != nil}
	if w.Total != nil {
		p.Total = *w.Total
	}
	return nil
}

// MarshalJSON writes the total when it was sent or is set.
func (p Paging) MarshalJSON() ([]byte, error) {
	w := pagingJSON{Limit: p.Limit, NextCursor: p.NextCursor}
	if p.hasTotal || p.Total != 0 {
		w.Total = &p.Total
	}
	return json.Marshal(w)
}

// Document is a single-resource document. T is the primary data type, for example App or
// Resource.
type Document[T any] struct {
	Data     T             `json:"data"`
	Included []Resource    `json:"included,omitempty"`
	Links    DocumentLinks `json:"links"`
}

// ListDocument is one page of a list endpoint.
type ListDocument[T any] struct {
	Data     []T                `json:"data"`
	Included []Resource         `json:"included,omitempty"`
	Links    PagedDocumentLinks `json:"links"`
	Meta     *PagingInformation `json:"meta,omitempty"`
}

// nextLink lets Do find the next page of a decoded list without decoding the body twice.
func (d *ListDocument[T]) nextLink() string { return d.Links.Next }

// IncludedResource is one resource of a document's included member. Its dynamic type is the
// generated resource type the spec lists for that response (*App, *AppInfo, ...), or
// *UnknownResource for a type the spec does not list; switch on it with a type switch.
type IncludedResource interface {
	ResourceType() string
	ResourceID() string
}

// UnknownResource keeps an included resource of a type the response's schema does not list,
// undecoded, so that nothing Apple sends is lost.
type UnknownResource struct {
	Resource
}

// ResourceType returns the resource's JSON:API type.
func (r *UnknownResource) ResourceType() string { return r.Type }

// ResourceID returns the resource's id.
func (r *UnknownResource) ResourceID() string { return r.ID }

// includedDecoder maps a JSON:API type to a new value of the Go type that decodes it; the
// generator declares one per distinct set of included types.
type includedDecoder interface {
	decode(typ string) IncludedResource
}

// Included is a response's included member: a union over the resource types the spec lists
// for that response, each decoded into its generated type by its "type" member.
type Included[D includedDecoder] []IncludedResource

// UnmarshalJSON decodes each item by its type; null decodes as empty.
func (l *Included[D]) UnmarshalJSON(b []byte) error {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return fmt.Errorf("decode included: %w", err)
	}
	var d D
	out := make(Included[D], 0, len(raws))
	for _, raw := range raws {
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return fmt.Errorf("decode included: %w", err)
		}
		v := d.decode(head.Type)
		if v == nil {
			v = new(UnknownResource)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("decode included %s: %w", head.Type, err)
		}
		out = append(out, v)
	}
	*l = out
	return nil
}

// marshalCleared encodes update attributes with the members clear names sent as null, the
// way App Store Connect clears an attribute (an empty string is refused where a URL is
// expected). A name that is not a member of v, or a member both set and cleared, is an error
// rather than a body that means something else.
func marshalCleared(v any, clear []string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(clear) == 0 {
		return b, err
	}
	rv := reflect.ValueOf(v)
	members := jsonMembers(rv.Type())
	out := bytes.NewBuffer(make([]byte, 0, len(b)+16*len(clear)))
	out.Write(b[:len(b)-1])
	sep := len(b) > 2
	for i, name := range clear {
		field, ok := members[name]
		if !ok {
			return nil, fmt.Errorf("asc: cannot clear %q: no such attribute", name)
		}
		if !rv.Field(field).IsZero() {
			return nil, fmt.Errorf("asc: cannot clear %q: it is also set", name)
		}
		if slices.Contains(clear[:i], name) {
			continue
		}
		if sep {
			out.WriteByte(',')
		}
		sep = true
		nameJSON, _ := json.Marshal(name)
		out.Write(nameJSON)
		out.WriteString(":null")
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

var jsonMemberCache sync.Map // reflect.Type -> map[string]int

// jsonMembers maps the JSON member names of a struct type's fields to their indices.
func jsonMembers(t reflect.Type) map[string]int {
	if m, ok := jsonMemberCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	jsonMemberCache.Store(t, m)
	return m
}
