package console

import (
	"net/http"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/staff"
)

// routes lists every route of the console and the staff API. The OpenAPI document
// (openapi.json) describes the API routes; a test checks that the two agree.
func (s *Server) routes(mux *http.ServeMux) {
	// Staff API.
	mux.HandleFunc("GET /api/v1/admin/openapi.json", s.handleOpenAPI)
	mux.HandleFunc("GET /api/v1/admin/export", s.authorized(staff.Viewer, s.handleExport))
	mux.HandleFunc("GET /api/v1/admin/backup", s.authorized(staff.Admin, s.handleBackup))
	for _, rt := range s.apiRoutes() {
		mux.HandleFunc(rt.method+" "+rt.path, s.api(rt.need, rt.h))
	}
	mux.HandleFunc("/api/v1/admin/", s.handleAPINotFound)

	// Console pages.
	mux.HandleFunc("GET /admin/static/{file}", s.handleStatic)
	mux.HandleFunc("GET /admin/signin", s.handleSignInPage)
	mux.HandleFunc("POST /admin/signin", s.handleSignIn)
	mux.HandleFunc("GET /admin/oidc/login", s.handleOIDCLogin)
	mux.HandleFunc("GET /admin/oidc/callback", s.handleOIDCCallback)
	mux.HandleFunc("GET /admin/link", s.handleLinkPage)
	mux.HandleFunc("POST /admin/link", s.handleLink)
	mux.HandleFunc("POST /admin/signout", s.page(staff.Viewer, s.handleSignOut))
	mux.HandleFunc("GET /admin/{$}", s.page(staff.Viewer, s.handleOverview))
	mux.HandleFunc("GET /admin/conversations", s.page(staff.Viewer, s.handleConversationsPage))
	mux.HandleFunc("GET /admin/review", s.page(staff.Viewer, s.handleReviewPage))
	mux.HandleFunc("POST /admin/review/{id}/dismiss", s.page(staff.Editor, s.handleDismissForm))
	mux.HandleFunc("GET /admin/curated", s.page(staff.Viewer, s.handleCuratedPage))
	mux.HandleFunc("GET /admin/curated/new", s.page(staff.Editor, s.handleCuratedNewPage))
	mux.HandleFunc("POST /admin/curated", s.page(staff.Editor, s.handleCuratedForm))
	mux.HandleFunc("POST /admin/curated/{id}/approve", s.page(staff.Approver, s.form(s.handleCuratedApprove, "/admin/curated", "approved")))
	mux.HandleFunc("POST /admin/curated/{id}/retire", s.page(staff.Approver, s.form(s.handleCuratedRetire, "/admin/curated", "retired")))
	mux.HandleFunc("GET /admin/synonyms", s.page(staff.Viewer, s.handleSynonymsPage))
	mux.HandleFunc("POST /admin/synonyms", s.page(staff.Editor, s.handleSynonymForm))
	mux.HandleFunc("POST /admin/synonyms/{id}/approve", s.page(staff.Approver, s.form(s.handleSynonymApprove, "/admin/synonyms", "synonym_approved")))
	mux.HandleFunc("POST /admin/synonyms/{id}/retire", s.page(staff.Approver, s.form(s.handleSynonymRetire, "/admin/synonyms", "synonym_retired")))
	mux.HandleFunc("GET /admin/sources", s.page(staff.Viewer, s.handleSourcesPage))
	mux.HandleFunc("GET /admin/document", s.page(staff.Viewer, s.handleDocumentPage))
	mux.HandleFunc("POST /admin/documents/suppress", s.page(staff.Approver, s.handleStatusForm(corpus.StatusSuppressed, "documents.suppress")))
	mux.HandleFunc("POST /admin/documents/restore", s.page(staff.Approver, s.handleStatusForm(corpus.StatusActive, "documents.restore")))
	mux.HandleFunc("POST /admin/documents/release", s.page(staff.Approver, s.handleReleaseForm))
	mux.HandleFunc("POST /admin/documents/proposals", s.page(staff.Editor, s.handleProposeForm))
	mux.HandleFunc("POST /admin/documents/proposals/{id}/approve", s.page(staff.Approver, s.handleDecideForm(true)))
	mux.HandleFunc("POST /admin/documents/proposals/{id}/reject", s.page(staff.Approver, s.handleDecideForm(false)))
	mux.HandleFunc("GET /admin/try", s.page(staff.Viewer, s.handleTryPage))
	mux.HandleFunc("POST /admin/try", s.page(staff.Viewer, s.handleTryPage))
	mux.HandleFunc("GET /admin/audit", s.page(staff.Viewer, s.handleAuditPage))
	mux.HandleFunc("GET /admin/staff", s.page(staff.Admin, s.handleStaffPage))
	mux.HandleFunc("POST /admin/staff", s.page(staff.Admin, s.handleStaffForm))
	mux.HandleFunc("POST /admin/tokens", s.page(staff.Admin, s.handleTokenForm))
	mux.HandleFunc("POST /admin/tokens/{id}/revoke", s.page(staff.Admin, s.form(s.handleTokenRevoke, "/admin/staff", "revoked")))
	mux.HandleFunc("/admin/", s.handlePageNotFound)
}

// route is a staff API route: who may call it and what handles it.
type route struct {
	method, path string
	need         staff.Role
	h            func(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error)
}

// apiRoutes lists the staff API; openapi.json documents each one with its role.
func (s *Server) apiRoutes() []route {
	return []route{
		{"GET", "/api/v1/admin/conversations", staff.Viewer, s.handleConversations},
		{"GET", "/api/v1/admin/review", staff.Viewer, s.handleReview},
		{"POST", "/api/v1/admin/review/{id}/dismiss", staff.Editor, s.handleDismiss},
		{"GET", "/api/v1/admin/curated", staff.Viewer, s.handleCuratedList},
		{"POST", "/api/v1/admin/curated", staff.Editor, s.handleCuratedDraft},
		{"PUT", "/api/v1/admin/curated/{id}", staff.Editor, s.handleCuratedEdit},
		{"POST", "/api/v1/admin/curated/{id}/approve", staff.Approver, s.handleCuratedApprove},
		{"POST", "/api/v1/admin/curated/{id}/retire", staff.Approver, s.handleCuratedRetire},
		{"GET", "/api/v1/admin/synonyms", staff.Viewer, s.handleSynonymList},
		{"POST", "/api/v1/admin/synonyms", staff.Editor, s.handleSynonymDraft},
		{"POST", "/api/v1/admin/synonyms/{id}/approve", staff.Approver, s.handleSynonymApprove},
		{"POST", "/api/v1/admin/synonyms/{id}/retire", staff.Approver, s.handleSynonymRetire},
		{"POST", "/api/v1/admin/documents/suppress", staff.Approver, s.setStatus(corpus.StatusSuppressed, "documents.suppress")},
		{"POST", "/api/v1/admin/documents/restore", staff.Approver, s.setStatus(corpus.StatusActive, "documents.restore")},
		{"GET", "/api/v1/admin/documents/flagged", staff.Viewer, s.handleFlagged},
		{"POST", "/api/v1/admin/documents/release", staff.Approver, s.handleRelease},
		{"GET", "/api/v1/admin/documents/proposals", staff.Viewer, s.handleProposals},
		{"POST", "/api/v1/admin/documents/proposals", staff.Editor, s.handlePropose},
		{"POST", "/api/v1/admin/documents/proposals/{id}/approve", staff.Approver, s.decide(true)},
		{"POST", "/api/v1/admin/documents/proposals/{id}/reject", staff.Approver, s.decide(false)},
		{"POST", "/api/v1/admin/preview", staff.Viewer, s.handlePreview},
		{"GET", "/api/v1/admin/sources", staff.Viewer, s.handleSources},
		{"GET", "/api/v1/admin/documents", staff.Viewer, s.handleDocuments},
		{"GET", "/api/v1/admin/audit", staff.Viewer, s.handleAudit},
		{"GET", "/api/v1/admin/tokens", staff.Admin, s.handleTokens},
		{"POST", "/api/v1/admin/tokens", staff.Admin, s.handleTokenCreate},
		{"POST", "/api/v1/admin/tokens/{id}/revoke", staff.Admin, s.handleTokenRevoke},
		{"GET", "/api/v1/admin/staff", staff.Admin, s.handleStaff},
		{"POST", "/api/v1/admin/staff", staff.Admin, s.handleStaffAdd},
		{"POST", "/api/v1/admin/staff/{id}/disable", staff.Admin, s.setDisabled(true)},
		{"POST", "/api/v1/admin/staff/{id}/enable", staff.Admin, s.setDisabled(false)},
	}
}

// APIRoutes lists the staff API's routes as "METHOD /path", for checking them against
// the OpenAPI document.
func APIRoutes() []string {
	var out []string
	for _, rt := range (&Server{}).apiRoutes() {
		out = append(out, rt.method+" "+rt.path)
	}
	out = append(out, "GET /api/v1/admin/export", "GET /api/v1/admin/backup")
	return out
}

func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authenticate(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such staff API route: see /api/v1/admin/openapi.json"})
}
