# cogrant's everyday commands. Everything installs into .venv with the versions in constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-test system-libs up demo test lint benchmark clean

# WeasyPrint (award letters, celebration reports) renders PDFs with Debian's Pango and needs a font.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The portal's styles: GOV.UK Frontend recompiled with a system font, from the versions in package-lock.json.
web/static/portal.css: package.json package-lock.json web/assets/portal.scss
	npm ci --no-audit --no-fund --ignore-scripts
	npm run --silent build:css

system-libs:
	dpkg -s $(PDF_LIBS) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS))

install: $(BIN)/python system-libs web/static/portal.css
	$(BIN)/pip install --quiet -c constraints.txt -e .

install-test: $(BIN)/python system-libs web/static/portal.css
	@# Page tests drive Debian's Chromium through Playwright (a downloaded browser does not work here).
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'

up: install
	$(BIN)/cogrant up

demo: install
	$(BIN)/cogrant demo

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .

benchmark: install
	$(BIN)/python benchmarks/lifecycle.py --applications 1000

clean:
	rm -rf $(VENV) .cogrant .pytest_cache .ruff_cache node_modules web/static/portal.css
