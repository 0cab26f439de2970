package console

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/civicbot/civicbot/staff"
)

// exportPage is how many turns an export reads at a time.
const exportPage = 1000

// handleExport streams the conversations and feedback of a date range, already
// redacted at the source, as CSV or JSON Lines. Cells that a spreadsheet would run as
// a formula (=, +, -, @ first) are made text with a leading apostrophe: citizens'
// text is hostile in a spreadsheet too.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	f, err := turnFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "jsonl" {
		s.writeError(w, r, badRequest("format %q: want csv or jsonl", format))
		return
	}
	f.Limit = exportPage
	if err := s.auth.Audit(r.Context(), p.Actor, "export", r.URL.RawQuery, s.clientAddr(r), nil, nil); err != nil {
		s.writeError(w, r, err)
		return
	}
	name := "civicbot-conversations-" + time.Now().In(taipei).Format("20060102-150405") + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	var write func(turnItem) error
	var flush func() error
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Write([]byte("\ufeff")) // a BOM, so that spreadsheets read UTF-8
		cw := csv.NewWriter(w)
		cw.Write([]string{"message_id", "created_at", "channel", "mode", "fallback", "rating", "comment", "question", "answer", "sources"})
		write = func(t turnItem) error {
			var src []string
			for _, x := range t.Sources {
				src = append(src, x.Dataset+"/"+x.Key)
			}
			return cw.Write([]string{t.MessageID, t.CreatedAt.Format(time.RFC3339), t.Channel, string(t.Mode), t.Fallback, t.Rating,
				cell(t.Comment), cell(t.Question), cell(t.Answer), cell(strings.Join(src, " "))})
		}
		flush = func() error { cw.Flush(); return cw.Error() }
	default:
		w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
		enc := json.NewEncoder(w)
		write = func(t turnItem) error { return enc.Encode(t) }
		flush = func() error { return nil }
	}
	if err := s.eachTurn(r.Context(), f, write); err != nil {
		// The status is sent: say so in the log, and end the body short.
		s.log.Error("export", "err", err)
	}
	if err := flush(); err != nil {
		s.log.Error("export", "err", err)
	}
}

// eachTurn calls fn for every turn the filter selects, a page at a time.
func (s *Server) eachTurn(ctx context.Context, f staff.TurnFilter, fn func(turnItem) error) error {
	for {
		rows, err := s.data.Conversations(ctx, f)
		if err != nil {
			return err
		}
		for _, t := range rows {
			if err := fn(itemOf(t)); err != nil {
				return err
			}
		}
		if len(rows) < f.Limit {
			return nil
		}
		last := rows[len(rows)-1]
		f.Before = staff.Cursor{At: last.CreatedAt, ID: last.MessageID}
	}
}

// cell keeps a spreadsheet from running a citizen's text as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// authorized wraps a handler that writes its own response (a download): the caller
// must be signed in and hold the role.
func (s *Server) authorized(need staff.Role, h func(w http.ResponseWriter, r *http.Request, p staff.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !p.Can(need) {
			s.writeError(w, r, fmt.Errorf("%w: %s needs the %s role", staff.ErrForbidden, r.Pattern, need))
			return
		}
		h(w, r.WithContext(contextWith(r, p)), p)
	}
}
