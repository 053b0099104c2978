# Two commands for a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORPUS ?= corpus
INDEX ?= index
PORT ?= 8501
# Listen on this machine only. To serve others, set HOST=0.0.0.0 deliberately (and KB_ADMIN_PASSWORD, or 管理 stays off).
HOST ?= 127.0.0.1

.PHONY: run test install install-test index bench bench-scale lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned: on these machines 2.13.0 is a local CPU build, while an
# unpinned torch (pulled in by sentence-transformers) would download CUDA.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[st,app,ocr]"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[st,app,test,milvus,dask,ocr]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Builds when the index is missing or stale; an unchanged corpus does no work.
index: install
	$(BIN)/kb build $(CORPUS) --index $(INDEX)

# --browser.serverAddress: the URL printed is the one to open, and Streamlit does not ask the internet for this
# machine's external IP (a warning no user can act on); --logger.level warning drops its INFO start-up lines.
run: index
	$(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false --client.toolbarMode viewer --browser.serverAddress localhost \
		--logger.level warning --server.fileWatcherType none

test: install-test
	$(BIN)/python -m pytest

# Quality, build, latency at seed and 100,000-clause scale; then load and fuzz. Each writes its section of
# bench/RESULTS.md. About 15 minutes on 2 cores.
bench: install-test
	$(BIN)/python bench/run.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/fuzz.py --seconds 120

# The 1,000,000-clause build and query (about 20 minutes and 10 GB of memory).
bench-scale: install-test
	$(BIN)/python bench/run.py --synthetic 0 --scale 1000000

lint: install-test
	$(BIN)/ruff check kb tests app.py ui bench

clean:
	rm -rf $(VENV) $(INDEX)
