PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint typecheck pytest demo vectors interop bench bench-memory bench-server fuzz clean

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

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

demo: $(STAMP)
	$(BIN)/python examples/demo.py

# Regenerate the reference vectors with the pinned JS libraries (needs Node and npm).
vectors:
	cd tools/vectors && npm ci --silent && node generate.mjs ../../tests/vectors

# Python-made tokens and ciphers checked by the reference JS libraries (needs Node and npm).
interop: $(STAMP)
	test -d tools/vectors/node_modules || (cd tools/vectors && npm ci --silent)
	$(BIN)/python tools/interop.py

# Throughput next to the floor and the reference (the reference runs when Node is present).
bench: $(STAMP)
	test -d tools/vectors/node_modules || (cd tools/vectors && npm ci --silent) || true
	$(BIN)/python benchmarks/bench.py

bench-memory: $(STAMP)
	$(BIN)/python benchmarks/memory.py

bench-server: $(STAMP)
	$(BIN)/python benchmarks/bench_server.py

# Bounded fuzzing of the verifiers (FUZZ_SECONDS, default 60).
fuzz: $(STAMP)
	$(BIN)/python tools/fuzz.py --seconds $${FUZZ_SECONDS:-60}

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
