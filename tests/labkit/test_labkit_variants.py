import hashlib

from lk_fake import make_fake_lab

from mlsys_labs.variants import make_variant, normalize_student, variant_seed


def test_seed_formula_matches_contract():
    want = hashlib.sha256("99_fake\x1fada lovelace".encode()).hexdigest()[:16]
    assert variant_seed("99_fake", "  Ada Lovelace ") == want


def test_deterministic_and_normalised():
    lab = make_fake_lab()
    a = make_variant(lab, "Ada")
    b = make_variant(lab, " ada ")
    assert (a.seed, a.params) == (b.seed, b.params)
    assert a.params == make_variant(lab, "ADA").params
    assert a.student_id == "Ada"
    assert set(a.params) == {"bw", "n", "mode"}
    for k, choices in lab.variant_space.items():
        assert a.params[k] in choices


def test_params_cover_the_space_and_differ_by_lab():
    lab = make_fake_lab()
    seen = {make_variant(lab, f"s{i}").params["n"] for i in range(200)}
    assert seen == {1, 2, 4}
    other = make_fake_lab("98_other")
    diffs = sum(make_variant(lab, f"s{i}").seed != make_variant(other, f"s{i}").seed for i in range(20))
    assert diffs == 20


def test_param_choice_independent_of_order():
    lab = make_fake_lab()
    v = make_variant(lab, "zoe")
    from mlsys_labs.variants import choose_params

    rev = dict(reversed(list(lab.variant_space.items())))
    assert choose_params(v.seed, rev) == v.params


def test_normalize():
    assert normalize_student("  ÄBC ") == "äbc"
    assert normalize_student("Straße") == "strasse"


def test_empty_student_rejected():
    import pytest

    with pytest.raises(ValueError):
        make_variant(make_fake_lab(), "   ")


def test_variant_json_and_key():
    v = make_variant(make_fake_lab(), "x")
    assert v.to_json() == {"seed": v.seed, "params": v.params}
    assert hash(v.key())
