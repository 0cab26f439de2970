package linetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the Messaging API that the fake enforces. Lengths are counted in UTF-16
// code units, as LINE counts them (an emoji outside the BMP is two).
const (
	MaxMessages     = 5
	MaxTextLength   = 5000
	MaxAltText      = 400
	MaxQuickReplies = 13
	MaxLabel        = 20
	MaxData         = 300
	MaxActionText   = 300
	MaxURI          = 1000
	MaxImageURL     = 2000 // an image component's url
	MaxBubbles      = 12
	MaxBubbleBytes  = 30_000
	MaxCarouselSize = 50_000
)

// Message is a message object as sent, decoded from JSON.
type Message map[string]any

// Type is the message type ("text", "flex", ...).
func (m Message) Type() string { s, _ := m["type"].(string); return s }

// Text is a text message's text.
func (m Message) Text() string { s, _ := m["text"].(string); return s }

// AltText is a Flex message's alternative text.
func (m Message) AltText() string { s, _ := m["altText"].(string); return s }

// QuoteToken is the token of the message a text quotes.
func (m Message) QuoteToken() string { s, _ := m["quoteToken"].(string); return s }

// Contents is a Flex message's container.
func (m Message) Contents() map[string]any { c, _ := m["contents"].(map[string]any); return c }

// QuickReplies returns the actions of the message's quick reply buttons.
func (m Message) QuickReplies() []Action {
	qr, _ := m["quickReply"].(map[string]any)
	items, _ := qr["items"].([]any)
	var out []Action
	for _, it := range items {
		item, _ := it.(map[string]any)
		if a, ok := item["action"].(map[string]any); ok {
			out = append(out, Action(a))
		}
	}
	return out
}

// Actions returns every action inside a Flex message, depth first.
func (m Message) Actions() []Action {
	var out []Action
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if a, ok := v["action"].(map[string]any); ok {
				out = append(out, Action(a))
			}
			for k, x := range v {
				if k != "action" && k != "quickReply" {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(m["contents"])
	return out
}

// FlexTexts returns the text of every text component of a Flex message, depth first.
func (m Message) FlexTexts() []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "text" {
				if s, ok := v["text"].(string); ok {
					out = append(out, s)
				}
			}
			for _, k := range []string{"header", "hero", "body", "footer"} {
				if x, ok := v[k]; ok {
					walk(x)
				}
			}
			if x, ok := v["contents"]; ok {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(m["contents"])
	return out
}

// Action is an action object.
type Action map[string]any

func (a Action) str(k string) string { s, _ := a[k].(string); return s }

// Type is the action type ("postback", "message", "uri").
func (a Action) Type() string { return a.str("type") }

// Label is the button's label.
func (a Action) Label() string { return a.str("label") }

// Data is a postback's data.
func (a Action) Data() string { return a.str("data") }

// DisplayText is what a postback shows in the chat as the user's message.
func (a Action) DisplayText() string { return a.str("displayText") }

// Text is a message action's text.
func (a Action) Text() string { return a.str("text") }

// URI is a URI action's address.
func (a Action) URI() string { return a.str("uri") }

// Units counts UTF-16 code units, as LINE counts characters.
func Units(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// ValidateMessages checks a JSON array of message objects against the API's limits,
// as the server checks every reply and push.
func ValidateMessages(raw []byte) error {
	var msgs []any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&msgs); err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	return validateMessages(msgs)
}

func validateMessages(msgs []any) error {
	if len(msgs) == 0 || len(msgs) > MaxMessages {
		return fmt.Errorf("messages: %d messages, want 1 to %d", len(msgs), MaxMessages)
	}
	for i, m := range msgs {
		if err := validateMessage(m); err != nil {
			return fmt.Errorf("messages[%d]: %w", i, err)
		}
	}
	return nil
}

func validateMessage(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return errors.New("not an object")
	}
	switch typ, _ := m["type"].(string); typ {
	case "text":
		if err := validText("text", m["text"], MaxTextLength, true); err != nil {
			return err
		}
		if q, ok := m["quoteToken"]; ok {
			if s, _ := q.(string); s == "" {
				return errors.New("quoteToken: empty")
			}
		}
	case "flex":
		if err := validText("altText", m["altText"], MaxAltText, true); err != nil {
			return err
		}
		c, ok := m["contents"].(map[string]any)
		if !ok {
			return errors.New("contents: missing")
		}
		if err := validContainer(c); err != nil {
			return fmt.Errorf("contents: %w", err)
		}
	case "sticker":
		if s, _ := m["packageId"].(string); s == "" {
			return errors.New("packageId: missing")
		}
		if s, _ := m["stickerId"].(string); s == "" {
			return errors.New("stickerId: missing")
		}
	default:
		return fmt.Errorf("type %q: not a message type this service sends", typ)
	}
	if qr, ok := m["quickReply"]; ok {
		if err := validQuickReply(qr); err != nil {
			return fmt.Errorf("quickReply: %w", err)
		}
	}
	return nil
}

// validText checks a string property: present when required, at most max UTF-16
// units, valid UTF-8.
func validText(name string, v any, max int, required bool) error {
	if v == nil {
		if required {
			return fmt.Errorf("%s: missing", name)
		}
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s: not a string", name)
	}
	if required && strings.TrimSpace(s) == "" {
		return fmt.Errorf("%s: empty", name)
	}
	if n := Units(s); n > max {
		return fmt.Errorf("%s: %d characters, at most %d", name, n, max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s: invalid UTF-8", name)
	}
	return nil
}

func validQuickReply(v any) error {
	qr, ok := v.(map[string]any)
	if !ok {
		return errors.New("not an object")
	}
	items, ok := qr["items"].([]any)
	if !ok || len(items) == 0 || len(items) > MaxQuickReplies {
		return fmt.Errorf("items: want 1 to %d", MaxQuickReplies)
	}
	for i, it := range items {
		item, ok := it.(map[string]any)
		if !ok {
			return fmt.Errorf("items[%d]: not an object", i)
		}
		if item["type"] != "action" {
			return fmt.Errorf("items[%d].type: want \"action\"", i)
		}
		if img, ok := item["imageUrl"]; ok {
			s, _ := img.(string)
			if !strings.HasPrefix(s, "https://") || len(s) > 2000 {
				return fmt.Errorf("items[%d].imageUrl: want an https URL", i)
			}
		}
		a, ok := item["action"].(map[string]any)
		if !ok {
			return fmt.Errorf("items[%d].action: missing", i)
		}
		if err := validAction(a, true, "postback", "message", "uri", "datetimepicker", "camera", "cameraRoll", "location", "clipboard"); err != nil {
			return fmt.Errorf("items[%d].action: %w", i, err)
		}
	}
	return nil
}

func validAction(a map[string]any, labelRequired bool, types ...string) error {
	typ, _ := a["type"].(string)
	allowed := false
	for _, t := range types {
		allowed = allowed || t == typ
	}
	if !allowed {
		return fmt.Errorf("type %q not allowed here", typ)
	}
	if err := validText("label", a["label"], MaxLabel, labelRequired); err != nil {
		return err
	}
	switch typ {
	case "postback":
		if err := validText("data", a["data"], MaxData, true); err != nil {
			return err
		}
		if err := validText("displayText", a["displayText"], MaxActionText, false); err != nil {
			return err
		}
		if a["displayText"] != nil && a["text"] != nil {
			return errors.New("displayText and text cannot both be set")
		}
	case "message":
		if err := validText("text", a["text"], MaxActionText, true); err != nil {
			return err
		}
	case "uri":
		s, _ := a["uri"].(string)
		if err := ValidURI(s); err != nil {
			return fmt.Errorf("uri: %w", err)
		}
	}
	return nil
}

// ValidURI checks a URI action's address as LINE does: http, https, line or tel, at
// most 1000 characters, printable ASCII (anything else percent-encoded).
func ValidURI(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if len(s) > MaxURI {
		return fmt.Errorf("%d characters, at most %d", len(s), MaxURI)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return fmt.Errorf("byte %#x at %d: not printable ASCII", s[i], i)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return errors.New("no host")
		}
	case "tel":
		if u.Opaque == "" || strings.Trim(u.Opaque, "+0123456789-") != "" {
			return errors.New("tel: not a phone number")
		}
	case "line":
	default:
		return fmt.Errorf("scheme %q: want http, https, line or tel", u.Scheme)
	}
	return nil
}

func validContainer(c map[string]any) error {
	raw, _ := json.Marshal(c)
	switch c["type"] {
	case "bubble":
		if len(raw) > MaxBubbleBytes {
			return fmt.Errorf("bubble: %d bytes, at most %d", len(raw), MaxBubbleBytes)
		}
		return validBubble(c)
	case "carousel":
		if len(raw) > MaxCarouselSize {
			return fmt.Errorf("carousel: %d bytes, at most %d", len(raw), MaxCarouselSize)
		}
		bubbles, ok := c["contents"].([]any)
		if !ok || len(bubbles) == 0 || len(bubbles) > MaxBubbles {
			return fmt.Errorf("carousel: want 1 to %d bubbles", MaxBubbles)
		}
		for i, b := range bubbles {
			bm, ok := b.(map[string]any)
			if !ok || bm["type"] != "bubble" {
				return fmt.Errorf("carousel.contents[%d]: not a bubble", i)
			}
			if err := validBubble(bm); err != nil {
				return fmt.Errorf("carousel.contents[%d]: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("type %v: want bubble or carousel", c["type"])
}

func validBubble(b map[string]any) error {
	n := 0
	for _, block := range []string{"header", "hero", "body", "footer"} {
		v, ok := b[block]
		if !ok || v == nil {
			continue
		}
		n++
		if block == "hero" {
			// The hero block is an image, a video or a box.
			if h, _ := v.(map[string]any); h == nil || (h["type"] != "image" && h["type"] != "box" && h["type"] != "video") {
				return errors.New("hero: want an image, a video or a box")
			}
		}
		if err := validComponent(v); err != nil {
			return fmt.Errorf("%s: %w", block, err)
		}
	}
	if n == 0 {
		return errors.New("bubble: no block")
	}
	if a, ok := b["action"].(map[string]any); ok {
		if err := validAction(a, false, "postback", "message", "uri"); err != nil {
			return fmt.Errorf("action: %w", err)
		}
	}
	return nil
}

func validComponent(v any) error {
	c, ok := v.(map[string]any)
	if !ok {
		return errors.New("component: not an object")
	}
	if a, ok := c["action"].(map[string]any); ok && c["type"] != "button" {
		if err := validAction(a, false, "postback", "message", "uri"); err != nil {
			return fmt.Errorf("action: %w", err)
		}
	}
	switch c["type"] {
	case "box":
		switch c["layout"] {
		case "horizontal", "vertical", "baseline":
		default:
			return fmt.Errorf("box: layout %v", c["layout"])
		}
		contents, ok := c["contents"].([]any)
		if !ok {
			return errors.New("box: contents missing")
		}
		for i, x := range contents {
			if err := validComponent(x); err != nil {
				return fmt.Errorf("contents[%d]: %w", i, err)
			}
		}
	case "text":
		if _, spans := c["contents"].([]any); !spans {
			// No length limit is documented for a text component; the bubble's size is.
			if err := validText("text", c["text"], MaxBubbleBytes, true); err != nil {
				return fmt.Errorf("text: %w", err)
			}
		}
		if ml, ok := c["maxLines"].(json.Number); ok {
			if n, err := ml.Int64(); err != nil || n < 0 {
				return errors.New("text: maxLines")
			}
		}
	case "button":
		a, ok := c["action"].(map[string]any)
		if !ok {
			return errors.New("button: action missing")
		}
		if err := validAction(a, true, "postback", "message", "uri", "datetimepicker", "clipboard"); err != nil {
			return fmt.Errorf("button: %w", err)
		}
		switch c["style"] {
		case nil, "primary", "secondary", "link":
		default:
			return fmt.Errorf("button: style %v", c["style"])
		}
	case "image", "icon":
		s, _ := c["url"].(string)
		if !strings.HasPrefix(s, "https://") || len(s) > MaxImageURL {
			return fmt.Errorf("%v: want an https url of at most %d characters", c["type"], MaxImageURL)
		}
		if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
			return fmt.Errorf("%v: url: not printable ASCII", c["type"])
		}
		if r, ok := c["aspectRatio"]; ok {
			// {width}:{height}, each 1 to 100000, the height at most three widths.
			w, h, err := ratio(r)
			if err != nil || h > 3*w {
				return fmt.Errorf("%v: aspectRatio %v", c["type"], r)
			}
		}
		switch c["aspectMode"] {
		case nil, "cover", "fit":
		default:
			return fmt.Errorf("%v: aspectMode %v", c["type"], c["aspectMode"])
		}
	case "separator", "filler", "spacer":
	default:
		return fmt.Errorf("component type %v", c["type"])
	}
	return nil
}

func ratio(v any) (w, h int, err error) {
	s, _ := v.(string)
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, errors.New("no colon")
	}
	if w, err = strconv.Atoi(a); err != nil || w < 1 || w > 100000 {
		return 0, 0, errors.New("width")
	}
	if h, err = strconv.Atoi(b); err != nil || h < 1 || h > 100000 {
		return 0, 0, errors.New("height")
	}
	return w, h, nil
}
