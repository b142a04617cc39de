# EvidenceKit — everything a fresh Debian machine needs is set up by these targets.
# Run make as yourself (never `sudo make`): scripts/install-system-deps.sh asks sudo for the
# system packages, and .venv stays yours. Python packages come from requirements.lock
# (exact versions of a passing run); `make lock` refreshes it on purpose.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTHON  ?= python3
LOCK    := requirements.lock
TESTTMP := .pytest-tmp

.PHONY: run test lint bench dist lock system-deps clean

# `sudo make run` would leave a root-owned .venv and start the GUI as root.
ifneq ($(SUDO_USER),)
ifeq ($(shell id -u),0)
$(error Please run make as yourself, not with sudo: scripts/install-system-deps.sh asks for sudo itself)
endif
endif

$(STAMP): pyproject.toml $(LOCK) scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

run: $(STAMP)
	$(VENV)/bin/evidencekit

lint: $(STAMP)
	$(VENV)/bin/ruff check evidencekit tests bench
	$(VENV)/bin/mypy

# Every test's HOME, XDG folders and temp folder point into its own tmp_path (see
# tests/conftest.py); the base temp folder lives in the checkout and goes after a passing run.
# The WACZ replay test needs ReplayWeb.page: fetched once (pinned, integrity-checked).
test: lint
	bash scripts/fetch-replaywebpage.sh
	rm -rf $(TESTTMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider --basetemp=$(TESTTMP)
	rm -rf $(TESTTMP)

bench: $(STAMP)
	$(PY) -m bench

dist: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build build_spec/evidencekit.spec
	bash scripts/pack-dist.sh dist

# A fresh venv from the ranges in pyproject.toml, frozen. Run `make test` after it: a lock
# is committed only from a passing run.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q --upgrade pip
	.venv-lock/bin/python -m pip install -q -e '.[dev]'
	.venv-lock/bin/python -m pip freeze --exclude-editable --exclude evidencekit \
		| grep -v '^-e ' > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .venv-lock
	rm -f $(STAMP)
	@echo "$(LOCK) refreshed; now run: make test"

clean:
	rm -rf build dist test-artifacts $(TESTTMP) .venv-lock .mypy_cache .ruff_cache \
		evidencekit.egg-info
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
