package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/civicbot/civicbot/staff"
)

func contextWith(r *http.Request, p staff.Principal) context.Context {
	return context.WithValue(r.Context(), principalKey{}, p)
}

func jsonBody(v any) (io.ReadCloser, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
