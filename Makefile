# Everything sets itself up: `make test` and `make demo` create the virtual
# environment and install smile_mm into it on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.smile_mm-installed
PYTEST_ARGS ?=

.PHONY: install test demo bench prepare-clips clean-venv
DEMO_CONFIG := configs/smile/pretrain/smile_vit-s_demo_cpu.py

$(STAMP): setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip "setuptools<81" wheel
	$(PY) -m pip install -e ".[test]" "mmcv-lite==2.1.0" "mmaction2==1.2.0"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest tests $(PYTEST_ARGS)

demo: $(STAMP)
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir work_dirs/smile_demo

# the real clips beside the checkout, prepared for random access
prepare-clips: $(STAMP)
	$(PY) tools/prepare_videos.py ../shared/data/real_clips work_dirs/real_clips_320

bench: $(STAMP)
	$(PY) benchmarks/overlay_mask_speed.py
	$(PY) benchmarks/decode_pipeline_speed.py
	$(PY) benchmarks/train_step_speed.py
	$(PY) benchmarks/teacher_precision.py
	$(PY) benchmarks/data_throughput.py
	$(PY) benchmarks/train_throughput.py --archs small base --batch 2 --steps 2 --warmup 1

clean-venv:
	rm -rf $(VENV)
