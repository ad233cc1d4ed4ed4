#!/usr/bin/env bash
# Gradescope setup: a venv with the two wheels shipped in wheels/ (mlsysim_core, mlsys_labkit);
# pip fetches their only dependencies (pint, pydantic) from PyPI. Needs Python >= 3.11:
# pick the "Ubuntu 24.04" base image (Python 3.12); on 22.04 python3.11 is installed from apt.
set -euo pipefail
cd "$(dirname "$0")"
PY=python3
if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  apt-get update -y
  apt-get install -y python3.11 python3.11-venv
  PY=python3.11
fi
if ! "$PY" -m venv /autograder/venv; then
  apt-get update -y && apt-get install -y python3-venv
  "$PY" -m venv /autograder/venv
fi
/autograder/venv/bin/pip install --no-cache-dir --upgrade pip
/autograder/venv/bin/pip install --no-cache-dir wheels/*.whl
/autograder/venv/bin/python -m autograder labs
