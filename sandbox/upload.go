package sandbox

import "net/http"

func (s *Server) handleUploadPart(w http.ResponseWriter, r *http.Request) {
	writeHTTPError(w, pathNotFound())
}
