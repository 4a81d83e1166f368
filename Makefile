# Everything sets itself up: `make test` and `make demo` create the virtual
# environment and install smile_mm into it on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.smile_mm-installed
PYTEST_ARGS ?=

.PHONY: install test demo bench clean-venv

$(STAMP): setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip "setuptools<81" wheel
	$(PY) -m pip install -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest tests $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/overlay_mask_speed.py
	$(PY) benchmarks/decode_pipeline_speed.py

clean-venv:
	rm -rf $(VENV)
