"""Question banks of labs 08–14: expected values are finite, dimensioned as declared, vary per student,
and the grader accepts the key and rejects a perturbed answer."""

from __future__ import annotations

import itertools
import math

import pytest

import conftest  # noqa: F401  (puts the repo root and labkit/ on sys.path)

BANKS = [
    "08_tco_placement",
    "09_sensitivity_synthesis",
    "10_wafer_scale",
    "11_reliability_checkpoints",
    "12_scaling_reasoning_compression",
    "13_efficiency_tenancy_privacy",
    "14_capstone_audit",
]
STUDENTS = ["ada", "grace.hopper", "s123456", "Alan Turing", "bob", "carol-7", "dave", "erin@uni.edu",
            "frank", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil",
            "trent", "victor", "walter", "x1", "x2", "x3"]
#: questions whose expected value legitimately takes the same value for every variant (none today)
INVARIANT: set[tuple[str, str]] = set()
#: variant parameters a question reads beyond those named in its prompt (earlier steps of the same chain)
DEPENDS: dict[tuple[str, str], set[str]] = {
    ("08_tco_placement", "q_query"): {"hardware", "steps"},
    ("08_tco_placement", "q_gpus"): {"hardware", "steps", "qps"},
    ("08_tco_placement", "q_tco"): {"hardware", "steps", "qps", "region"},
    ("08_tco_placement", "q_energy_share"): {"hardware", "steps", "qps", "region"},
    ("08_tco_placement", "q_place"): {"hardware", "steps", "qps", "sites", "tax"},
    ("09_sensitivity_synthesis", "q_binding"): {"model", "hardware", "batch"},
    ("09_sensitivity_synthesis", "q_elasticity"): {"model", "hardware", "batch"},
    ("09_sensitivity_synthesis", "q_req_flops"): {"synth_model", "target_ms", "synth_batch"},
    ("10_wafer_scale", "q_bstar"): {"model", "inject_gbs"},
    ("10_wafer_scale", "q_tps"): {"model", "inject_gbs"},
    ("11_reliability_checkpoints", "q_failures"): {"nodes"},
    ("11_reliability_checkpoints", "q_tau"): {"nodes", "days"},
    ("11_reliability_checkpoints", "q_goodput"): {"nodes", "days", "delta_s"},
    ("13_efficiency_tenancy_privacy", "q_flash_gain"): {"hardware"},
    ("12_scaling_reasoning_compression", "q_speedup"): {"comp_model", "hardware", "bits", "comp_batch"},
    ("14_capstone_audit", "q_eff"): {"pp", "batch"},
    ("14_capstone_audit", "q_tco"): {"pp", "batch", "region", "days"},
    ("14_capstone_audit", "q_carbon"): {"pp", "batch", "region", "days"},
}


def _lab(lab_id):
    from mlsys_labs.catalog import get_lab, load_errors

    assert lab_id not in load_errors(), load_errors()[lab_id]
    return get_lab(lab_id)


def _perturb(text: str) -> str:
    """Double the number at the start of ``"<number> <unit>"``."""
    num, _, unit = text.partition(" ")
    return f"{float(num) * 2:.6g} {unit}".strip()


@pytest.mark.parametrize("lab_id", BANKS)
def test_bank_shape(lab_id):
    lab = _lab(lab_id)
    assert lab.id == lab_id
    assert len(lab.questions) >= 3
    assert lab.walls and lab.variant_space
    assert all(len(choices) >= 1 for choices in lab.variant_space.values())
    assert any(len(choices) > 1 for choices in lab.variant_space.values())


@pytest.mark.parametrize("lab_id", BANKS)
def test_expected_values_finite_dimensioned_and_graded(lab_id):
    from mlsys_labs.answers import parse_answer
    from mlsys_labs.questions import check_answer

    lab = _lab(lab_id)
    for sid in STUDENTS[:6]:
        v = lab.variant(sid)
        for q in lab.questions:
            key = q.expected_text(v, digits=10)
            fb = check_answer(q, v, key)
            assert fb.correct, (lab_id, sid, q.id, key, fb.message)
            if q.kind == "choice":
                assert key in q.choices
                other = next(c for c in q.choices if c != key)
                assert not check_answer(q, v, other).correct, (lab_id, q.id)
                continue
            x = q.expected_value(v)
            assert math.isfinite(x) and x != 0, (lab_id, sid, q.id, x)
            # the key carries the declared unit's dimension
            assert parse_answer(key).dims == parse_answer(f"1 {q.unit}".strip()).dims, (q.id, key)
            # a 2× answer is wrong, and so is a wrong dimension
            fb2 = check_answer(q, v, _perturb(key))
            assert not fb2.correct, (lab_id, sid, q.id, key, fb2.message)
            wrong = "3 kg" if q.unit_kind != "mass" else "3 s"
            fb3 = check_answer(q, v, wrong)
            assert not fb3.correct and fb3.code == "wrong_dimension", (q.id, fb3.message)


@pytest.mark.parametrize("lab_id", BANKS)
def test_expected_values_vary_across_students(lab_id):
    lab = _lab(lab_id)
    variants = [lab.variant(s) for s in STUDENTS]
    assert len({v.key() for v in variants}) > len(STUDENTS) // 2, "variants barely differ"
    for q in lab.questions:
        if (lab_id, q.id) in INVARIANT:
            continue
        values = {q.expected_text(v, digits=6) for v in variants}
        assert len(values) > 1, (lab_id, q.id, values)


@pytest.mark.parametrize("lab_id", BANKS)
def test_every_variant_is_computable(lab_id):
    """Every combination of the parameters a question reads yields a finite, non-zero expected value (no
    infeasible corner case that would make a question ungradable)."""
    import re

    lab = _lab(lab_id)
    space = lab.variant_space
    from mlsys_labs.variants import Variant

    for q in lab.questions:
        names = set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", q.prompt)) | DEPENDS.get((lab_id, q.id), set())
        keys = sorted(names & set(space))
        for combo in itertools.product(*(space[k] for k in keys)):
            params = {k: c[0] for k, c in space.items()}
            params.update(dict(zip(keys, combo)))
            v = Variant(lab.id, "enum", "0" * 16, params)
            if q.kind == "choice":
                assert q.expected_value(v) in q.choices
            else:
                x = q.expected_value(v)
                assert math.isfinite(x) and x != 0, (lab_id, q.id, params, x)


def test_walls_of_labs_08_14():
    expected = {"08": {17}, "09": {21, 22}, "10": {6}, "11": {15, 19}, "12": {11, 12, 13}, "13": {3, 16, 20}}
    for lab_id in BANKS:
        walls = set(_lab(lab_id).walls)
        if lab_id[:2] in expected:
            assert expected[lab_id[:2]] <= walls, lab_id
    capstone = _lab("14_capstone_audit")
    from mlsysim_core.taxonomy import wall

    assert {wall(w).domain for w in capstone.walls} == {"node", "data", "algorithm", "fleet", "operations",
                                                       "analysis"}
