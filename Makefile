# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= 1
# Every dependency, and theirs, pinned: what the tests ran with (see "Reproducible installs").
LOCK := requirements.lock

.PHONY: demo test bench bench-web install lock neo4j-start neo4j-stop clean vendor messages

$(BIN)/catalog: pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test]'
	@touch $@

install: $(BIN)/catalog

# Pins what pyproject.toml asks for, keeping the pins already in the lock; UPGRADE=1 takes the
# newest versions the ranges allow.
lock:
	@test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --quiet \
		$(if $(UPGRADE),--upgrade) -o $(LOCK)

demo: install
	$(BIN)/catalog neo4j start
	$(BIN)/catalog load-demo
	CATALOG_SOURCES_FILE=catalog/demo/sources.yaml $(BIN)/catalog serve --dev --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

# Benchmarks against a Neo4j of their own (port 7689); not part of `make test`.
bench: install
	$(BIN)/python -m bench.run --scale $(SCALE)

# The web pages' render times and a 1,000-node dependency picture in headless Chromium.
bench-web: install
	$(BIN)/python -m bench.web

neo4j-start: install
	$(BIN)/catalog neo4j start

neo4j-stop: install
	$(BIN)/catalog neo4j stop

clean:
	-$(BIN)/catalog neo4j stop
	rm -rf $(VENV) .data

# Re-fetch the web interface's vendored JavaScript from npm, at the pinned versions.
vendor:
	scripts/vendor-web.sh

# Collect the web interface's texts into the message catalogs (then translate the new ones).
messages: install
	$(BIN)/pybabel extract -F catalog/web/babel.cfg -k N_ -o catalog/web/translations/messages.pot catalog/web
	$(BIN)/pybabel update -i catalog/web/translations/messages.pot -d catalog/web/translations --no-fuzzy-matching
