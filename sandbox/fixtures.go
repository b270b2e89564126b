package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Fixtures: a test that needs data the demo seed lacks (an app of its own, a version in a
// given state) puts it in directly, in process, as the seed does: through the store, so
// inverse relationships hold as for resources made through the API. Reads and writes of
// the API then see it like any other resource.

// Add stores a resource of a type of Apple's model with the attributes (JSON values) and
// to-one or to-many links to stored resources (relationship name -> id), and returns its id.
func (s *Server) Add(typ string, attrs map[string]any, rels map[string]string) (string, error) {
	return s.AddWithID(typ, "", attrs, rels)
}

// AddWithID is Add with a fixed id (a category "GAMES", a territory "USA"); "" assigns one.
func (s *Server) AddWithID(typ, id string, attrs map[string]any, rels map[string]string) (string, error) {
	if s.mdl.resource(typ) == nil {
		return "", fmt.Errorf("sandbox: %q is no resource type of Apple's model", typ)
	}
	values, err := jsonValues(attrs)
	if err != nil {
		return "", fmt.Errorf("sandbox: attributes of %s: %w", typ, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && s.st.get(typ, id) != nil {
		return "", fmt.Errorf("sandbox: %s %s exists already", typ, id)
	}
	var targets []*record
	names := slices.Sorted(maps.Keys(rels))
	for _, name := range names {
		rel, ok := s.mdl.relation(typ, name)
		if !ok {
			return "", fmt.Errorf("sandbox: %s has no relationship %q", typ, name)
		}
		tgt := s.st.get(rel.Type, rels[name])
		if tgt == nil {
			return "", fmt.Errorf("sandbox: %s: no %s with id %q", name, rel.Type, rels[name])
		}
		targets = append(targets, tgt)
	}
	r := s.st.insert(typ, id, values)
	for i, name := range names {
		s.st.link(r, name, targets[i])
	}
	return r.ID, s.flushLocked()
}

// SetAttribute changes one attribute of a stored resource (nil unsets it), as App Store
// Connect changes what no API call can: a version entering review, a build expiring.
func (s *Server) SetAttribute(typ, id, attr string, value any) error {
	values, err := jsonValues(map[string]any{attr: value})
	if err != nil {
		return fmt.Errorf("sandbox: %s: %w", attr, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.get(typ, id)
	if r == nil {
		return fmt.Errorf("sandbox: no %s with id %q", typ, id)
	}
	if values[attr] == nil {
		delete(r.Attrs, attr)
	} else {
		r.Attrs[attr] = values[attr]
	}
	s.markDirty(r)
	return s.flushLocked()
}

// IDs lists the ids of a type's stored resources in the order they were made.
func (s *Server) IDs(typ string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, r := range s.st.all(typ) {
		out = append(out, r.ID)
	}
	return out
}

// ExpireUpload makes an asset's upload URLs expire, as presigned URLs do: its parts are
// refused with 403 and a commit ends FAILED.
func (s *Server) ExpireUpload(typ, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.get(typ, id)
	if r == nil {
		return fmt.Errorf("sandbox: no %s with id %q", typ, id)
	}
	token, _ := r.Hidden["upload"].(string)
	u := s.uploads[token]
	if u == nil {
		return fmt.Errorf("sandbox: %s %s has no upload in progress", typ, id)
	}
	u.expired = true
	return nil
}

// jsonValues gives attributes the types JSON decoding gives them (numbers as float64), the
// form every stored attribute has.
func jsonValues(attrs map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if len(attrs) == 0 {
		return out, nil
	}
	raw, err := json.Marshal(attrs)
	if err != nil {
		return nil, err
	}
	return out, json.Unmarshal(raw, &out)
}
