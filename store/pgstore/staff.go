package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"

	"github.com/civicbot/civicbot/staff"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var _ staff.Store = (*Store)(nil)

// staffErr translates PostgreSQL's errors into the staff domain's.
func staffErr(op string, err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return staff.ErrNotFound
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return staff.ErrExists
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

// CreateAccount stores a new staff account; staff.ErrExists when its e-mail is taken.
func (s *Store) CreateAccount(ctx context.Context, a staff.Account) error {
	const q = `INSERT INTO staff_accounts (id, email, name, role, password_hash, disabled, created_at)
		VALUES ($1, lower($2), $3, $4, $5, $6, $7)`
	_, err := s.pool.Exec(ctx, q, a.ID, a.Email, a.Name, string(a.Role), a.PasswordHash, a.Disabled, a.CreatedAt)
	return staffErr("create account", err)
}

// UpdateAccount replaces an account's name, role, password and state.
func (s *Store) UpdateAccount(ctx context.Context, a staff.Account) error {
	const q = `UPDATE staff_accounts SET name = $2, role = $3, password_hash = $4, disabled = $5 WHERE id = $1`
	tag, err := s.pool.Exec(ctx, q, a.ID, a.Name, string(a.Role), a.PasswordHash, a.Disabled)
	if err == nil && tag.RowsAffected() == 0 {
		return staff.ErrNotFound
	}
	return staffErr("update account", err)
}

const accountCols = `id, email, name, role, password_hash, disabled, created_at`

func scanAccount(row pgx.Row) (staff.Account, error) {
	var a staff.Account
	var role string
	err := row.Scan(&a.ID, &a.Email, &a.Name, &role, &a.PasswordHash, &a.Disabled, &a.CreatedAt)
	a.Role = staff.Role(role)
	return a, err
}

// Account returns an account by id.
func (s *Store) Account(ctx context.Context, id string) (staff.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountCols+` FROM staff_accounts WHERE id = $1`, id))
	return a, staffErr("account", err)
}

// AccountByEmail returns an account by e-mail, compared without case.
func (s *Store) AccountByEmail(ctx context.Context, email string) (staff.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountCols+` FROM staff_accounts WHERE email = lower($1)`, email))
	return a, staffErr("account", err)
}

// Accounts lists every account by e-mail.
func (s *Store) Accounts(ctx context.Context) ([]staff.Account, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+accountCols+` FROM staff_accounts ORDER BY email`)
	if err != nil {
		return nil, staffErr("accounts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.Account, error) { return scanAccount(r) })
	return out, staffErr("accounts", err)
}

// PutCredential stores a new credential.
func (s *Store) PutCredential(ctx context.Context, c staff.Credential) error {
	const q = `INSERT INTO staff_credentials (hash, kind, account_id, name, role, created_by, created_at, expires_at, last_used, revoked)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10)`
	_, err := s.pool.Exec(ctx, q, c.Hash, string(c.Kind), c.AccountID, c.Name, string(c.Role), c.CreatedBy, c.CreatedAt, c.ExpiresAt, nullTime(c.LastUsed), c.Revoked)
	return staffErr("put credential", err)
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

const credentialCols = `hash, kind, coalesce(account_id, ''), name, role, created_by, created_at, expires_at, last_used, revoked`

func scanCredential(row pgx.Row) (staff.Credential, error) {
	var (
		c          staff.Credential
		kind, role string
		used       *time.Time
	)
	err := row.Scan(&c.Hash, &kind, &c.AccountID, &c.Name, &role, &c.CreatedBy, &c.CreatedAt, &c.ExpiresAt, &used, &c.Revoked)
	c.Kind, c.Role, c.LastUsed = staff.CredentialKind(kind), staff.Role(role), deref(used)
	return c, err
}

// Credential returns a credential by the hash of its secret.
func (s *Store) Credential(ctx context.Context, hash string) (staff.Credential, error) {
	c, err := scanCredential(s.pool.QueryRow(ctx, `SELECT `+credentialCols+` FROM staff_credentials WHERE hash = $1`, hash))
	return c, staffErr("credential", err)
}

// Credentials lists the credentials of one kind, newest first.
func (s *Store) Credentials(ctx context.Context, kind staff.CredentialKind) ([]staff.Credential, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+credentialCols+` FROM staff_credentials WHERE kind = $1 ORDER BY created_at DESC, hash`, string(kind))
	if err != nil {
		return nil, staffErr("credentials", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.Credential, error) { return scanCredential(r) })
	return out, staffErr("credentials", err)
}

// TouchCredential records a use of a credential.
func (s *Store) TouchCredential(ctx context.Context, hash string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE staff_credentials SET last_used = $2 WHERE hash = $1`, hash, at)
	if err == nil && tag.RowsAffected() == 0 {
		return staff.ErrNotFound
	}
	return staffErr("touch credential", err)
}

// RevokeCredential makes a credential unusable.
func (s *Store) RevokeCredential(ctx context.Context, hash string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE staff_credentials SET revoked = true WHERE hash = $1`, hash)
	if err == nil && tag.RowsAffected() == 0 {
		return staff.ErrNotFound
	}
	return staffErr("revoke credential", err)
}

// RevokeAccountCredentials revokes every session and link of an account.
func (s *Store) RevokeAccountCredentials(ctx context.Context, accountID string) error {
	_, err := s.pool.Exec(ctx, `UPDATE staff_credentials SET revoked = true WHERE account_id = $1 AND kind IN ('session', 'link')`, accountID)
	return staffErr("revoke credentials", err)
}

// AppendAudit appends an entry to the audit log.
func (s *Store) AppendAudit(ctx context.Context, e staff.Entry) error {
	const q = `INSERT INTO audit_log (at, actor, action, target, before, after, addr) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	_, err := s.pool.Exec(ctx, q, e.At, cleanText(e.Actor), e.Action, cleanText(e.Target), cleanText(e.Before), cleanText(e.After), e.Addr)
	return staffErr("append audit", err)
}

// Audit lists audit entries, newest first.
func (s *Store) Audit(ctx context.Context, f staff.AuditFilter) ([]staff.Entry, error) {
	const q = `SELECT id, at, actor, action, target, before, after, addr FROM audit_log
		WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR starts_with(action, $2))
		  AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
		  AND ($5 = 0 OR id < $5)
		ORDER BY id DESC LIMIT $6`
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, q, f.Actor, f.Action, nullTime(f.From), nullTime(f.To), f.Before, limit)
	if err != nil {
		return nil, staffErr("audit", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.Entry, error) {
		var e staff.Entry
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &e.Before, &e.After, &e.Addr)
		return e, err
	})
	return out, staffErr("audit", err)
}

var _ staff.Conversations = (*Store)(nil)

// likePattern makes text a LIKE pattern that matches it anywhere, literally.
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(text) + "%"
}

// Conversations lists turns for staff, newest first.
func (s *Store) Conversations(ctx context.Context, f staff.TurnFilter) ([]staff.TurnRow, error) {
	// Only the filters given go into the statement (each value a parameter), so that
	// the planner walks the time index and stops at the page instead of planning for
	// every filter at once.
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Mode != "" {
		where = append(where, "m.mode = "+arg(f.Mode))
	}
	switch f.Rating {
	case "":
	case "none":
		where = append(where, "f.message_id IS NULL")
	default:
		where = append(where, "f.rating = "+arg(f.Rating))
	}
	if f.Channel != "" {
		where = append(where, "m.channel = "+arg(f.Channel))
	}
	if !f.From.IsZero() {
		where = append(where, "m.created_at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "m.created_at < "+arg(f.To))
	}
	if f.Text != "" {
		where = append(where, "m.question ILIKE "+arg(likePattern(cleanText(f.Text))))
	}
	if f.Review {
		where = append(where, "(m.mode = 'no_answer' OR f.rating = 'down') AND r.message_id IS NULL")
	}
	if !f.Before.At.IsZero() {
		where = append(where, "(m.created_at, m.id) < ("+arg(f.Before.At)+", "+arg(f.Before.ID)+")")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	q := `SELECT m.id, m.session_id, m.channel, m.question, m.answer, m.mode, m.sources, m.topic, m.fallback, m.created_at,
			coalesce(f.rating, ''), coalesce(f.comment, ''), coalesce(r.action, '')
		FROM messages m
		LEFT JOIN feedback f ON f.message_id = m.id
		LEFT JOIN review_marks r ON r.message_id = m.id`
	if len(where) > 0 {
		q += "\n\t\tWHERE " + strings.Join(where, " AND ")
	}
	q += "\n\t\tORDER BY m.created_at DESC, m.id DESC LIMIT " + arg(limit)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pgstore: conversations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.TurnRow, error) {
		var (
			t              staff.TurnRow
			mode           string
			sources, topic []byte
		)
		err := r.Scan(&t.MessageID, &t.SessionID, &t.Channel, &t.Question, &t.Answer, &mode, &sources, &topic, &t.Fallback, &t.CreatedAt,
			&t.Rating, &t.Comment, &t.Reviewed)
		if err != nil {
			return t, err
		}
		t.Mode = conversation.Mode(mode)
		if err := json.Unmarshal(sources, &t.Sources); err != nil {
			return t, err
		}
		if len(topic) > 0 {
			if err := json.Unmarshal(topic, &t.Topic); err != nil {
				return t, err
			}
		}
		return t, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: conversations: %w", err)
	}
	return out, nil
}

// MarkReviewed records what staff did with turns in the review queue.
func (s *Store) MarkReviewed(ctx context.Context, ids []string, action, reason, actor string) error {
	const q = `INSERT INTO review_marks (message_id, action, reason, actor)
		SELECT id, $2, $3, $4 FROM messages WHERE id = ANY($1)
		ON CONFLICT (message_id) DO UPDATE SET action = $2, reason = $3, actor = $4, at = now()`
	if _, err := s.pool.Exec(ctx, q, ids, action, cleanText(reason), cleanText(actor)); err != nil {
		return fmt.Errorf("pgstore: mark reviewed: %w", err)
	}
	return nil
}

// SetStatus sets a document's status: staff suppress a bad source (a suppressed
// document stays suppressed when it is ingested again) or restore it. It is
// retrieval.ErrNotFound when there is no such document.
func (s *Store) SetStatus(ctx context.Context, dataset, key string, status corpus.Status) error {
	switch status {
	case corpus.StatusActive, corpus.StatusCancelled, corpus.StatusStale, corpus.StatusSuppressed:
	default:
		return fmt.Errorf("pgstore: set status: %q is not a document status", status)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE documents SET status = $3, updated_at = now() WHERE dataset = $1 AND key = $2`,
			cleanText(dataset), cleanText(key), string(status))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return retrieval.ErrNotFound
		}
		return announceDocuments(ctx, tx)
	})
	if errors.Is(err, retrieval.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("pgstore: set status: %w", err)
	}
	s.gen.Add(1) // this process at once; the others at the announcement
	return nil
}

// TurnStats counts the turns made since a time by day (Taipei), channel, mode and
// rating.
func (s *Store) TurnStats(ctx context.Context, since time.Time) ([]staff.DayCount, error) {
	// Live turns, and the counts kept of purged ones (from the day since falls on).
	const q = `SELECT to_char(day, 'YYYY-MM-DD'), channel, mode, rating, sum(n)::bigint FROM (
			SELECT (m.created_at AT TIME ZONE 'Asia/Taipei')::date AS day, m.channel, m.mode, coalesce(f.rating, '') AS rating, count(*) AS n
			FROM messages m LEFT JOIN feedback f ON f.message_id = m.id
			WHERE m.created_at >= $1 GROUP BY 1, 2, 3, 4
			UNION ALL
			SELECT day, channel, mode, rating, n FROM daily_counts WHERE day >= ($1::timestamptz AT TIME ZONE 'Asia/Taipei')::date
		) c GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`
	rows, err := s.pool.Query(ctx, q, since)
	if err != nil {
		return nil, fmt.Errorf("pgstore: turn stats: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.DayCount, error) {
		var d staff.DayCount
		err := r.Scan(&d.Day, &d.Channel, &d.Mode, &d.Rating, &d.N)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: turn stats: %w", err)
	}
	return out, nil
}

var _ staff.Sources = (*Store)(nil)

// DatasetStats counts documents by dataset and status.
func (s *Store) DatasetStats(ctx context.Context) ([]staff.DatasetStat, error) {
	rows, err := s.pool.Query(ctx, `SELECT dataset, status, count(*), max(snapshot) FROM documents GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: dataset stats: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.DatasetStat, error) {
		var d staff.DatasetStat
		var snap *time.Time
		err := r.Scan(&d.Dataset, &d.Status, &d.N, &snap)
		d.Snapshot = deref(snap)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: dataset stats: %w", err)
	}
	return out, nil
}

// IngestRuns lists the last n ingest runs, newest first.
func (s *Store) IngestRuns(ctx context.Context, n int) ([]staff.IngestRun, error) {
	const q = `SELECT started_at, duration_ms, ok, error, sources, documents, added, changed, removed, rejected, rejects, text_repairs
		FROM ingest_runs ORDER BY id DESC LIMIT $1`
	rows, err := s.pool.Query(ctx, q, n)
	if err != nil {
		return nil, fmt.Errorf("pgstore: ingest runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.IngestRun, error) {
		var (
			run     staff.IngestRun
			ms      int64
			rejects []byte
			text    []byte
		)
		if err := r.Scan(&run.StartedAt, &ms, &run.OK, &run.Error, &run.Sources, &run.Documents, &run.Added, &run.Changed, &run.Removed, &run.Rejected, &rejects, &text); err != nil {
			return run, err
		}
		run.Duration = time.Duration(ms) * time.Millisecond
		if err := json.Unmarshal(text, &run.Text); err != nil {
			return run, err
		}
		return run, json.Unmarshal(rejects, &run.Rejects)
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: ingest runs: %w", err)
	}
	return out, nil
}

var _ staff.Proposals = (*Store)(nil)

// proposalErr keeps the errors of the proposals' contract and wraps the rest.
func proposalErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, staff.ErrNotFound), errors.Is(err, staff.ErrDecided), errors.Is(err, staff.ErrFourEyes),
		errors.Is(err, staff.ErrConflict), errors.Is(err, retrieval.ErrNotFound):
		return err
	}
	return staffErr(op, err)
}

// Propose stores a pending proposal to suppress or restore a document.
func (s *Store) Propose(ctx context.Context, p staff.Proposal) (staff.Proposal, error) {
	if _, err := staff.ProposalStatus(p.Action); err != nil {
		return staff.Proposal{}, err
	}
	p.Dataset, p.Key, p.Reason, p.ProposedBy = cleanText(p.Dataset), cleanText(p.Key), cleanText(p.Reason), cleanText(p.ProposedBy)
	p.Status, p.DecidedBy, p.DecidedAt, p.Note = staff.ProposalPending, "", time.Time{}, ""
	if p.ProposedAt.IsZero() {
		p.ProposedAt = time.Now()
	}
	p.ProposedAt = p.ProposedAt.UTC().Truncate(time.Microsecond)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status, title FROM documents WHERE dataset = $1 AND key = $2 FOR SHARE`, p.Dataset, p.Key).Scan(&status, &p.Title)
		if errors.Is(err, pgx.ErrNoRows) {
			return retrieval.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := staff.Proposable(p.Action, status); err != nil {
			return err
		}
		const q = `INSERT INTO document_proposals (id, dataset, key, title, action, reason, status, proposed_by, proposed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
		_, err = tx.Exec(ctx, q, p.ID, p.Dataset, p.Key, p.Title, p.Action, p.Reason, p.Status, p.ProposedBy, p.ProposedAt)
		return err
	})
	if err != nil {
		return staff.Proposal{}, proposalErr("propose", err)
	}
	return p, nil
}

const proposalCols = `id, dataset, key, title, action, reason, status, proposed_by, proposed_at, decided_by, decided_at, note`

func scanProposal(row pgx.Row) (staff.Proposal, error) {
	var (
		p       staff.Proposal
		decided *time.Time
	)
	err := row.Scan(&p.ID, &p.Dataset, &p.Key, &p.Title, &p.Action, &p.Reason, &p.Status, &p.ProposedBy, &p.ProposedAt, &p.DecidedBy, &decided, &p.Note)
	p.ProposedAt, p.DecidedAt = p.ProposedAt.UTC(), deref(decided).UTC()
	if decided == nil {
		p.DecidedAt = time.Time{}
	}
	return p, err
}

// Proposals lists proposals newest first; status "" lists them all.
func (s *Store) Proposals(ctx context.Context, status string) ([]staff.Proposal, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+proposalCols+` FROM document_proposals
		WHERE ($1 = '' OR status = $1) ORDER BY proposed_at DESC, id DESC`, status)
	if err != nil {
		return nil, staffErr("proposals", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.Proposal, error) { return scanProposal(r) })
	if out == nil {
		out = []staff.Proposal{}
	}
	return out, staffErr("proposals", err)
}

// Decide approves or rejects a pending proposal; an approval sets the document's
// status in the same transaction.
func (s *Store) Decide(ctx context.Context, id string, d staff.Decision) (staff.Proposal, error) {
	if d.At.IsZero() {
		d.At = time.Now()
	}
	var p staff.Proposal
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		p, err = scanProposal(tx.QueryRow(ctx, `SELECT `+proposalCols+` FROM document_proposals WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return staff.ErrNotFound
		}
		if err != nil {
			return err
		}
		switch {
		case p.Status != staff.ProposalPending:
			return staff.ErrDecided
		case strings.EqualFold(strings.TrimSpace(p.ProposedBy), strings.TrimSpace(d.By)):
			return staff.ErrFourEyes
		}
		p.Status = staff.ProposalRejected
		if d.Approve {
			status, err := staff.ProposalStatus(p.Action)
			if err != nil {
				return err
			}
			var now string
			err = tx.QueryRow(ctx, `SELECT status FROM documents WHERE dataset = $1 AND key = $2 FOR UPDATE`, p.Dataset, p.Key).Scan(&now)
			if errors.Is(err, pgx.ErrNoRows) {
				return retrieval.ErrNotFound
			}
			if err != nil {
				return err
			}
			if now == string(corpus.StatusFlagged) {
				return staff.Proposable(p.Action, now)
			}
			if now != string(status) {
				if _, err := tx.Exec(ctx, `UPDATE documents SET status = $3, updated_at = now() WHERE dataset = $1 AND key = $2`,
					p.Dataset, p.Key, string(status)); err != nil {
					return err
				}
				if err := announceDocuments(ctx, tx); err != nil {
					return err
				}
			}
			p.Status = staff.ProposalApproved
		}
		p.DecidedBy, p.DecidedAt, p.Note = cleanText(d.By), d.At.UTC().Truncate(time.Microsecond), cleanText(d.Note)
		_, err = tx.Exec(ctx, `UPDATE document_proposals SET status = $2, decided_by = $3, decided_at = $4, note = $5 WHERE id = $1`,
			id, p.Status, p.DecidedBy, p.DecidedAt, p.Note)
		return err
	})
	if err != nil {
		return staff.Proposal{}, proposalErr("decide", err)
	}
	if p.Status == staff.ProposalApproved {
		s.gen.Add(1)
	}
	return p, nil
}
