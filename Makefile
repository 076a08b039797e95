PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: frontend reference screenshots install test lint typecheck pytest demo vectors interop bench bench-memory bench-server fuzz soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The Redis store tests need a redis-server: tools/ensure-redis.sh finds or installs one. Under
# CI they must run, so a missing redis-server fails the build instead of skipping.
# The browser tests need Chromium (tools/ensure-chromium.sh finds or installs Debian's package)
# and the example front end bundled from npm (the frontend target). Same rule: required under CI.
pytest: $(STAMP) frontend reference
	redis=$$(bash tools/ensure-redis.sh) || { [ -z "$$CI" ] || exit 1; echo "redis-server unavailable: Redis tests will be skipped"; }; \
	chromium=$$(bash tools/ensure-chromium.sh) || { [ -z "$$CI" ] || exit 1; echo "chromium unavailable: browser tests will be skipped"; }; \
	AUTHTOKENS_REDIS_SERVER="$$redis" AUTHTOKENS_CHROMIUM="$$chromium" $(BIN)/pytest

# The example apps' front end: the real @stacks/connect 8, bundled by esbuild (not committed).
FRONTEND := examples/frontend
$(FRONTEND)/dist/signin.js: $(FRONTEND)/package-lock.json $(FRONTEND)/src/signin.js
	cd $(FRONTEND) && npm ci --silent --no-audit --no-fund && npm run build --silent

# The README's screenshots (consent page, signed-in page, Connect 8's picker), from a real browser.
screenshots: $(STAMP) frontend
	AUTHTOKENS_CHROMIUM="$$(bash tools/ensure-chromium.sh)" $(BIN)/python tools/screenshots.py

# The pinned reference JS libraries (tools/vectors): the interop tests and the examples' tests that
# sign in with what @stacks/transactions and @stacks/wallet-sdk made run against them.
tools/vectors/node_modules/.package-lock.json: tools/vectors/package-lock.json
	cd tools/vectors && npm ci --silent --no-audit --no-fund

reference:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory tools/vectors/node_modules/.package-lock.json; \
	elif [ -n "$$CI" ]; then echo "npm is required under CI for the reference interop tests" >&2; exit 1; \
	else echo "npm unavailable: the reference interop tests will be skipped"; fi

frontend:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(FRONTEND)/dist/signin.js; \
	elif [ -n "$$CI" ]; then echo "npm is required under CI to build the example front end" >&2; exit 1; \
	else echo "npm unavailable: the Connect 8 browser tests will be skipped"; fi

test: lint typecheck pytest

demo: $(STAMP)
	$(BIN)/python examples/demo.py

# Regenerate the reference vectors with the pinned JS libraries (needs Node and npm).
vectors:
	cd tools/vectors && npm ci --silent && node generate.mjs ../../tests/vectors && node generate_siws.mjs ../../tests/vectors
	node tools/vectors/origins.mjs tests/vectors/origins.json

# Python-made tokens and ciphers checked by the reference JS libraries, and the reference signer
# signing in to `authtokens serve` over /siws/* (needs Node and npm).
interop: $(STAMP) reference
	$(BIN)/python tools/interop.py
	AUTHTOKENS_REQUIRE_NODE=1 $(BIN)/pytest -q tests/test_server_siws.py -k reference_signer

# Throughput next to the floor and the reference (the reference runs when Node is present).
bench: $(STAMP) reference
	$(BIN)/python benchmarks/bench.py

bench-memory: $(STAMP)
	$(BIN)/python benchmarks/memory.py

# Sign-in server vs the web stack's ceiling (BENCH_SERVER_ARGS, e.g. --soak 300 for the report's
# 5-minute memory soak, --workers 1, --flows challenge).
BENCH_SERVER_ARGS ?= --soak 60
bench-server: $(STAMP)
	AUTHTOKENS_REDIS_SERVER="$$(bash tools/ensure-redis.sh)" $(BIN)/python benchmarks/bench_server.py $(BENCH_SERVER_ARGS)

# Bounded fuzzing of the verifiers (FUZZ_SECONDS, default 60).
fuzz: $(STAMP)
	$(BIN)/python tools/fuzz.py --seconds $${FUZZ_SECONDS:-60} $(FUZZ_ARGS)

# Issue 11 items 1-2 against a server under `ulimit -n 1024`: 1,100 slow connections and a
# lockout attempt from 127.0.0.2 while 127.0.0.1 signs in (SOAK_ARGS, e.g. --url for your own).
soak: $(STAMP)
	$(BIN)/python tools/soak.py --start-server $(SOAK_ARGS)

clean:
	rm -rf $(VENV) $(FRONTEND)/node_modules $(FRONTEND)/dist .mypy_cache .pytest_cache .ruff_cache
