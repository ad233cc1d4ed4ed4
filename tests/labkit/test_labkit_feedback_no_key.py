"""Check messages never let a student rebuild the expected value (issue 9).

For every question of every bank and a few students: answer 3× (and ⅓×) the key, then try to
recover the key from the message — any number in the message, a percentage, a ratio — and check
that none of them, combined with the answer, gives the expected value within tolerance.
"""

import re

import pytest

from mlsys_labs.catalog import LABS, lab_ids
from mlsys_labs.variants import make_variant

NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
STUDENTS = ("ada@uni.edu", "bob", "chen.wei")


def _candidates(answer: float, message: str):
    """Every value a student could derive from the message and their own answer."""
    for m in NUM.finditer(message):
        x = float(m.group())
        yield x
        if x:
            yield answer / x
            yield answer * x
        for pct in (x / 100,):
            yield answer / (1 + pct)
            yield answer / (1 - pct) if pct != 1 else 0.0


@pytest.mark.parametrize("lab_id", lab_ids())
@pytest.mark.parametrize("factor", [3.0, 1 / 3])
def test_no_check_message_reveals_the_key(lab_id, factor):
    lab = LABS[lab_id]
    for student in STUDENTS:
        v = make_variant(lab, student)
        for q in lab.questions:
            if q.kind != "quantity":
                continue
            exp = q.expected_value(v) / q._unit.value_si
            if exp == 0:
                continue
            wrong = f"{exp * factor!r} {q.unit}".strip()
            fb = q.check(v, wrong)
            assert not fb.correct, (lab_id, q.id, wrong)
            assert fb.code == "off", (lab_id, q.id, fb)
            assert fb.message in ("not yet: too high", "not yet: too low") or fb.message.startswith(
                ("not yet: too high (no unit given", "not yet: too low (no unit given")), fb.message
            assert "%" not in fb.message and fb.expected_text not in fb.message
            for cand in _candidates(exp * factor, fb.message.split("(no unit given")[0]):
                assert not q.check(v, f"{cand!r} {q.unit}".strip()).correct, (lab_id, q.id, fb.message, cand)
