# Two commands on a fresh clone:  make run  (dashboard with the sample data)  and  make test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_DB := sqlite:///data/bos.sqlite

.PHONY: run test sample clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## run: install, build the sample database on first use, start the dashboard
run: $(VENV)/.installed
	$(BIN)/python manage.py load-sample --if-missing --db $(SAMPLE_DB)
	BOS_DEMO=1 $(BIN)/python -m streamlit run dashboard.py

## test: install (with test tools), lint, and run the whole test suite
test: $(VENV)/.installed-dev
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest -n auto

## sample: rebuild the sample database from scratch
sample: $(VENV)/.installed
	rm -f data/bos.sqlite data/bos.sqlite-wal data/bos.sqlite-shm
	$(BIN)/python manage.py load-sample --db $(SAMPLE_DB)

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis
