package connector

import (
	"bytes"
	"encoding/json"
	"errors"
)

// resource is the JSON:API resource shape, kept raw so values pass through unchanged.
type resource struct {
	ID            string                     `json:"id"`
	Type          string                     `json:"type"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	Relationships map[string]struct {
		Data json.RawMessage `json:"data"`
	} `json:"relationships"`
}

// flatResource turns a resource into one flat object, the shape low-code designers can bind:
// id, type, every attribute at the top level, and each relationship's ids as <name>Id (to-one)
// or <name>Ids (to-many). Attributes named id or type (none in Apple's spec) are dropped
// rather than allowed to hide the resource's own.
func flatResource(r resource) map[string]any {
	out := make(map[string]any, 2+len(r.Attributes)+len(r.Relationships))
	for k, v := range r.Attributes {
		out[k] = v
	}
	for name, rel := range r.Relationships {
		d := bytes.TrimSpace(rel.Data)
		switch {
		case len(d) == 0:
			// Only links were sent: the ids are unknown, so no field is made.
		case d[0] == '[':
			var ids []struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(d, &ids) == nil {
				list := make([]string, 0, len(ids))
				for _, i := range ids {
					list = append(list, i.ID)
				}
				out[name+"Ids"] = list
			}
		case d[0] == '{':
			var one struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(d, &one) == nil {
				out[name+"Id"] = one.ID
			}
		default: // null: an empty to-one relationship
			out[name+"Id"] = nil
		}
	}
	out["id"], out["type"] = r.ID, r.Type
	return out
}

// flatList is a flattened list document: Power Automate pages through nextLink
// (x-ms-pageable), n8n and others read value.
type flatList struct {
	Value    []map[string]any `json:"value"`
	NextLink string           `json:"nextLink,omitempty"`
	Total    *int             `json:"total,omitempty"`
}

// flattenDocument flattens a JSON:API document: a list becomes {value, nextLink, total}, a
// single resource one flat object. Anything else is an error and the caller keeps Apple's
// shape.
func flattenDocument(data []byte) ([]byte, error) {
	var doc struct {
		Data  json.RawMessage `json:"data"`
		Links struct {
			Next string `json:"next"`
		} `json:"links"`
		Meta struct {
			Paging struct {
				Total *int `json:"total"`
			} `json:"paging"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	d := bytes.TrimSpace(doc.Data)
	if len(d) == 0 {
		return nil, errors.New("no data")
	}
	if d[0] == '[' {
		var list []resource
		if err := json.Unmarshal(d, &list); err != nil {
			return nil, err
		}
		fl := flatList{Value: make([]map[string]any, 0, len(list)), NextLink: doc.Links.Next, Total: doc.Meta.Paging.Total}
		for _, r := range list {
			fl.Value = append(fl.Value, flatResource(r))
		}
		if fl.NextLink != "" {
			fl.NextLink = withFlatten(fl.NextLink)
		}
		return marshal(fl)
	}
	var one resource
	if err := json.Unmarshal(d, &one); err != nil {
		return nil, err
	}
	return marshal(flatResource(one))
}

// withFlatten keeps a flattened listing flat on its next page.
func withFlatten(link string) string {
	if bytes.Contains([]byte(link), []byte("flatten=")) {
		return link
	}
	if bytes.ContainsRune([]byte(link), '?') {
		return link + "&flatten=true"
	}
	return link + "?flatten=true"
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
