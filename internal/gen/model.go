package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Op is one operation with everything the emitters need, resolved from the spec once.
type Op struct {
	ID, Method, Path, Tag string
	Deprecated            bool
	PathParams            []string
	Query                 []Parameter
	RequestSchema         string
	SuccessStatus         int
	ResponseSchema        string
	MediaType             string
}

// collectOps lists every operation sorted by path then method, the catalog's documented order.
func collectOps(doc *Document) ([]*Op, error) {
	var ops []*Op
	for _, path := range doc.Paths.Keys {
		item := doc.Paths.Values[path]
		var pathParams []string
		for _, p := range item.Parameters {
			if p.In == "path" {
				pathParams = append(pathParams, p.Name)
			}
		}
		for method, o := range item.Ops() {
			op := &Op{ID: o.OperationID, Method: method, Path: path, Deprecated: o.Deprecated, PathParams: pathParams}
			if len(o.Tags) > 0 {
				op.Tag = o.Tags[0]
			}
			for _, p := range o.Parameters {
				switch p.In {
				case "query":
					op.Query = append(op.Query, p)
				case "path":
					op.PathParams = append(op.PathParams, p.Name)
				}
			}
			if o.RequestBody != nil {
				for _, c := range o.RequestBody.Content {
					op.RequestSchema = c.Schema.RefName()
				}
			}
			for code, r := range o.Responses {
				n, err := strconv.Atoi(code)
				if err != nil || n < 200 || n > 299 {
					continue
				}
				// Three beta-tester removals list both 202 and 204; the catalog keeps the
				// lowest, Apple's documented answer, and clients accept any 2xx.
				if op.SuccessStatus != 0 && op.SuccessStatus < n {
					continue
				}
				op.SuccessStatus = n
				// Eight price-point lists answer JSON or, on request, CSV; the catalog and the
				// client use JSON, the JSON:API form everything else shares.
				for _, mt := range slices.Sorted(maps.Keys(r.Content)) {
					if op.MediaType == "" || mt == "application/json" {
						op.MediaType = mt
						op.ResponseSchema = r.Content[mt].Schema.RefName()
					}
				}
			}
			if op.SuccessStatus == 0 {
				return nil, fmt.Errorf("%s: no success response", op.ID)
			}
			ops = append(ops, op)
		}
	}
	slices.SortFunc(ops, func(a, b *Op) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Method, b.Method))
	})
	return ops, nil
}

// paramInfo flattens a query parameter's schema: item type, array-ness, enum and maximum.
func paramInfo(p Parameter) (typ string, array bool, enum []string, maximum int) {
	s := p.Schema
	if s.Type == "array" && s.Items != nil {
		array = true
		s = s.Items
	}
	typ = cmp.Or(s.Type, "string")
	enum = s.Enum
	if p.Schema.Maximum != nil {
		maximum = int(*p.Schema.Maximum)
	}
	return
}
