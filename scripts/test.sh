#!/bin/sh
# Install reviewbot with its test tools into .venv, then run every check CI runs:
# lint, format, types and the test suite. Extra arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
echo "== ruff check" && .venv/bin/ruff check .
echo "== ruff format --check" && .venv/bin/ruff format --check .
echo "== mypy" && .venv/bin/mypy
echo "== pytest" && .venv/bin/python -m pytest "$@"
