"""The landing page: axe-core WCAG 2.2 A/AA with no critical or serious violation (Chromium, network cut to the
local origin). Every lab gets the same audit once interactive — plus the layout at 683/390/360 px, slider
value text and chart text alternatives — in test_lab_session.py (phases.accessible_on_every_screen)."""

from __future__ import annotations

import a11y


def test_landing_page_has_no_serious_axe_violation(guarded, server):
    g = guarded(server.url)
    page = g.new_page()
    page.goto(server.url)
    page.wait_for_selector("ul.labs li.lab")
    bad = a11y.blocking(a11y.run_axe(page))
    assert not bad, "landing page:\n" + a11y.describe(bad)
    assert g.outside == []
