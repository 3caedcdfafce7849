# Aura — one entry point for setting up, testing, benchmarking and running the main job.
# `make test` and `make demo` set everything up themselves on a fresh machine.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup test lint format demo bench extension clean

setup: $(STAMP) tools

# One resolver call for every pinned package (numpy<2 pinned alongside bpy and torch).
# The stamp makes a second `make setup` a no-op until requirements.txt changes.
$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "pip==26.3"
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# Debian packages the tests use: independent STL readers (admesh, prusa-slicer), a real
# browser for the spec sheet (chromium + chromedriver, driven by selenium) and ffmpeg
# (the turntable's MP4, read back by ffprobe).
TOOLS := admesh prusa-slicer chromium chromium-driver ffmpeg
tools:
	@command -v admesh >/dev/null && command -v prusa-slicer >/dev/null && \
	  command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
	  command -v ffmpeg >/dev/null || \
	  { (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(TOOLS)) >/dev/null \
	    || { echo "make setup: could not install $(TOOLS) (run as root, or install them yourself)"; exit 1; }; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup lint
	$(PY) -m pytest -q tests

demo: setup
	$(PY) scripts/aura_batch.py --prompt "1 ct round diamond solitaire, four prongs, 18k yellow gold, US 7, comfort fit" --out out/demo_ring.stl --report out/demo_ring.json --stones-out out/demo_stones.stl --force

bench: setup
	$(PY) scripts/bench_geometry.py
	$(PY) scripts/bench_server.py
	$(PY) scripts/bench_batch.py
	$(PY) scripts/bench_showcase.py

extension: setup
	$(PY) scripts/build_extension.py

clean:
	rm -rf out build dist .pytest_cache .ruff_cache
