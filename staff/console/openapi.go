package console

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPI []byte

// handleOpenAPI serves the staff API's OpenAPI document.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(openAPI)
}
