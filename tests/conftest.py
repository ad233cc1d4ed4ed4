"""Suite-wide test settings: the Hypothesis profiles, in one place.

Profiles (``HYPOTHESIS_PROFILE`` picks one; otherwise ``ci`` when ``CI`` is true, else ``dev``):

- ``ci``: unattended runs must not depend on luck. ``derandomize=True`` draws the same examples on
  every machine and every run (a seed derived from each test's source), the example database is off
  (nothing a previous run found leaks in), and deadlines are generous enough for a loaded 2-core machine.
  Tests that state their own ``max_examples`` keep it (it is fixed in their source); the others run
  ``CI_EXAMPLES``.
- ``dev`` (default on a developer's machine): random exploration with the local example database, so a
  failure found once is replayed until fixed. When exploration finds a falsifying example, add it to the
  test with ``@example(...)`` so the ``ci`` profile covers it from then on.
- ``explore``: like ``dev`` with ``EXPLORE_EXAMPLES`` for tests that do not state their own count.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings

CI_EXAMPLES = 100
EXPLORE_EXAMPLES = 2000
# a property test doing a few resolver solves per example takes ~1-20 ms; 5 s is 250x that on a busy machine
CI_DEADLINE = timedelta(seconds=5)

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=CI_EXAMPLES,
    deadline=CI_DEADLINE,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=timedelta(seconds=1), print_blob=True)
settings.register_profile("explore", max_examples=EXPLORE_EXAMPLES, deadline=None, print_blob=True)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def hypothesis_profile(environ=os.environ) -> str:
    """The profile this run uses: ``HYPOTHESIS_PROFILE`` if set, else ``ci`` under ``CI=true``, else ``dev``."""
    chosen = environ.get("HYPOTHESIS_PROFILE", "").strip()
    if chosen:
        return chosen
    return "ci" if _truthy(environ.get("CI")) else "dev"


settings.load_profile(hypothesis_profile())


def pytest_report_header(config):
    current = settings()
    return (f"hypothesis profile: {hypothesis_profile()} (derandomize={current.derandomize}, "
            f"max_examples={current.max_examples}, deadline={current.deadline})")


# pytest-xdist runs with ``--dist loadgroup`` (Makefile): every test file is one group, so a file's module and
# session fixtures are set up on one worker (as with ``--dist loadfile``), except in the files that set
# ``XDIST_EACH_TEST = True`` — there each test (e.g. one lab's whole browser session) goes to whichever worker
# is free, so one long parametrized file does not serialise on a single worker.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("xdist_group") or getattr(item.module, "XDIST_EACH_TEST", False):
            continue
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))

