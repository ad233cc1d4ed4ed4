"""Shared fixtures for the lab tests: import paths, lab discovery, a fresh progress home."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABS_DIR = ROOT / "labs"
for p in (ROOT, ROOT / "labkit"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def lab_files() -> list[Path]:
    return sorted(p for p in LABS_DIR.glob("[0-9][0-9]_*.py"))


@pytest.fixture
def progress_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MLSYS_LABS_HOME", str(tmp_path))
    return tmp_path
