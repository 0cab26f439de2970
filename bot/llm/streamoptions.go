package llm

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// streamOptionsTransport deals with OpenAI-compatible servers that refuse the
// "stream_options":{"include_usage":true} that langchaingo adds to every streamed
// chat request (and that only serves to count tokens). When such a server answers
// 400 (or 422) naming the field, the request is sent once more without it, and
// from then on the field is left out of every request.
type streamOptionsTransport struct {
	base  http.RoundTripper
	strip atomic.Bool // set once a server refused the field, or by Config.NoStreamUsage
}

// maxErrorBody bounds what is read of a refusal to look for the field's name.
const maxErrorBody = 64 << 10

func (t *streamOptionsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := transport(t.base)
	if req.Method != http.MethodPost || req.Body == nil || !strings.HasSuffix(req.URL.Path, "/chat/completions") {
		return base.RoundTrip(req)
	}
	// A chat request's body is small; it is read whole so that it can be sent twice.
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	stripped, has := withoutStreamOptions(body)
	if !has {
		return base.RoundTrip(withBody(req, body))
	}
	if t.strip.Load() {
		return base.RoundTrip(withBody(req, stripped))
	}

	resp, err := base.RoundTrip(withBody(req, body))
	if err != nil || (resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity) {
		return resp, err
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil || !refusesStreamOptions(head) {
		// Another complaint: hand the whole answer back as it came.
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	t.strip.Store(true)
	return base.RoundTrip(withBody(req, stripped))
}

// refusesStreamOptions reports whether an error answer is about stream_options.
func refusesStreamOptions(body []byte) bool {
	s := strings.ToLower(string(body))
	return strings.Contains(s, "stream_options") || strings.Contains(s, "include_usage")
}

// withoutStreamOptions returns body without its top-level "stream_options" field,
// and whether it had one. A body that is not a JSON object is left alone.
func withoutStreamOptions(body []byte) ([]byte, bool) {
	if !bytes.Contains(body, []byte(`"stream_options"`)) {
		return body, false
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return body, false
	}
	if _, ok := fields["stream_options"]; !ok {
		return body, false
	}
	delete(fields, "stream_options")
	out, err := json.Marshal(fields)
	if err != nil {
		return body, false
	}
	return out, true
}

// withBody returns a copy of req that sends body, as many times as the
// transport needs (GetBody serves redirects and retries on a fresh connection).
func withBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	return r
}
