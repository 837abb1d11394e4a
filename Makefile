# Vigie — every target bootstraps what it needs on a machine with only Python 3.11, make and git.
SHELL := /bin/bash
PYTHON ?= python3.11
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := .venv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Trust the machine's certificate store (corporate proxies re-sign TLS): uv's bundled roots would not.
export UV_SYSTEM_CERTS := 1
ifneq ($(wildcard /etc/ssl/certs/ca-certificates.crt),)
export SSL_CERT_FILE ?= /etc/ssl/certs/ca-certificates.crt
endif

.PHONY: install install-tools install-promtool install-browser lint typecheck test demo bench broker clean schemas

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml uv.lock schemas/pyproject.toml runtime/pyproject.toml text/pyproject.toml digest/pyproject.toml \
		services/collector/pyproject.toml services/classifier/pyproject.toml services/notifier/pyproject.toml demo/pyproject.toml \
		| $(if $(filter $(TOOLS)/bin/uv,$(UV)),$(TOOLS)/bin/uv)
	$(UV) sync --locked --all-packages
	touch $@

install: $(VENV)/.installed ## uv (if missing) and every workspace package into .venv

# promtool for tests/deploy (alert rules): the static binary from Debian's prometheus package, extracted into
# .tools/bin (no daemon installed or started). Skipped when promtool is already on PATH. `apt-get update`
# (root, as in CI) runs only when the package lists do not know the package yet.
$(TOOLS)/bin/promtool:
	mkdir -p $(TOOLS)/bin $(TOOLS)/deb
	cd $(TOOLS)/deb && { apt-get download prometheus 2>/dev/null || { apt-get update -qq && apt-get download prometheus; }; }
	dpkg-deb --fsys-tarfile $(TOOLS)/deb/prometheus_*.deb | tar -xO ./usr/bin/promtool > $@.part
	chmod +x $@.part && mv $@.part $@
	rm -rf $(TOOLS)/deb
	$@ --version | head -1

# Where promtool cannot be had (no apt-get: not Debian/Ubuntu; or the download fails), outside CI the promtool
# tests are skipped with a message saying so; in CI (CI set) a missing promtool fails the run instead.
PROMTOOL_MISSING := promtool not found (PATH, PROMTOOL, $(TOOLS)/bin) and not fetched from Debian's prometheus package
install-tools: install-promtool install-browser ## tools the test suite needs besides Python packages

install-promtool: ## promtool, for the tests of the alert rules and metric names
	@if [ -n "$$PROMTOOL" ] || command -v promtool >/dev/null 2>&1 || [ -x $(TOOLS)/bin/promtool ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && $(MAKE) --no-print-directory $(TOOLS)/bin/promtool; then :; \
	elif [ -n "$$CI" ]; then echo "$(PROMTOOL_MISSING): CI must run the promtool tests" >&2; exit 1; \
	else echo "warning: $(PROMTOOL_MISSING) (needs apt-get): the promtool tests will be SKIPPED;" \
		"install promtool or set PROMTOOL=/path/to/promtool to run them" >&2; fi
# The incident page's browser test: Debian's chromium and its driver (root, as in CI); skipped with a message
# where they cannot be installed.
install-browser: ## chromium and chromedriver, for the incident page's browser test
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || \
		{ command -v apt-get >/dev/null 2>&1 && \
		  { apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
		    { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }; }; } || \
		echo "warning: chromium and chromedriver could not be installed: the incident page's browser test will be SKIPPED" >&2

lint: install ## ruff and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy schemas/src runtime/src text/src digest/src services/collector/src services/classifier/src services/notifier/src demo/src $(wildcard benchmarks/*.py)

test: lint install-tools ## lint, then the whole pytest suite on every core (integration tests start their own broker)
	$(VENV)/bin/pytest -n auto --dist loadscope

schemas: install ## regenerate the committed JSON Schemas and AsyncAPI document from the models
	$(VENV)/bin/python -m vigie.schemas.generate

demo: install ## the whole pipeline on the embedded broker with the bundled scenario
	$(VENV)/bin/vigie demo

bench: install ## every benchmark, figures printed (record them in benchmarks/RESULTS.md)
	@for b in benchmarks/*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

broker: install ## an embedded Tansu broker with every topic, until Ctrl-C
	$(VENV)/bin/vigie broker

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache demo-output
