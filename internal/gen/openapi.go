package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Document is the part of an OpenAPI 3.0 document the generator reads. Apple's spec keeps
// everything under paths and components.schemas, so nothing else is modelled.
type Document struct {
	Info       struct{ Version string } `json:"info"`
	Paths      OrderedMap[PathItem]     `json:"paths"`
	Components struct {
		Schemas OrderedMap[*Schema] `json:"schemas"`
	} `json:"components"`
}

// PathItem holds the operations of one path; path-level parameters apply to all of them.
type PathItem struct {
	Parameters []Parameter `json:"parameters"`
	Get        *OpSpec     `json:"get"`
	Post       *OpSpec     `json:"post"`
	Patch      *OpSpec     `json:"patch"`
	Delete     *OpSpec     `json:"delete"`
}

// OpSpec is one OpenAPI operation.
type OpSpec struct {
	Tags        []string    `json:"tags"`
	OperationID string      `json:"operationId"`
	Deprecated  bool        `json:"deprecated"`
	Parameters  []Parameter `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct{ Schema *Schema } `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct{ Schema *Schema } `json:"content"`
	} `json:"responses"`
}

// Parameter is a path or query parameter.
type Parameter struct {
	Name       string  `json:"name"`
	In         string  `json:"in"`
	Required   bool    `json:"required"`
	Deprecated bool    `json:"deprecated"`
	Schema     *Schema `json:"schema"`
}

// Schema is the subset of JSON Schema that Apple's spec uses.
type Schema struct {
	Ref                  string              `json:"$ref"`
	Type                 string              `json:"type"`
	Format               string              `json:"format"`
	Enum                 []string            `json:"enum"`
	Items                *Schema             `json:"items"`
	Properties           OrderedMap[*Schema] `json:"properties"`
	AdditionalProperties json.RawMessage     `json:"additionalProperties"`
	Required             []string            `json:"required"`
	OneOf                []*Schema           `json:"oneOf"`
	Nullable             bool                `json:"nullable"`
	Deprecated           bool                `json:"deprecated"`
	Maximum              *float64            `json:"maximum"`
	Title                string              `json:"title"`
}

// RefName is the component name a $ref points at, or "".
func (s *Schema) RefName() string {
	if s == nil {
		return ""
	}
	return strings.TrimPrefix(s.Ref, "#/components/schemas/")
}

// IsRequired reports whether name is in the schema's required list.
func (s *Schema) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// OrderedMap is a JSON object that remembers its key order, so generated code follows the
// spec's order instead of Go's random map order.
type OrderedMap[V any] struct {
	Keys   []string
	Values map[string]V
}

// Get returns the value for key.
func (m OrderedMap[V]) Get(key string) (V, bool) {
	v, ok := m.Values[key]
	return v, ok
}

// Len is the number of keys.
func (m OrderedMap[V]) Len() int { return len(m.Keys) }

// UnmarshalJSON decodes an object while recording its key order.
func (m *OrderedMap[V]) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("expected object, got %v", tok)
	}
	m.Values = map[string]V{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		var v V
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if _, dup := m.Values[key]; !dup {
			m.Keys = append(m.Keys, key)
		}
		m.Values[key] = v
	}
	_, err = dec.Token()
	return err
}

// LoadDocument reads and decodes the spec at path.
func LoadDocument(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return &doc, nil
}

// Resolve follows a $ref to its component schema.
func (d *Document) Resolve(s *Schema) *Schema {
	for s != nil && s.Ref != "" {
		s = d.Components.Schemas.Values[s.RefName()]
	}
	return s
}

// methodOrder lists HTTP methods in the order operations are emitted within a path.
var methodOrder = []string{"DELETE", "GET", "PATCH", "POST"}

// Ops returns a path item's operations keyed by upper-case method.
func (p PathItem) Ops() map[string]*OpSpec {
	m := map[string]*OpSpec{}
	for k, v := range map[string]*OpSpec{"GET": p.Get, "POST": p.Post, "PATCH": p.Patch, "DELETE": p.Delete} {
		if v != nil {
			m[k] = v
		}
	}
	return m
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
