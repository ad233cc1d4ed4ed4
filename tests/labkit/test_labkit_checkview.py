"""The graded part's layout: feedback directly under each Check, the report, reset that asks first."""

from __future__ import annotations

import asyncio
import html
import re

from mlsys_labs import checkview, ui
from mlsys_labs.catalog import get_lab


class _Fake:
    def __init__(self, value):
        self.value = value


class _Progress:
    def __init__(self, state):
        self.state, self.resets, self.saved = state, [], []

    def lab_state(self, lab_id, sid):
        return self.state

    async def save_state(self, lab_id, sid, **parts):
        self.saved.append(parts)

    async def reset(self, lab_id, sid):
        self.resets.append((lab_id, sid))


def _graded(lab, variant, answers):
    from mlsys_labs.grading import score_answers

    fb, score, total = score_answers(lab, variant, answers)
    return type("G", (), {"answers": answers, "feedback": fb, "score": score, "total": total,
                          "view": ui.step("check")})()


def test_each_questions_feedback_follows_its_own_check_button():
    lab = get_lab("00_hello_roofline")
    v = lab.variant("ada")
    q1, q2 = lab.questions[0], lab.questions[1]
    answers = {q1.id: q1.expected_text(v), q2.id: "1 kg"}
    forms = ui.answer_inputs(lab, v, None)
    text = html.unescape(checkview.graded_questions(lab, v, forms, _graded(lab, v, answers)).text)
    # order: Q1 prompt, Q1 form, Q1 feedback (right), Q2 prompt, Q2 form, Q2 feedback (not yet)
    i1, f1 = text.index("**Q1.**" if "**Q1.**" in text else "Q1."), text.index('data-question="1"')
    i2, f2 = text.index("Q2."), text.index('data-question="2"')
    assert i1 < f1 < i2 < f2
    assert "Q1 ✅ right" in text and "Q2 ❌ not yet" in text
    assert text.count('aria-live="polite"') >= len(lab.questions)
    assert q1.expected_text(v) not in text.split('data-question="2"')[1]  # the key is never shown for Q2


def test_report_is_self_contained_and_has_the_students_work():
    lab = get_lab("00_hello_roofline")
    v = lab.variant("ada")
    q1 = lab.questions[0]
    g = _graded(lab, v, {q1.id: q1.expected_text(v)})
    from mlsys_labs import charts

    chart = charts.sweep([{"b": 1, "t": 2.0}, {"b": 2, "t": 3.5}], "b", "t", title="throughput")
    doc = checkview.report_html(lab, v, g, {"prediction": {"choice": "Memory (wall 2)"},
                                           "controls": {"batch": 64}, "reflections": {"reflect": "weights <b>"}},
                                charts={"throughput": chart}, created="2026-01-01T00:00:00Z")
    assert "<script" not in doc and not re.search(r"(src|href)=", doc)
    assert "Memory (wall 2)" in doc and "weights &lt;b&gt;" in doc and ">64<" in doc
    assert "Q1" in doc and ">right<" in doc and "throughput" in doc and ">3.5<" in doc
    assert "@media print" in doc
    assert doc.count(checkview.CHART_SLOT) == 1


def test_the_lab_page_script_finds_the_reports_chart_slot():
    """site/lab-report.js replaces the slot by the page's chart images: its pattern must match the slot."""
    from pathlib import Path

    js = (Path(__file__).resolve().parents[2] / "site" / "lab-report.js").read_text()
    pattern = re.search(r"const SLOT = /(.+)/;", js).group(1)
    assert re.fullmatch(pattern, checkview.CHART_SLOT)


def test_reset_asks_first_and_then_clears_without_saving_again():
    lab = get_lab("00_hello_roofline")
    v = lab.variant("ada")
    p = _Progress({"answers": {}, "attempts": [], "prediction": None, "controls": {"batch": 4}, "reflections": {}})
    g = _graded(lab, v, {})
    out = asyncio.run(checkview.finish(lab, v, p, g, _Fake(False), batch=_Fake(8)))
    assert p.resets == [] and "tick the box" in html.unescape(out.text)
    assert p.saved == [{"controls": {"batch": 8}}]
    out = asyncio.run(checkview.finish(lab, v, p, g, _Fake(True), batch=_Fake(16)))
    assert p.resets == [(lab.id, "ada")] and "Cleared" in html.unescape(out.text)
    assert len(p.saved) == 1  # nothing re-saved right after the reset
    assert "Download report" in html.unescape(out.text)
