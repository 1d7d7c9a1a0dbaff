# The two commands a fresh clone needs: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

CHROMIUM ?= /usr/bin/chromium

.PHONY: install browser serve test lint clean bench bench-quick soak

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Debian's Chromium for the browser tests (Playwright drives it; no browser download)
browser:
	@test -x $(CHROMIUM) || { command -v apt-get >/dev/null && (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
		echo "Chromium could not be installed: the browser tests will be skipped"; }

## Migrate the default SQLite database, print a first credential, serve on http://127.0.0.1:8000
serve: $(STAMP)
	$(BIN)/lrs init
	$(BIN)/lrs serve --host 127.0.0.1 --port 8000

## The whole suite, on SQLite and (when LRS_TEST_POSTGRES_URL is set) on PostgreSQL
test: $(STAMP) browser
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

## Benchmarks, not part of `make test`: SQLite and PostgreSQL (LRS_BENCH_POSTGRES_URL, default the local
## server), queries at 1,000,000 statements; figures printed, in bench/results/ and in bench/README.md
BENCH_ARGS ?= --database both --statements 1000000
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS) --readme

## A few minutes: SQLite, queries at 100,000 statements, no progress engine or exports
bench-quick: $(STAMP)
	$(BIN)/python -m bench --database sqlite --statements 100000 --skip-progress --skip-exports

## Ten minutes at a steady mixed load on SQLite, then on PostgreSQL (LRS_BENCH_POSTGRES_URL, default the local
## server): the server's memory and p95 latency must stay flat and no request may fail. Both run; either failing
## fails the target. Figures printed and in bench/results/soak-*.json
SOAK_ARGS ?= --minutes 10
soak: $(STAMP)
	$(BIN)/python -m bench.soak --database sqlite $(SOAK_ARGS); status=$$?; \
	$(BIN)/python -m bench.soak --database postgresql $(SOAK_ARGS) && exit $$status

lint: $(STAMP)
	$(BIN)/ruff check lrs plugins tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache
