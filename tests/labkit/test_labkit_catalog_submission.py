import json
import subprocess
import sys

import pytest
from lk_fake import make_fake_lab

from mlsys_labs import catalog
from mlsys_labs.submission import (MAX_BYTES, SCHEMA, SubmissionError, build_submission, dumps_submission,
                                   validate_submission)
from mlsys_labs.variants import make_variant

LAB = make_fake_lab()
LABS = {LAB.id: LAB}


def test_catalog_lists_banks_and_explains_unknown_ids():
    ids = catalog.lab_ids()
    assert "00_hello_roofline" in ids and ids == sorted(ids)
    assert catalog.LABS["00_hello_roofline"].walls == (1, 2)
    with pytest.raises(KeyError, match="known labs: .*00_hello_roofline"):
        catalog.get_lab("../etc")


def test_every_bank_is_well_formed():
    for lab in catalog.LABS.values():
        assert len(lab.questions) >= 3, lab.id
        v = make_variant(lab, "probe")
        for q in lab.questions:
            assert "{" not in q.render(v), (lab.id, q.id)  # every placeholder is a variant parameter
            q.expected_value(v)


def test_import_is_light():
    code = ("import sys, mlsys_labs.questions, mlsys_labs.submission, mlsys_labs.store; "
            "print(any(m in sys.modules for m in ('marimo', 'altair', 'numpy', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def good():
    v = make_variant(LAB, "ada")
    return build_submission(LAB, v, LAB.key_answers(v), created="2025-01-01T00:00:00Z")


def test_build_and_validate_all_input_types():
    d = good()
    text = dumps_submission(d)
    for data in (d, text, text.encode(), bytearray(text.encode()), memoryview(text.encode()),
                 b"\xef\xbb\xbf" + text.encode()):
        s = validate_submission(data, labs=LABS)
        assert s.student == "ada" and s.warnings == [] and s.answers == d["answers"]
        assert s.created_at.year == 2025


def test_size_limit_checked_before_parsing():
    with pytest.raises(SubmissionError) as e:
        validate_submission(b"{" + b" " * MAX_BYTES + b"}", labs=LABS)
    assert e.value.code == "too_large"
    with pytest.raises(SubmissionError):
        validate_submission("x" * (MAX_BYTES + 1), labs=LABS)


def test_duplicate_keys_and_odd_fields_are_warnings():
    text = dumps_submission(good())[:-1] + ', "student": "ada", "variant": 5, "created": "yesterday"}'
    s = validate_submission(text, labs=LABS)
    joined = " ".join(s.warnings)
    assert "duplicate keys" in joined and "'variant' is not an object" in joined and "ISO 8601" in joined
    assert s.created_at is None


def test_naive_timestamp_is_utc():
    d = good()
    d["created"] = "2025-01-01T10:00:00"
    assert validate_submission(d, labs=LABS).created_at.tzinfo is not None


@pytest.mark.parametrize("data,code", [
    (b"\x00\x01", "malformed_json"), (b"  ", "empty"), ('{"schema": Infinity}', "nan_in_json"),
    (json.dumps({"schema": SCHEMA}), "unknown_lab"), (json.dumps({"schema": SCHEMA, "lab": LAB.id}), "bad_student"),
])
def test_errors(data, code):
    with pytest.raises(SubmissionError) as e:
        validate_submission(data, labs=LABS)
    assert e.value.code == code and e.value.message
