"""The suite's Hypothesis settings: unattended runs draw the same examples every time."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings, strategies as st

# tests/conftest.py, loaded by path (several conftest.py files exist; "import conftest" would be ambiguous)
_spec = importlib.util.spec_from_file_location("suite_conftest", Path(__file__).resolve().parents[1] / "conftest.py")
suite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(suite)


def test_profile_choice_follows_the_environment():
    assert suite.hypothesis_profile({"CI": "true"}) == "ci"
    assert suite.hypothesis_profile({"CI": "1"}) == "ci"
    assert suite.hypothesis_profile({}) == "dev"
    assert suite.hypothesis_profile({"CI": "false"}) == "dev"
    assert suite.hypothesis_profile({"CI": "true", "HYPOTHESIS_PROFILE": "explore"}) == "explore"


def test_ci_profile_is_deterministic_and_bounded():
    ci = settings.get_profile("ci")
    assert ci.derandomize is True and ci.database is None
    assert ci.max_examples == suite.CI_EXAMPLES
    assert ci.deadline is not None and ci.deadline.total_seconds() >= 1


def test_the_suite_loads_the_ci_profile_under_ci():
    """Checked in a fresh pytest process (loading conftest.py here would itself load a profile): its report
    header states the settings in force."""
    env = {**os.environ, "CI": "true"}
    env.pop("HYPOTHESIS_PROFILE", None)
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider", __file__],
                         capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert f"hypothesis profile: ci (derandomize=True, max_examples={suite.CI_EXAMPLES}," in out.stdout, out.stdout


def _draws() -> list[int]:
    seen: list[int] = []

    @settings(settings.get_profile("ci"), max_examples=25)
    @given(st.integers(0, 10**9))
    def record(x):
        seen.append(x)

    record()
    return seen


def test_ci_profile_draws_the_same_examples_twice():
    assert _draws() == _draws()
