package memstore_test

import (
	"testing"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/bottest"
)

func TestOutboxConformance(t *testing.T) {
	bottest.RunOutbox(t, func(t *testing.T) bot.Outbox { return openEmpty(t) })
}
