# nexuskit: the targets a contributor and CI use. `make test` is what CI runs.
GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
MODULES     := . examples wsauth/redisthrottle
FUZZTIME    ?= 10s
BENCHTIME   ?= 1s

.PHONY: test fmt-check vet staticcheck test-race bench fuzz run

test: fmt-check vet staticcheck test-race

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@set -e; for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...); done

staticcheck:
	@set -e; for m in $(MODULES); do echo "staticcheck ($$m)"; (cd $$m && $(STATICCHECK) ./...); done

test-race:
	@set -e; for m in $(MODULES); do echo "go test -race ($$m)"; (cd $$m && $(GO) test -race -shuffle=on -count=1 ./...); done

# Every benchmark of every module, with allocation counts.
bench:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...); done

# Each fuzz target of every module for FUZZTIME (go test runs one target at a time).
fuzz:
	@set -e; for m in $(MODULES); do (cd $$m && for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg; \
	  done; \
	done); done

# The NEXUS reference server (examples/nexus) with no configuration: SQLite in
# examples/nexus/nexus.db, development mode, http://localhost:5000/.
# A .env file in examples/nexus is read if present (see .env.example there).
run:
	cd examples/nexus && $(GO) run .
