# EvidenceKit — everything a fresh Debian machine needs is set up by these targets.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTHON  ?= python3

.PHONY: run test lint bench dist system-deps clean

$(STAMP): pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

run: $(STAMP)
	$(VENV)/bin/evidencekit

lint: $(STAMP)
	$(VENV)/bin/ruff check evidencekit tests bench
	$(VENV)/bin/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(PY) -m bench

dist: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build build_spec/evidencekit.spec

clean:
	rm -rf build dist test-artifacts bench-out
