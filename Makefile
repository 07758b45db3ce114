# starsock: Python's socket module for Starlark, in Go.
#
#   make run     the demo: a server and a client talking, explained
#   make test    everything: formatting, go vet, staticcheck, tests with -race,
#                and the conformance scripts and twin cases under CPython
#   make lint    formatting, go vet and staticcheck only

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin

.PHONY: all build run test lint fmt-check vet staticcheck race cpython course twin

all: build

build:
	$(GO) build -o $(BIN)/starsock ./cmd/starsock

run: build
	$(BIN)/starsock testdata/demo/echo.star

test: lint race cpython course twin

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
