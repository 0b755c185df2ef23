# Two commands do everything on a fresh machine with python3: `make build`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test lab bench lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name renshe --display-name "Python (renshe)" >/dev/null
	touch $@

build: $(STAMP)
	$(BIN)/renshe build

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=.

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lock: $(STAMP)
	( echo "# Exact versions of every package in the project venv (pip freeze). Regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^renshe' ) > requirements.lock

clean:
	rm -rf data/clean site/_site site/pages site/downloads site/data-docs .renshe-cache test-artifacts
