# Duiqi: `make run` serves the portal, `make test` runs every check. Both install what is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
HOST ?= 127.0.0.1
WEB_CONCURRENCY ?= 3
TRANSLATIONS := portal/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

# Where the engines can differ, the suite runs a second time on PostgreSQL and Redis (tests/engines.py):
# every area's models, services and views, search, the API (cursors, the rate limit's conditional
# UPDATE, decisions sent at once) and calendar feeds, the authorization matrix and route walk (every
# page as each role), the SQL twins of the rules against the rules, the reliability suite,
# migrations, the large demo, health and metrics. Not there: the demo's own seeding tests (the large
# demo covers seeding), hostile form input (parsed before any SQL) and the canary crawl (its
# fifteen thousand reads go through the same SQL twins, proven equal to the rules on both engines).
# Three processes run at once, so that both cores stay busy to the end: this one, the security suite
# on SQLite (a third of the SQLite run's CPU) and the rest on SQLite. (`db copy` and the nginx run with
# two app servers are in the SQLite run: they start a PostgreSQL cluster and Redis of their own.)
ENGINE_TESTS := tests/accounts tests/projects tests/tasks tests/requests tests/meetings tests/reports tests/scorecard \
	tests/notifications tests/api/test_api.py tests/api/test_tokens.py tests/api/test_rate_limit.py tests/feeds tests/finder tests/files \
	tests/search tests/security/test_authorization_matrix.py tests/security/test_route_walk.py tests/test_rule_twins.py \
	tests/reliability/test_concurrent_writers.py tests/reliability/test_mail_crash.py \
	tests/reliability/test_worker.py tests/reliability/test_periodic_jobs.py \
	tests/test_migrations.py tests/test_large_demo.py tests/test_mail.py tests/test_query_counts.py \
	tests/test_monitoring.py tests/test_pagecache.py \
	--ignore=tests/projects/test_project_hostile_input.py --ignore=tests/projects/test_demo.py \
	--ignore=tests/meetings/test_demo.py --ignore=tests/tasks/test_demo.py --ignore=tests/requests/test_demo.py

.PHONY: run test bench lint servers translations extract-messages clean static-compressed

run: $(VENV)/.runtime $(COMPILED) static-compressed
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Duiqi on http://$(HOST):$(PORT) (Ctrl-C stops web and worker)"
	@# Ctrl-C stops both by pid: a trap that killed the whole group (`kill 0`) signalled its own
	@# shell again and again, until the shell crashed.
	@# /metrics sums every gunicorn worker through files in a folder that is new at each start.
	@$(FLASK) jobs worker & worker=$$!; metrics=$$(mktemp -d); \
	PROMETHEUS_MULTIPROC_DIR=$$metrics $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WEB_CONCURRENCY) \
		--threads 2 --preload --access-logfile - wsgi:app & web=$$!; \
	trap 'kill $$worker $$web 2>/dev/null; wait; rm -rf $$metrics; exit 0' INT TERM; \
	wait

test: $(VENV)/.dev /usr/bin/chromium /usr/bin/wrk servers $(COMPILED) static-compressed
	$(BIN)/ruff check portal demo tests migrations bench wsgi.py
	$(BIN)/bandit -q -r portal -ll
	@attacks=$$(mktemp); engines=$$(mktemp); \
	$(BIN)/pytest -c tests/pytest.ini --engine=postgresql $(ENGINE_TESTS) >$$engines 2>&1 & on_postgresql=$$!; \
	$(BIN)/pytest -c tests/pytest.ini tests/security >$$attacks 2>&1 & on_security=$$!; \
	$(BIN)/pytest -c tests/pytest.ini tests --ignore=tests/security; sqlite=$$?; \
	wait $$on_security; security=$$?; wait $$on_postgresql; postgresql=$$?; \
	echo; echo "==== the security suite, on SQLite ===="; cat $$attacks; \
	echo; echo "==== again where the engines can differ, on PostgreSQL and Redis ===="; cat $$engines; \
	rm -f $$attacks $$engines; \
	test $$sqlite -eq 0 -a $$security -eq 0 -a $$postgresql -eq 0

# Not part of `make test`: a few minutes of real load on the small and the large company.
bench: $(VENV)/.runtime $(COMPILED) /usr/bin/wrk
	$(BIN)/python -m bench.run $(if $(BENCH_SECONDS),--seconds $(BENCH_SECONDS)) \
		$(if $(BENCH_PAGES),--pages "$(BENCH_PAGES)") $(if $(BENCH_ENGINES),--engines $(BENCH_ENGINES))

/usr/bin/wrk:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The servers the tests start for themselves. Debian keeps PostgreSQL's programs out of PATH, in a
# folder per major version.
servers:
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && test -x /usr/bin/redis-server -a -x /usr/sbin/nginx \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nginx)

%.mo: %.po $(VENV)/.runtime
	$(BIN)/pybabel compile -i $< -o $@

translations: $(COMPILED)

# A gzip copy beside each static file, which WhiteNoise serves to browsers that take it: a phone's
# first visit over slow 4G moves 63 kB instead of 135 kB. `make test` makes them afresh too: copies
# left by an earlier `make run` would serve the browser tests yesterday's scripts.
static-compressed: $(VENV)/.runtime
	$(BIN)/python -m whitenoise.compress -q static

# After adding or changing user-facing strings: refresh the catalogues, then translate.
extract-messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k _l -k pgettext:1c,2 -k lazy_pgettext:1c,2 -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --ignore-obsolete --no-fuzzy-matching

clean:
	rm -rf $(VENV) $(COMPILED)
	find static -name '*.gz' -delete -o -name '*.br' -delete
