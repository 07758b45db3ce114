# starsock: Python's socket module for Starlark, in Go.
#
#   make run     the demo: a server and a client talking, explained
#   make test    everything: formatting, go vet, staticcheck, tests with -race,
#                and the conformance scripts and twin cases under CPython
#   make lint    formatting, go vet and staticcheck only
#   make fuzz    each fuzz target for FUZZTIME (30s); make test fuzzes each briefly, by count
#   make soak    SOAK (5m) of mixed traffic against the interpreter, watching
#                its memory and descriptors
#   make gen     regenerate the tables taken from this machine's CPython:
#                constants, strerror texts, help() docstrings
#   make bench   benchmarks against CPython and native Go, with each target's
#                PASS or MISS (scripts/bench/README.md); SCALE=0.05 is quick

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin

.PHONY: all build run test lint fmt-check vet staticcheck race cpython course twin fuzz fuzz-ci soak gen bench

all: build

build:
	$(GO) build -o $(BIN)/starsock ./cmd/starsock

run: build
	$(BIN)/starsock testdata/demo/echo.star

test: lint race cpython course twin fuzz-ci

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(STATICCHECK) ./...

race:
	$(GO) test -race -count=1 ./...

# The examples course, each lesson against its real peer (CPython, curl,
# socat, nc), printing which peer each passed against.
course:
	@mkdir -p $(BIN)
	@$(GO) test -count=1 -run '^TestCourse$$' -v ./module/socket/ > $(BIN)/course.log 2>&1; status=$$?; \
	grep -E -- 'lesson .*: as|--- FAIL|FAIL|panic' $(BIN)/course.log | sed 's/^ *course_test.go:[0-9]*: //'; \
	[ $$status -eq 0 ] || cat $(BIN)/course.log; exit $$status

# The conformance scripts' assertions hold under CPython too: they state
# what CPython does, not what starsock happens to do.
cpython:
	python3 scripts/star_on_cpython.py

# Twin cases: each testdata/twin/*.star runs under python3 and under the
# interpreter, and the two must print the same outcome for every case.
twin: build
	python3 scripts/twin.py

# Fuzzing: go test -fuzz takes one target per run. Each target's seed
# corpus (testdata/fuzz/<Target>/ beside its package) also runs in every
# go test. make fuzz fuzzes each target for FUZZTIME; fuzz-ci, part of
# make test, gives each the count of inputs after its name, about two
# seconds' worth here. The CI fuzzes by count, not by time, because Go
# before 1.27 can fail a timed run at its deadline ("context deadline
# exceeded", go.dev/issue/75804) when a worker is mid-input; a count has
# no deadline to race.
FUZZTIME     ?= 30s
FUZZ_TARGETS := ./conv:FuzzAddress:50000x ./conv:FuzzBytes:50000x ./conv:FuzzTimeout:50000x \
                ./conv:FuzzInt:50000x ./module/socket:FuzzSocketOps:500x

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${rest#*:}; \
		if [ -n "$(FUZZTIME)" ]; then budget=$(FUZZTIME); fi; \
		echo "== $$name in $$pkg for $$budget"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $$budget $$pkg || exit 1; \
	done

fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=

# The soak test: SOAK of mixed traffic (TCP, UDP, AF_UNIX, connections
# closed at once or reset) against scripts/soak/server.star, sampling the
# interpreter's memory and descriptors; not part of make test.
SOAK ?= 5m

soak: build
	$(GO) run ./scripts/soak -duration $(SOAK) -bin $(BIN)/starsock

# The tables generated from CPython (scripts/gen/): run after upgrading
# python3 or adding a name, then review the diff.
gen:
	python3 scripts/gen/constants.py
	python3 scripts/gen/strerror.py
	python3 scripts/gen/docs.py

# Benchmarks (scripts/bench/README.md): each workload with starsock, CPython
# and native Go, ROUNDS interleaved rounds, unpinned and then pinned to one
# core, with medians, ratios and each target's PASS or MISS; SCALE
# multiplies the counts (0.05 for a quick run), BENCH_ONLY picks workloads.
# Then the scale test and the Go benchmarks of conv and the socket path.
ROUNDS     ?= 5
SCALE      ?= 1
BENCH_ONLY ?=

bench: build
	$(GO) build -o $(BIN)/bench-native ./scripts/bench/native
	$(GO) run ./scripts/bench/run -rounds $(ROUNDS) -scale $(SCALE) $(if $(BENCH_ONLY),-only $(BENCH_ONLY))
	$(GO) run ./scripts/bench/scale
	$(GO) test -run '^$$' -bench . -benchmem ./conv/ ./module/socket/
