# Two commands on a fresh machine with Python 3.11+ and pip: `make up`, `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# cpu (onnxruntime) or gpu (onnxruntime-gpu with the CUDA provider)
EXTRA ?= cpu
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
RUN := $(UV) run --frozen --extra $(EXTRA)

.PHONY: install install-dev system-deps up test lint typecheck unit integration reliability bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)  ## everything `make up` needs (the package, models, a Redis-compatible server)
	$(UV) sync --frozen --no-dev --inexact --extra $(EXTRA)

install-dev: $(UV)
	$(UV) sync --frozen --extra $(EXTRA)

up: install  ## server (unless REDIS_URL is set), one worker and the API on :8000; Ctrl-C stops all
	$(UV) run --frozen --no-dev --extra $(EXTRA) ocr-inference up

lint: install-dev
	$(RUN) ruff check src tests bench dev
	$(RUN) ruff format --check src tests bench dev

typecheck: install-dev
	$(RUN) mypy

unit: install-dev
	$(RUN) pytest -m "not integration"

integration: install-dev
	$(RUN) pytest -m integration

system-deps:  ## poppler-utils (pdftotext) for the searchable-PDF tests, where apt and root allow
	@command -v pdftotext >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils \
		|| echo "pdftotext unavailable: its checks will be skipped"; }

test: lint typecheck system-deps  ## lint, types and every test not marked slow
	$(RUN) pytest -m "not slow"

reliability: install-dev  ## fault-injection tests (marked slow), a longer fuzz run, the scenarios and the long chaos run on Sentinel, into docs/reliability.md
	HYPOTHESIS_PROFILE=fuzz $(RUN) pytest -m "slow or fuzz"
	$(RUN) python -m bench.reliability --write-docs docs/reliability.md
	$(RUN) python -m bench.reliability --documents 1000 --kills 50 --failover --redis-restart --write-docs docs/reliability.md

bench: install-dev  ## engines per model, memory, accuracy and speed against Tesseract and RapidOCR, tables, split documents, load, the searchable PDF's reading order on ../shared/eval and the event stream, into docs/benchmarks.md
	$(RUN) python -m bench.engines --threads 2 --write-docs docs/benchmarks.md
	$(RUN) python -m bench.memory --write-docs docs/benchmarks.md
	$(RUN) python -m bench.compare --profile default --profile text-fast \
		--engine openvino --engine onnxruntime --precision f32 --precision bf16 \
		--with-rapidocr --json out/compare.json \
		--write-docs docs/benchmarks.md --chart docs/benchmark-speed-vs-cer.png
	$(RUN) python -m bench.tables --write-docs docs/benchmarks.md
	$(RUN) python -m bench.compare --profile text-accurate --profile text-mixed \
		--engine openvino --engine onnxruntime --with-rapidocr --reuse out/compare.json \
		--json out/compare-profiles.json --write-docs docs/benchmarks-profiles.md
	$(RUN) python -m bench.text_layer --ocr-limit 3 --write-docs docs/benchmarks.md
	$(RUN) python -m bench.split --pages 20 --write-docs docs/benchmarks.md
	$(RUN) python -m bench.load --pages 200 --clients 50 --write-docs docs/benchmarks.md
	$(RUN) python -m bench.searchable_pdf --limit 20 --write-docs docs/benchmarks.md
	$(RUN) python -m bench.events --pages 8 --write-docs docs/benchmarks.md

clean:
	rm -rf $(TOOLS) .venv .mypy_cache .ruff_cache .pytest_cache
