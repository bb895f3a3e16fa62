# emda: one command to set up and run the demo, one to set up and test.
#   make demo   -> venv + install + synthetic data + IPL-CFCL on the synthetic
#                  pair, scored before / after adaptation (tools/demo.py)
#   make test   -> venv + install + the whole test suite
#   make lint   -> yapf check of the project's code (CI runs it first)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
WHEELS ?= ../shared/wheels
STAMP := $(VENV)/.emda-installed

.PHONY: install demo test data lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.py requirements/runtime.txt requirements/tests.txt
	$(PIP) install -q --upgrade "pip<25" "setuptools<70" wheel
	# CPU build of torch: a bare `torch` would pull a multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	bash tools/install_mmcv.sh $(PY) $(WHEELS)
	$(PIP) install -q -e ".[tests]"
	$(PY) -c "import emda, mmseg.models; print('emda', emda.__version__, 'ready')"
	touch $(STAMP)

install: $(STAMP)

data: install
	$(PY) tools/make_synthetic.py --out data/synthetic

demo: data
	$(PY) tools/demo.py

test: install
	$(PY) -m pytest tests -q

lint: install
	$(PY) -m yapf -r -d emda tools tests configs

clean:
	rm -rf $(VENV) work_dirs
