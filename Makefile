# The README's commands. `make test` is what CI runs.
GO ?= go
export CIVICBOT_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable

.PHONY: run test test-race setup lint bench fuzz

# Run the server on the embedded default.
run:
	$(GO) run ./cmd/civicbot serve

# Packages whose suites are end-to-end runs of the whole answer pipeline over the bundled
# corpus (minutes each): under the race detector they take 16 to 30+ minutes on a 2-core
# machine, so `make test` runs them without it and `make test-race` runs them with it.
# The concurrent code they drive (engine, stores, LINE workers, web server, console) is
# under the race detector in its own packages' tests.
SLOW_PKGS := ./bot ./cmd/civicbot

# Install and start PostgreSQL + pgvector where this machine allows, then run every test,
# all but SLOW_PKGS under the race detector.
test: setup
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m $$($(GO) list ./... | grep -v -x -e 'github.com/civicbot/civicbot/bot' -e 'github.com/civicbot/civicbot/cmd/civicbot')
	$(GO) test -count=1 -timeout 30m $(SLOW_PKGS)

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
