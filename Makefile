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

.PHONY: run test lint translations extract-messages clean

run: $(VENV)/.runtime $(COMPILED)
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Duiqi on http://$(HOST):$(PORT) (Ctrl-C stops web and worker)"
	@trap 'kill 0' INT TERM; \
	$(FLASK) jobs worker & \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WEB_CONCURRENCY) --threads 2 \
		--access-logfile - wsgi:app & \
	wait

test: $(VENV)/.dev /usr/bin/chromium $(COMPILED)
	$(BIN)/ruff check portal tests migrations bench wsgi.py
	$(BIN)/bandit -q -r portal -ll
	$(BIN)/pytest -c tests/pytest.ini tests

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

%.mo: %.po $(VENV)/.runtime
	$(BIN)/pybabel compile -i $< -o $@

translations: $(COMPILED)

# After adding or changing user-facing strings: refresh the catalogues, then translate.
extract-messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete --no-wrap

clean:
	rm -rf $(VENV) $(COMPILED)
