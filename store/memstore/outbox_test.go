package memstore_test

import (
	"testing"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/conversation/conversationtest"
)

func TestOutboxConformance(t *testing.T) {
	conversationtest.RunOutbox(t, func(t *testing.T) conversation.Outbox { return openEmpty(t) })
}
