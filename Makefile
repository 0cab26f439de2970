# The README's commands. `make test` is what CI runs.
GO ?= go
export CIVICBOT_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable

.PHONY: run test test-race setup lint bench fuzz

# Run the server on the embedded default.
run:
	$(GO) run ./cmd/civicbot serve

# Packages whose suites load the bundled corpus again and again (end-to-end answers,
# evaluation sets, store parity, the console over 100,000 turns). Under the race detector
# they pass, but take minutes each on a quiet 2-core machine (bot 239 s, cmd/civicbot
# 428 s, store/memstore 254 s, store/pgstore 196 s, paritytest 334 s, console
# 217 s: 863 s in all) and 25 minutes or more each
# under load (memstore 1,603 s, paritytest 1,578 s): `make test` runs them without it and
# the race detector checks the packages that drive the concurrent code (the LINE workers
# and outbox, the web server and its streams, the LLM client, ingest, the lexicons).
# `make test-race` runs every package under it.
SLOW_PKGS := bot cmd/civicbot store/memstore store/pgstore store/paritytest staff/console
MODULE := github.com/civicbot/civicbot

# Install and start PostgreSQL + pgvector where this machine allows, then run every test,
# all but SLOW_PKGS under the race detector.
test: setup
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m $$($(GO) list ./... | grep -v -x $(foreach p,$(SLOW_PKGS),-e '$(MODULE)/$(p)'))
	$(GO) test -count=1 -timeout 30m $(foreach p,$(SLOW_PKGS),./$(p))

# Every test under the race detector (about an hour on 2 cores).
test-race: setup
	$(GO) test -race -count=1 -timeout 60m ./...

setup:
	@.ci/setup-postgres || { \
	  if [ "$$CI" = "true" ]; then echo "setup: PostgreSQL with pgvector is required under CI" >&2; exit 1; fi; \
	  echo "setup: PostgreSQL with pgvector is not available here: database tests will be skipped" >&2; }
	@.ci/setup-chromium || { \
	  if [ "$$CI" = "true" ]; then echo "setup: Chromium is required under CI for the widget's browser tests" >&2; exit 1; fi; \
	  echo "setup: Chromium is not available here: browser tests will be skipped" >&2; }

lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzString -fuzztime 20s ./ingest/htmltext
