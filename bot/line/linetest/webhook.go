package linetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Webhook bodies in the format of the LINE Platform
// (https://developers.line.biz/en/reference/messaging-api/#webhook-event-objects).

// Body is a webhook request body.
type Body struct {
	Destination string  `json:"destination"`
	Events      []Event `json:"events"`
}

// Event is a webhook event.
type Event struct {
	Type            string          `json:"type"`
	Mode            string          `json:"mode"`
	Timestamp       int64           `json:"timestamp"`
	Source          *Source         `json:"source,omitempty"`
	WebhookEventID  string          `json:"webhookEventId"`
	DeliveryContext DeliveryContext `json:"deliveryContext"`
	ReplyToken      string          `json:"replyToken,omitempty"`
	Message         *MessageContent `json:"message,omitempty"`
	Postback        *Postback       `json:"postback,omitempty"`
	Follow          *Follow         `json:"follow,omitempty"`
}

// Source is where an event comes from: a user, a group or a room.
type Source struct {
	Type    string `json:"type"`
	UserID  string `json:"userId,omitempty"`
	GroupID string `json:"groupId,omitempty"`
	RoomID  string `json:"roomId,omitempty"`
}

// DeliveryContext says whether the event is a redelivery.
type DeliveryContext struct {
	IsRedelivery bool `json:"isRedelivery"`
}

// MessageContent is the message of a message event.
type MessageContent struct {
	ID                  string           `json:"id"`
	Type                string           `json:"type"`
	Text                string           `json:"text,omitempty"`
	QuoteToken          string           `json:"quoteToken,omitempty"`
	Mention             *Mention         `json:"mention,omitempty"`
	PackageID           string           `json:"packageId,omitempty"`
	StickerID           string           `json:"stickerId,omitempty"`
	StickerResourceType string           `json:"stickerResourceType,omitempty"`
	ContentProvider     *ContentProvider `json:"contentProvider,omitempty"`
	Duration            int              `json:"duration,omitempty"`
	FileName            string           `json:"fileName,omitempty"`
	FileSize            int              `json:"fileSize,omitempty"`
	Title               string           `json:"title,omitempty"`
	Address             string           `json:"address,omitempty"`
	Latitude            float64          `json:"latitude,omitempty"`
	Longitude           float64          `json:"longitude,omitempty"`
}

// ContentProvider says where an image, video or audio is.
type ContentProvider struct {
	Type string `json:"type"`
}

// Mention lists the mentions in a text message.
type Mention struct {
	Mentionees []Mentionee `json:"mentionees"`
}

// Mentionee is one mention; Index and Length count UTF-16 code units of the text.
type Mentionee struct {
	Index  int    `json:"index"`
	Length int    `json:"length"`
	Type   string `json:"type"` // "user" or "all"
	UserID string `json:"userId,omitempty"`
	IsSelf bool   `json:"isSelf,omitempty"`
}

// Postback is a postback event's data.
type Postback struct {
	Data   string            `json:"data"`
	Params map[string]string `json:"params,omitempty"`
}

// Follow says whether a follow event is an unblock.
type Follow struct {
	IsUnblocked bool `json:"isUnblocked"`
}

// BotName is the name the fake's group mentions use.
const BotName = "@市政小幫手"

// Destination is the bot's user id in the bodies the fake builds.
var Destination = NewUserID()

func newEvent(typ string, src *Source) Event {
	return Event{
		Type:           typ,
		Mode:           "active",
		Timestamp:      time.Now().UnixMilli(),
		Source:         src,
		WebhookEventID: NewEventID(),
	}
}

// User is a one-to-one chat's source.
func User(userID string) *Source { return &Source{Type: "user", UserID: userID} }

// Group is a group chat's source; userID may be "".
func Group(groupID, userID string) *Source {
	return &Source{Type: "group", GroupID: groupID, UserID: userID}
}

// Room is a multi-person chat's source; userID may be "".
func Room(roomID, userID string) *Source {
	return &Source{Type: "room", RoomID: roomID, UserID: userID}
}

// Text is a text message from a user, with a fresh reply token.
func (s *Server) Text(userID, text string) Event { return s.TextFrom(User(userID), text) }

// TextFrom is a text message from any source, with a fresh reply token.
func (s *Server) TextFrom(src *Source, text string) Event {
	e := newEvent("message", src)
	e.ReplyToken = s.issueFor(e.Source)
	e.Message = &MessageContent{ID: newMessageID(), Type: "text", Text: text, QuoteToken: randomHex(16)}
	return e
}

// Mentioning is a group text that mentions the bot before the question, as LINE
// sends it when a member types @ and picks the bot.
func (s *Server) Mentioning(groupID, userID, question string) Event {
	e := s.TextFrom(Group(groupID, userID), BotName+" "+question)
	e.Message.Mention = &Mention{Mentionees: []Mentionee{{Index: 0, Length: Units(BotName), Type: "user", IsSelf: true}}}
	return e
}

// Media is a non-text message from a user: "sticker", "image", "video", "audio",
// "location" or "file".
func (s *Server) Media(userID, typ string) Event {
	e := newEvent("message", User(userID))
	e.ReplyToken = s.issueFor(e.Source)
	m := &MessageContent{ID: newMessageID(), Type: typ}
	switch typ {
	case "sticker":
		m.PackageID, m.StickerID, m.StickerResourceType, m.QuoteToken = "446", "1988", "STATIC", randomHex(16)
	case "image", "video", "audio":
		m.ContentProvider = &ContentProvider{Type: "line"}
		if typ != "image" {
			m.Duration = 6000
		}
		if typ != "audio" {
			m.QuoteToken = randomHex(16)
		}
	case "location":
		m.Title, m.Address, m.Latitude, m.Longitude = "臺北市政府", "臺北市信義區市府路1號", 25.0375, 121.5637
	case "file":
		m.FileName, m.FileSize = "處方箋.pdf", 24576
	}
	e.Message = m
	return e
}

// Follow is a user adding the account as a friend.
func (s *Server) Follow(userID string) Event {
	e := newEvent("follow", User(userID))
	e.ReplyToken = s.issueFor(e.Source)
	e.Follow = &Follow{}
	return e
}

// Unfollow is a user blocking the account; it has no reply token.
func Unfollow(userID string) Event { return newEvent("unfollow", User(userID)) }

// Postback is a user tapping a postback button.
func (s *Server) Postback(userID, data string) Event { return s.PostbackFrom(User(userID), data) }

// PostbackFrom is a postback from any source.
func (s *Server) PostbackFrom(src *Source, data string) Event {
	e := newEvent("postback", src)
	e.ReplyToken = s.issueFor(e.Source)
	e.Postback = &Postback{Data: data}
	return e
}

// Join is the account joining a group.
func (s *Server) Join(groupID string) Event {
	e := newEvent("join", Group(groupID, ""))
	e.ReplyToken = s.issueFor(e.Source)
	return e
}

// Leave is the account removed from a group; it has no reply token.
func Leave(groupID string) Event { return newEvent("leave", Group(groupID, "")) }

// Redelivered is the event as LINE sends it again after a lost acknowledgement.
func (e Event) Redelivered() Event {
	e.DeliveryContext.IsRedelivery = true
	return e
}

// Marshal is a webhook body holding events.
func Marshal(events ...Event) []byte {
	b, err := json.Marshal(Body{Destination: Destination, Events: append([]Event{}, events...)})
	if err != nil {
		panic(err)
	}
	return b
}

// Sign is the X-Line-Signature of a body: the base64 HMAC-SHA256 of the body with the
// channel secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Request is a webhook request to url, signed with the server's channel secret.
func (s *Server) Request(url string, body []byte) *http.Request {
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	r.Header.Set("User-Agent", "LineBotWebhook/2.0")
	r.Header.Set("X-Line-Signature", Sign(s.Secret, body))
	return r
}

// NewUserID is a random user id (U + 32 hex digits).
func NewUserID() string { return "U" + randomHex(16) }

// NewGroupID is a random group id (C + 32 hex digits).
func NewGroupID() string { return "C" + randomHex(16) }

// NewRoomID is a random room id (R + 32 hex digits).
func NewRoomID() string { return "R" + randomHex(16) }

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewEventID is a webhookEventId: a ULID (48 bits of milliseconds, 80 random bits, in
// Crockford's base 32).
func NewEventID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	// 128 bits → 26 characters of 5 bits, the first holding 3.
	var out strings.Builder
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 | uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 | uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	for i := 25; i >= 0; i-- {
		shift := uint(i * 5)
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift > 59:
			v = lo>>shift | hi<<(64-shift)
		default:
			v = lo >> shift
		}
		out.WriteByte(crockford[v&31])
	}
	return out.String()
}

var msgSeq atomic.Int64

func newMessageID() string {
	return fmt.Sprintf("4%017d", time.Now().UnixMilli()%1e12*1e5+msgSeq.Add(1)%1e5)
}
