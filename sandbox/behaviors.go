package sandbox

import (
	"fmt"
	"net/http"
)

// Behaviours are the rules of particular resource types that no schema states: uniqueness,
// defaults set by the server, and the state machines that workflows wait on. The generic
// store calls these hooks around every write.

// parentRelation is the to-one relationship that owns a resource, used for uniqueness
// ("one localization per locale under the same parent").
func (s *Server) parentRelation(doc *resourceDoc) (string, identifier, bool) {
	for name, l := range doc.Rels {
		if !l.many && len(l.ids) == 1 {
			if len(s.mdl.inverse(doc.Type, name)) > 0 {
				return name, l.ids[0], true
			}
		}
	}
	return "", identifier{}, false
}

// beforeCreate refuses a create that would break a rule of the type.
func (s *Server) beforeCreate(doc *resourceDoc) *httpError {
	if locale, ok := doc.Attrs["locale"].(string); ok {
		if rel, parent, ok := s.parentRelation(doc); ok {
			for _, r := range s.st.all(doc.Type) {
				if r.str("locale") == locale && r.one(rel) == parent.ID {
					return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "The provided entity includes an attribute with a value that has already been used",
						fmt.Sprintf("A %s resource for locale '%s' already exists under %s '%s'.", doc.Type, locale, parent.Type, parent.ID), "/data/attributes/locale")
				}
			}
		}
	}
	return nil
}

// afterCreate sets server-side defaults on a new resource.
func (s *Server) afterCreate(req *apiRequest, r *record) *httpError { return nil }

func (s *Server) beforeUpdate(r *record, doc *resourceDoc) *httpError { return nil }

func (s *Server) afterUpdate(req *apiRequest, r, old *record, doc *resourceDoc) *httpError {
	return nil
}

func (s *Server) beforeDelete(r *record) *httpError { return nil }

func (s *Server) afterRelationshipChange(owner *record, rel string) {}

// fire applies a timer's action to its resource.
func (s *Server) fire(r *record, action string) {}

var _ = http.StatusOK
