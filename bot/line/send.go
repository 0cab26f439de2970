package line

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// sendTimeout bounds the delivery of one answer, retries included.
const sendTimeout = 30 * time.Second

// loadingTimeout bounds the loading-animation call: the answer must not wait on it.
const loadingTimeout = 3 * time.Second

var (
	// errTokenSpent is LINE's "Invalid reply token": expired, or used already.
	errTokenSpent = errors.New("line: reply token invalid or expired")
	// errMaybeSent is a spent token after a failed first attempt: the first attempt
	// probably went through, so nothing is pushed.
	errMaybeSent = errors.New("line: reply token spent after a failed attempt; the reply was probably delivered")
)

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

// send delivers an event's messages: by reply while the token is fresh, by push when
// the answer is late or LINE says the token is spent (unless pushes are off).
func (h *Handler) send(ctx context.Context, j job, msgs []messaging_api.MessageInterface) {
	if len(msgs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if j.replyToken != "" {
		if time.Since(j.received) < h.replyTimeout {
			err := h.reply(ctx, j.replyToken, msgs)
			if err == nil {
				h.Stats.Replies.Add(1)
				return
			}
			if !errors.Is(err, errTokenSpent) {
				h.Stats.SendFailures.Add(1)
				h.log.Error("line: reply", "event", j.id, "chat", h.tag(j.src.chat()), "err", err)
				return
			}
			h.log.Info("line: reply token spent", "event", j.id, "redelivery", j.redelivery)
		}
		h.Stats.Late.Add(1)
	}
	to := j.src.chat()
	if !h.push || !chatID.MatchString(to) {
		h.Stats.Dropped.Add(1)
		h.log.Warn("line: answer not delivered: no valid reply token and no push", "event", j.id, "chat", h.tag(to), "push", h.push)
		return
	}
	err := h.pushMessages(ctx, to, retryKey(j.id), msgs)
	if err != nil {
		h.Stats.SendFailures.Add(1)
		h.log.Error("line: push", "event", j.id, "chat", h.tag(to), "err", err)
	}
}

// reply sends a reply, once more after a transient failure (the token allows one use,
// so a retry cannot deliver twice).
func (h *Handler) reply(ctx context.Context, token string, msgs []messaging_api.MessageInterface) error {
	for attempt := 0; ; attempt++ {
		res, _, err := h.api(ctx).ReplyMessageWithHttpInfo(&messaging_api.ReplyMessageRequest{ReplyToken: token, Messages: msgs})
		if err == nil {
			return nil
		}
		status, msg := apiError(res)
		switch {
		case status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "reply token"):
			if attempt > 0 {
				return errMaybeSent
			}
			return errTokenSpent
		case transient(status) && attempt == 0 && ctx.Err() == nil:
			if !sleep(ctx, 300*time.Millisecond) {
				return err
			}
			continue
		}
		return err
	}
}

// pushMessages sends a push with a retry key: LINE accepts a key once (in 24 hours),
// so retries, and other replicas pushing for the same event, cannot deliver twice.
func (h *Handler) pushMessages(ctx context.Context, to, key string, msgs []messaging_api.MessageInterface) error {
	backoff := 250 * time.Millisecond
	for attempt := 0; ; attempt++ {
		res, _, err := h.api(ctx).PushMessageWithHttpInfo(&messaging_api.PushMessageRequest{To: to, Messages: msgs}, key)
		if err == nil {
			h.Stats.Pushes.Add(1)
			return nil
		}
		status, _ := apiError(res)
		if status == http.StatusConflict {
			h.Stats.PushDuplicates.Add(1)
			return nil
		}
		if !transient(status) || attempt == 2 || ctx.Err() != nil {
			return err
		}
		if !sleep(ctx, backoff) {
			return err
		}
		backoff *= 4
	}
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

// retryKey is the X-Line-Retry-Key of an event's push: a name-based UUID (version 5)
// of the webhookEventId, the same on every replica and every retry.
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
