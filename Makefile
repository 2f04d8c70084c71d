# parity-fuzz — `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The second test pass: the oldest Hypothesis that pyproject.toml admits, in a venv of its own.
OLDEST := .venv-hypothesis-oldest
HYPOTHESIS_OLDEST = $(shell $(PYTHON) -c 'import re, tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; print(next(re.match(r"hypothesis>=([0-9.]+)", d).group(1) for d in deps if re.match(r"hypothesis>=", d)))')
CARGO  := cargo
GO     := go
RUST   := targets/rust
GOSRC  := targets/go

.PHONY: all venv build demo test test-python test-hypothesis-oldest test-rust test-go replay lint bench clean

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

build: venv
	$(BIN)/parity-fuzz targets build

# The main job on the bundled reference pair: the canonical six as the seed's parity table, then a campaign.
# The campaign writes into a scratch copy of the corpus, so the checkout stays as it is.
demo: build
	$(BIN)/parity-fuzz replay --reference corpus/canonical || true
	rm -rf .parity/demo-corpus && mkdir -p .parity && cp -r corpus .parity/demo-corpus
	$(BIN)/parity-fuzz fuzz --reference -n 2000 --seed 7 --corpus .parity/demo-corpus \
		--report-md .parity/demo-report.md --report-json .parity/demo-report.json \
		--report-html .parity/demo-report.html || test $$? -eq 1
	rm -rf .parity/demo-openapi-corpus
	$(BIN)/parity-fuzz fuzz --reference --openapi targets/openapi.yaml -n 1000 --seed 7 \
		--corpus .parity/demo-openapi-corpus --report-md .parity/demo-openapi-report.md || test $$? -eq 1
	@echo "reports: .parity/demo-report.md .parity/demo-report.json .parity/demo-report.html .parity/demo-openapi-report.md"
	@echo "reproducers: .parity/demo-corpus/found/ .parity/demo-openapi-corpus/found/"

test: build lint test-rust test-go test-python replay

# What CI does for users: replay the committed corpus on the bundled runtimes (KNOWN passes, CHANGED fails).
replay: build
	$(BIN)/parity-fuzz replay --reference corpus --junit .parity/replay-junit.xml --report-md .parity/replay.md

test-python: venv
	@$(BIN)/python -c "import hypothesis; print('pytest on hypothesis', hypothesis.__version__)"
	$(BIN)/pytest -q

# The Python tests again on the oldest supported Hypothesis (`make test` runs on the newest, in a fresh clone).
$(OLDEST)/.installed: pyproject.toml
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/pip install --quiet --upgrade pip
	$(OLDEST)/bin/pip install --quiet -e ".[dev]" "hypothesis==$(HYPOTHESIS_OLDEST)"
	touch $@

test-hypothesis-oldest: build $(OLDEST)/.installed
	@$(OLDEST)/bin/python -c "import hypothesis; print('pytest on hypothesis', hypothesis.__version__)"
	$(OLDEST)/bin/pytest -q

test-rust:
	cd $(RUST) && $(CARGO) test --quiet
	cd $(RUST) && $(CARGO) fmt --check
	cd $(RUST) && $(CARGO) clippy --quiet --all-targets -- -D warnings

test-go:
	cd $(GOSRC) && test -z "$$(gofmt -l .)" || (gofmt -l . && false)
	cd $(GOSRC) && $(GO) vet ./...
	cd $(GOSRC) && $(GO) test ./...

lint: venv
	$(BIN)/ruff check fuzzer strategies tests bench
	$(BIN)/ruff format --check fuzzer strategies tests bench

bench: build
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/coverage.py
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/openapi_load.py
	$(BIN)/python bench/property.py

clean:
	rm -rf $(VENV) $(OLDEST) .parity $(RUST)/target $(GOSRC)/bin
