package main

// generateClient writes the typed client into dir. It is filled in by the client generator.
func generateClient(doc *Document, ops []*Op, dir string) error { return nil }
