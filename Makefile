# 创城督办 — the two commands: `make run` (embedded demo) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: run test install install-dev lint format messages check-deploy bench clean

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("需要 Python 3.11 或更高版本 (Python 3.11+ required)" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## run: the product on its embedded default (SQLite, filesystem broker) with demo data,
## web + Celery worker + beat on 127.0.0.1:$(PORT).
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 PORT=$(PORT) PY=$(PY) bash scripts/run_embedded.sh

## test: the suite; on PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, else SQLite.
test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## messages: refresh and compile the English catalogue (needs gettext's msgfmt).
messages: install-dev
	DEBUG=1 $(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=static/vendor --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages -l en --ignore=.venv

## bench: seed a PostgreSQL database at SCALE issues and TASKS tasks (once), then time the
## scenarios and the concurrent load, and write the table into docs/performance.md.
SCALE      ?= 10000
TASKS      ?= 20000
BENCH_DB   ?= postgres://postgres@127.0.0.1:5432/cc_bench_$(SCALE)
BENCH_ARGS ?=
BENCH_ENV  := DATABASE_URL=$(BENCH_DB) DEBUG=0 SECRET_KEY=bench-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
	ALLOWED_HOSTS=testserver,127.0.0.1 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 \
	SECURE_HSTS_SECONDS=0 VAR_DIR=var/bench LOG_LEVEL=WARNING
bench: install-dev
	$(PY) -m chuangcheng.bench.createdb $(BENCH_DB)
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(PY) manage.py seed_scale --issues $(SCALE) --tasks $(TASKS)
	$(BENCH_ENV) $(PY) -m chuangcheng.bench --label $(SCALE) --write docs/performance.md --load \
		--command "make bench SCALE=$(SCALE) TASKS=$(TASKS)" $(BENCH_ARGS)

clean:
	rm -rf var/
