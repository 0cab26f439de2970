package console

import (
	"net/http"
	"time"

	"github.com/civicbot/civicbot/staff"
)

// handleBackup streams a consistent copy of the embedded store, taken while it
// serves: the file a new data directory opens as it is. PostgreSQL is backed up with
// pg_dump (see README), so a server on it answers 501 saying so.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if s.backup == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]string{"error": "this server's store is PostgreSQL: back it up with pg_dump (see README.md, Backups)"})
		return
	}
	if err := s.auth.Audit(r.Context(), p.Actor, "backup", "", s.clientAddr(r), nil, nil); err != nil {
		s.writeError(w, r, err)
		return
	}
	name := "civicbot-" + time.Now().In(taipei).Format("20060102-150405") + ".db"
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := s.backup.Backup(r.Context(), w); err != nil {
		// The status is sent: the log says so and the body ends short, which the
		// client sees as a broken connection, not as a complete file.
		s.log.Error("backup", "err", err)
		panic(http.ErrAbortHandler)
	}
}
