package web

import (
	"net/http"
	"net/url"
	"strings"
)

// cors grants the request's origin read access to the response when it may call the
// API from a browser. Other origins get no grant and their pages cannot read the
// answer; clients without an Origin (curl, servers) are not browsers and need none.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !s.allowedOrigin(r, origin) {
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	// The widget reads Retry-After to say when to try again.
	h.Set("Access-Control-Expose-Headers", "Retry-After")
	return true
}

// allowedOrigin says whether a browser page at origin may call the API: a listed
// origin, any with "*", or the server's own (the demo page).
func (s *Server) allowedOrigin(r *http.Request, origin string) bool {
	o := strings.ToLower(origin)
	if s.anyOrigin || s.origins[o] {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// handlePreflight answers a browser's CORS preflight for the API.
func (s *Server) handlePreflight(w http.ResponseWriter, r *http.Request) {
	if s.cors(w, r) {
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type, Accept")
		h.Set("Access-Control-Max-Age", "600")
	}
	w.WriteHeader(http.StatusNoContent)
}
