package line

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// callTimeout bounds one call of the Messaging API (a reply or a push).
const callTimeout = 15 * time.Second

// loadingTimeout bounds the loading-animation call: the answer must not wait on it.
const loadingTimeout = 3 * time.Second

// chatID is a LINE user (U), group (C) or room (R) id: pushes go only to those.
var chatID = regexp.MustCompile(`^[UCR][0-9a-f]{32}$`)

// api is a Messaging API client for one call. The SDK's WithContext mutates the
// client, so a client is never shared between goroutines; making one is cheap (the
// HTTP client, which pools connections, is shared).
func (h *Handler) api(ctx context.Context) *messaging_api.MessagingApiAPI {
	c, err := messaging_api.NewMessagingApiAPI(h.token, messaging_api.WithHTTPClient(h.http), messaging_api.WithEndpoint(h.baseURL))
	if err != nil {
		// New checked the token and the URL.
		panic(err)
	}
	return c.WithContext(ctx)
}

// sendResult is what one delivery attempt came to.
type sendResult struct {
	status     int           // the API's status; 0 for a transport error or a cancelled call
	msg        string        // LINE's error message
	retryAfter time.Duration // the Retry-After of a 429 or 503, when given
	err        error
}

// tokenSpent says whether LINE refused a reply because its token was invalid:
// expired, or used already.
func (r sendResult) tokenSpent() bool {
	return r.status == http.StatusBadRequest && strings.Contains(strings.ToLower(r.msg), "reply token")
}

// reply sends a reply once.
func (h *Handler) reply(ctx context.Context, token string, msgs []messaging_api.MessageInterface) sendResult {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	res, _, err := h.api(ctx).ReplyMessageWithHttpInfo(&messaging_api.ReplyMessageRequest{ReplyToken: token, Messages: msgs})
	return result(res, err)
}

// pushMessages sends a push once, with a retry key: LINE accepts a key once (in 24
// hours) and answers 409 to the same key again, so retries, and other replicas
// pushing for the same event, cannot deliver twice.
func (h *Handler) pushMessages(ctx context.Context, to, key string, msgs []messaging_api.MessageInterface) sendResult {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	res, _, err := h.api(ctx).PushMessageWithHttpInfo(&messaging_api.PushMessageRequest{To: to, Messages: msgs}, key)
	return result(res, err)
}

func result(res *http.Response, err error) sendResult {
	if err == nil {
		if res != nil {
			res.Body.Close()
		}
		return sendResult{status: http.StatusOK}
	}
	r := sendResult{err: err}
	if res != nil {
		r.retryAfter = retryAfter(res.Header.Get("Retry-After"), time.Now())
	}
	r.status, r.msg = apiError(res)
	return r
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), time.Hour)
	}
	return 0
}

// loading shows the loading animation in a user's chat while the answer is made.
func (h *Handler) loading(ctx context.Context, userID string) {
	if !strings.HasPrefix(userID, "U") || !chatID.MatchString(userID) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, loadingTimeout)
	defer cancel()
	res, _, err := h.api(ctx).ShowLoadingAnimationWithHttpInfo(&messaging_api.ShowLoadingAnimationRequest{ChatId: userID, LoadingSeconds: LoadingSeconds})
	if err != nil {
		status, _ := apiError(res)
		h.log.Debug("line: loading animation", "status", status, "err", err)
	}
}

// apiError returns the status and LINE's error message of a failed call; status 0
// for a transport error.
func apiError(res *http.Response) (int, string) {
	if res == nil {
		return 0, ""
	}
	defer res.Body.Close()
	var e messaging_api.ErrorResponse
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	_ = json.Unmarshal(b, &e)
	return res.StatusCode, e.Message
}

// transient says whether a failed call may succeed if tried again.
func transient(status int) bool {
	return status == 0 || status == http.StatusTooManyRequests || status >= 500
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// retryNamespace is the UUID namespace of retry keys.
var retryNamespace = [16]byte{0x6c, 0x69, 0x6e, 0x65, 0x2d, 0x72, 0x65, 0x74, 0x72, 0x79, 0x2d, 0x63, 0x69, 0x76, 0x69, 0x63}

// retryKey is the X-Line-Retry-Key of an event's push, kept with the event in the
// outbox: a name-based UUID (version 5) of the webhookEventId, the same on every
// replica and every retry.
func retryKey(eventID string) string {
	var u [16]byte
	if eventID == "" {
		_, _ = rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40
	} else {
		s := sha1.New()
		s.Write(retryNamespace[:])
		s.Write([]byte(eventID))
		copy(u[:], s.Sum(nil))
		u[6] = u[6]&0x0f | 0x50
	}
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
