# Parley: every target documents itself with a "## " comment; `make help`
# lists them. `make test` is exactly what CI runs (.ci/run).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

MODULE := github.com/parley-sfu/parley

# Pinned tools. The protoc plugins are installed into ./.bin (git-ignored) so
# that the generated code does not depend on what happens to be on PATH.
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.1
STATICCHECK_VERSION        := v0.8.2
BIN_DIR := $(CURDIR)/.bin

PROTO_FILES := $(wildcard proto/parley/v1/*.proto)
PROTO_OUT   := proto/parleypb

# Debian packages the tests need (ffmpeg: loadtest checks that its stamped
# clips decode), as "command:package" pairs: the package is
# installed when the command is missing.
TEST_DEPS := chromium:chromium protoc:protobuf-compiler turnutils_uclient:coturn ffmpeg:ffmpeg

# CI is a 2-core machine: two packages at a time, two parallel tests each.
GO_TEST_FLAGS ?= -race -count=1 -timeout 20m -p 2 -parallel 2

# Browser tests fail (never skip) when Chromium is missing; this tells the
# harness (internal/browsertest) that it runs under `make test`.
export PARLEY_REQUIRE_BROWSER := 1

.PHONY: help
help: ## List the targets with a one-line description
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: ## Run a dev server (embedded defaults, localhost only) on http://localhost:7880
	go run ./cmd/parley serve --dev

.PHONY: cluster
cluster: ## Run a local cluster: in-process NATS and three dev nodes on http://127.0.0.1:7880, :7980, :8080 (Ctrl-C stops all)
	go run ./cmd/parley cluster

.PHONY: build
build: ## Build the server binary into bin/parley
	go build -o bin/parley ./cmd/parley

.PHONY: test
test: deps lint proto-check ## Everything CI runs: deps, gofmt, vet, staticcheck, proto-check, go test -race
	go test $(GO_TEST_FLAGS) ./...

.PHONY: deps
deps: ## Install the Debian packages tests need (chromium, protoc, coturn) when missing
	@missing=""; \
	for pair in $(TEST_DEPS); do \
		cmd=$${pair%%:*}; pkg=$${pair#*:}; \
		command -v "$$cmd" >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "deps: installing$$missing"; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "deps: FAILED: need root or sudo to install$$missing" >&2; exit 1; fi; \
	if ! { $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	       $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; }; then \
		echo "deps: FAILED: could not install$$missing with apt-get; tests cannot run without them" >&2; exit 1; \
	fi; \
	for pair in $(TEST_DEPS); do \
		cmd=$${pair%%:*}; \
		command -v "$$cmd" >/dev/null 2>&1 || { echo "deps: FAILED: $$cmd still missing after install" >&2; exit 1; }; \
	done

.PHONY: fmt-check
fmt-check: ## Fail when a Go file is not gofmt-formatted
	@files=$$(gofmt -l .); \
	if [ -n "$$files" ]; then echo "gofmt: these files need formatting (run gofmt -w):" >&2; echo "$$files" >&2; exit 1; fi

.PHONY: vet
vet: ## Run go vet on every package
	go vet ./...

.PHONY: lint
lint: fmt-check vet ## gofmt check, go vet and staticcheck (pinned)
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# make bench: the sfu micro-benchmarks (with the SRTP+UDP floor), then the
# load scenarios of `parley loadtest bench` against a child server on
# loopback, one summary table, and the top of the server's CPU profile in
# the 100-subscriber scenario. About 5 minutes on 2 cores; output in bin/bench.
BENCH_DIR := bin/bench

.PHONY: bench
bench: ## Benchmarks: sfu micro-benchmarks and floor, then load scenarios with bots (~5 min)
	@mkdir -p $(BENCH_DIR)
	go build -o bin/parley ./cmd/parley
	go test -run '^$$' -bench . -benchmem -count 1 ./sfu/... | tee $(BENCH_DIR)/sfu.txt
	bin/parley loadtest bench --server-binary bin/parley --sfu-bench $(BENCH_DIR)/sfu.txt --out $(BENCH_DIR) | tee $(BENCH_DIR)/summary.txt
	@if [ -s $(BENCH_DIR)/server-cpu.pprof ]; then \
		echo; echo "Server CPU profile, 1 pub -> 100 subs (top 25 by cumulative and flat time):"; \
		go tool pprof -top -cum -nodecount=25 bin/parley $(BENCH_DIR)/server-cpu.pprof 2>/dev/null | tee $(BENCH_DIR)/profile-cum.txt; \
		go tool pprof -top -nodecount=25 bin/parley $(BENCH_DIR)/server-cpu.pprof 2>/dev/null | tee $(BENCH_DIR)/profile-flat.txt; \
	fi
	@if [ -s $(BENCH_DIR)/bots-cpu.pprof ]; then \
		echo; echo "Bots' CPU profile, same window (top 15 by flat time):"; \
		go tool pprof -top -nodecount=15 bin/parley $(BENCH_DIR)/bots-cpu.pprof 2>/dev/null | tee $(BENCH_DIR)/profile-bots.txt; \
	fi

# make bench-relay: what a relay hop between two nodes costs. Each run
# starts two child `serve --dev` nodes of one cluster (NATS in the bench
# process) and loads them with 1 simulcast publisher and 25 subscribers:
# everyone on node A, then the publisher on A and the subscribers on B;
# three runs of each, alternating, medians reported. About 3 minutes on 2
# cores; output in bin/bench (relay.txt, relay-summary.json).
.PHONY: bench-relay
bench-relay: ## What a relay hop adds: the same load on one node, then across two nodes (~3 min)
	@mkdir -p $(BENCH_DIR)
	go build -o bin/parley ./cmd/parley
	bin/parley loadtest bench --relay --server-binary bin/parley --out $(BENCH_DIR) | tee $(BENCH_DIR)/relay.txt

# protoc and the pinned plugins; a plugin is reinstalled when its version
# differs from the pin.
.PHONY: proto-tools
proto-tools:
	@command -v protoc >/dev/null 2>&1 || $(MAKE) --no-print-directory deps
	@check() { [ -x "$(BIN_DIR)/$$1" ] && go version -m "$(BIN_DIR)/$$1" | grep -q "[[:space:]]$$2[[:space:]]"; }; \
	check protoc-gen-go $(PROTOC_GEN_GO_VERSION) || \
		GOBIN=$(BIN_DIR) go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION); \
	check protoc-gen-go-grpc $(PROTOC_GEN_GO_GRPC_VERSION) || \
		GOBIN=$(BIN_DIR) go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

# protoc-gen OUT_DIR: generate the Go code of PROTO_FILES under OUT_DIR.
protoc-gen = PATH=$(BIN_DIR):$$PATH protoc -I proto \
	--go_out=$(1) --go_opt=module=$(MODULE) \
	--go-grpc_out=$(1) --go-grpc_opt=module=$(MODULE) \
	$(PROTO_FILES)

.PHONY: proto
proto: proto-tools ## Regenerate proto/parleypb from proto/parley/v1/*.proto
	$(call protoc-gen,.)

.PHONY: proto-check
proto-check: proto-tools ## Fail when proto/parleypb is stale (regenerates into a temp dir and diffs)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(call protoc-gen,$$tmp); \
	if ! diff -r "$$tmp/$(PROTO_OUT)" $(PROTO_OUT); then \
		echo "proto-check: $(PROTO_OUT) is stale: run 'make proto' and commit the result" >&2; exit 1; \
	fi; \
	echo "proto-check: $(PROTO_OUT) is up to date"

.PHONY: screenshots
screenshots: ## Retake the README screenshots (docs/screenshots) from the browser tests
	mkdir -p docs/screenshots
	go test -count=1 -run 'TestMeeting|TestPrejoin' ./web -args -screenshots=$(CURDIR)/docs/screenshots

.PHONY: clean
clean: ## Remove build output and test artefacts
	rm -rf bin test-artifacts
