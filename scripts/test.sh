#!/usr/bin/env bash
# Install the test tools into .venv and run the suite (SQLite by default; set
# DATABASE_URL to run it on PostgreSQL). Extra arguments go to pytest; without a
# -m of their own the slow tests are left out (`bash scripts/test.sh -m ""` runs all).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lianjian makemigrations --check --dry-run >/dev/null
.venv/bin/mypy lianjian
.venv/bin/lint-imports --no-cache --no-logo >/dev/null || .venv/bin/lint-imports --no-cache --no-logo
# Tests marked `slow` (pyproject markers) are left out unless the arguments choose
# markers themselves; CI runs them in its PostgreSQL stage (.ci/run).
case " $* " in
  *" -m "*|*" -m"*) ;;
  *) set -- -m "not slow" "$@" ;;
esac
exec .venv/bin/python -m pytest -q -p xdist -n 2 --dist loadgroup "$@"
