# earsim: `make test` is what CI runs (see .ci/run). Everything here goes
# through the Go toolchain and the versions pinned in go.mod; the OPA CLI is
# the pinned module's own (`go tool opa`), not a separately installed binary.

GO        ?= go
FUZZTIME  ?= 30s
BENCHTIME ?= 2s

.PHONY: all build test bench lint fuzz policies bundle ecosystem screenshots clean

all: lint test

## build: the earsim binary in bin/
build:
	$(GO) build -o bin/earsim ./cmd/earsim

## test: every Go test, the Rego tests with their 100% coverage gate, the
## bundled scenarios (twice, byte for byte), the CLI scripts, and the tests
## that run goroutines (the mock's 32 clients, writes prepared beside each
## other, the explorer's workers) under the race detector, in one go command
## so they compile at once
test:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ "$$EARSIM_SKIP_BROWSER" = 1 ] || \
		{ echo "make test: the console's browser test needs Debian's chromium: apt-get install chromium (or EARSIM_SKIP_BROWSER=1 make test to skip it)"; exit 2; }
	@echo "make test: go test (the first run also downloads the Atlas SDK modules whose OpenAPI definitions the mock is checked against)"
	$(GO) test -count=1 ./...
	@echo "make test: the concurrent tests under the race detector (the mock's clients, steps prepared at once, the explorer's workers)"
	$(GO) test -race -count=1 -run '^(TestConcurrentClients|TestConcurrentWorlds|TestWorldsDoNotWaitForEachOther|TestWritesToDifferentProjectsAreJudgedAtOnce|TestTeamRulesWithWritesAtOnce|TestPreparedStepsAtOnce|TestSearchIndependentOfMemoAndWorkers)$$' ./atlasapi ./explore ./sim

## policies: the Rego tests alone, through OPA's tester and through `opa test`
policies:
	$(GO) test -count=1 -run 'TestRego|TestCatalog|TestCapabilities|TestEveryRule' -v ./policies
	$(GO) tool opa test policies

## bundle: an OPA bundle of the policies (tests left out) for OPA servers;
## `make ecosystem` serves it with the pinned OPA and compares answers
bundle:
	@mkdir -p bin
	cd policies && $(GO) tool opa build --bundle . --ignore '*_test.rego' --output ../bin/earsim-bundle.tar.gz
	@echo "bin/earsim-bundle.tar.gz: data.earsim.terraform.findings, data.earsim.admission.decision, data.earsim.state.report"

## ecosystem: the policies unchanged under the third-party tools, built at
## their pinned versions on first use (minutes on a fresh machine, cached
## after; not in `make test` for that reason; CI runs both): the OPA CLI
## (`go tool -n opa`) serving the bundle (policies/server_test.go), and
## conftest (built into .cache/): their verdicts on every example plan must
## equal earsim check's (check/conftest_test.go).
CONFTEST_VERSION ?= v0.71.1
ecosystem:
	@echo "make ecosystem: building the pinned OPA CLI (go tool -n opa)"
	@opa=$$($(GO) tool -n opa) && EARSIM_OPA=$$opa $(GO) test -count=1 -run 'TestOPAServerAgrees' -v ./policies
	@test -x .cache/conftest/conftest || { echo "make ecosystem: building conftest $(CONFTEST_VERSION) into .cache/conftest"; GOBIN=$(CURDIR)/.cache/conftest $(GO) install github.com/open-policy-agent/conftest@$(CONFTEST_VERSION); }
	EARSIM_CONFTEST=$(CURDIR)/.cache/conftest/conftest $(GO) test -count=1 -run 'TestConftestAgrees' -v ./check

## lint: gofmt, go vet, opa fmt and opa check --strict
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool opa fmt --list --fail policies
	$(GO) tool opa check --strict policies

## fuzz: a short campaign for each fuzz target (FUZZTIME each)
fuzz:
	$(GO) test ./sim -run '^$$' -fuzz '^FuzzParseKeyIdentifier$$' -fuzztime $(FUZZTIME)
	$(GO) test ./scenarios -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./atlasapi -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./atlasapi -run '^$$' -fuzz '^FuzzParseKeys$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./atlasapi -run '^$$' -fuzz '^FuzzImportState$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./check -run '^$$' -fuzz '^FuzzCheck$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./check -run '^$$' -fuzz '^FuzzSuppressions$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s

## bench: the Go benchmarks (the SDK workflow against a scaled clock takes
## seconds, an endpoint at --time-scale 1 minutes), then the load runs of the
## mock beside Prism (scripts/load.sh, which installs wrk and Prism), and a
## real serve's CPU at 1 vs 2,000 projects (scripts/worldsize-cpu.sh); results
## go into docs/BENCHMARKS.md with this command
bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -count 1 ./policies ./scenarios ./check
	$(GO) test -run '^$$' -bench . -benchtime 10x -count 1 ./conformance
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 ./explore
	$(GO) test -run '^$$' -bench 'TimeScale|HeapAgainstKeys|RepeatedLoad|ImportExport|ImportOwnKeys' -benchtime 1x -count 1 -timeout 20m ./atlasapi
	$(GO) test -run '^$$' -bench 'WorldSize' -benchtime 200x -count 1 -timeout 20m ./atlasapi
	for world in projects keys snapshots endpoints; do \
		$(GO) test -run '^$$' -bench "HeapAgainstWorld/$$world" -benchtime 1x -count 1 -timeout 20m ./atlasapi || exit 1; done
	bash scripts/load.sh
	bash scripts/check-bench.sh
	WARM=6 REPEAT=5 bash scripts/worldsize-cpu.sh

## screenshots: the README's console screenshots, made by the browser test
## in headless Chromium (docs/screenshots/)
screenshots:
	EARSIM_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestConsoleInBrowser$$' ./atlasapi

clean:
	rm -rf bin
