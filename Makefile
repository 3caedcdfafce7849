# Aura — one entry point for setting up, testing, benchmarking and running the main job.
# `make test` and `make demo` set everything up themselves on a fresh machine.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup test lint format demo bench extension clean test-lts

setup: $(STAMP) tools

# The Blender LTS releases jewelers stay on, besides bpy 5.0 in .venv: the add-on's geometry,
# extension-install and operator tests run on each, from a small venv of its own (bpy, numpy<2,
# the tests' readers; no torch). The server those tests start runs from .venv.
# 4.2 LTS is not supported: its glTF exporter crashes (segfault) on the showcase's GLB, and it
# has no MANIFOLD boolean (blender_manifest.toml says 4.5.0; README, Blender versions).
BPY_45 := 4.5.15
LTS := 45
LTS_TESTS := tests/test_geometry.py tests/test_extension.py tests/test_operators.py \
             tests/test_untrusted_server.py

.venv-bpy%/.installed: requirements-blender.txt
	@test -x .venv-bpy$*/bin/python || $(PYTHON) -m venv .venv-bpy$*
	.venv-bpy$*/bin/python -m pip install -q --disable-pip-version-check "pip==26.3"
	.venv-bpy$*/bin/python -m pip install -q --disable-pip-version-check "bpy==$(BPY_$*)" -r requirements-blender.txt
	@touch $@

# One resolver call for every pinned package (numpy<2 pinned alongside bpy and torch).
# The stamp makes a second `make setup` a no-op until requirements.txt changes.
$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "pip==26.3"
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# Debian packages the tests use: independent STL readers (admesh, prusa-slicer), a real
# browser for the spec sheet (chromium + chromedriver, driven by selenium) and ffmpeg
# (the turntable's MP4, read back by ffprobe), and redis-server for the fleet tests.
TOOLS := admesh prusa-slicer chromium chromium-driver ffmpeg redis-server
tools:
	@command -v admesh >/dev/null && command -v prusa-slicer >/dev/null && \
	  command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
	  command -v ffmpeg >/dev/null && command -v redis-server >/dev/null || \
	  { (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(TOOLS)) >/dev/null \
	    || { echo "make setup: could not install $(TOOLS) (run as root, or install them yourself)"; exit 1; }; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup lint $(LTS:%=.venv-bpy%/.installed)
	$(PY) -m pytest -q tests
	$(MAKE) --no-print-directory test-lts

test-lts: $(LTS:%=.venv-bpy%/.installed) $(STAMP)
	@for v in $(LTS); do \
	  echo "== Blender $$v: $(LTS_TESTS)"; \
	  AURA_SERVER_PYTHON=$(abspath $(PY)) .venv-bpy$$v/bin/python -m pytest -q $(LTS_TESTS) || exit 1; \
	done

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
