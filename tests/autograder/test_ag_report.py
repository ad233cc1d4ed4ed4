"""Instructor report: report.html (self-contained, inline SVG) and report.md from a graded folder."""

import json
import re

from ag_fake import make_fake_lab

from autograder.batch import apply_roster, grade_items
from autograder.cli import main
from autograder.inputs import InputItem
from autograder.outputs import write_outputs
from autograder.roster import parse_roster
from mlsys_labs.submission import build_submission
from mlsys_labs.variants import make_variant

LAB = make_fake_lab()
LABS = {LAB.id: LAB}


def graded_folder(tmp_path):
    items = []
    for i in range(12):
        s = f"st{i}"
        v = make_variant(LAB, s)
        key = LAB.key_answers(v)
        answers = dict(key)
        if i % 3 == 0:
            answers["q_time"] = "3.2 TB/s"  # wrong dimension
        if i % 4 == 0:
            answers["q_bw"] = f"{v['bw'] * 1000} TB/s"  # unit slip
        if i % 5 == 0:
            answers["q_cost"] = "1 USD"  # far off
        attempts = [{"question": "q_bw", "time": "2026-01-01T10:00:00Z", "answer": "1 GB/s", "correct": False},
                    {"question": "q_bw", "time": "2026-01-01T10:01:00Z", "answer": key["q_bw"], "correct": True}]
        d = build_submission(LAB, v, answers, created="2026-01-02T00:00:00Z", attempts=attempts,
                             prediction={"question": "p", "choice": "memory", "time": "2026-01-01T09:00:00Z"}
                             if i % 2 else None)
        items.append(InputItem(f"{s}.json", data=json.dumps(d).encode()))
    items.append(InputItem("<script>alert(1)</script>.json", data=b"{"))
    b = grade_items(items, labs=LABS, progress=False)
    apply_roster(b, parse_roster("id\n" + "\n".join(f"st{i}" for i in range(14)) + "\n"), labs=LABS)
    out = tmp_path / "out"
    write_outputs(b, out, labs=LABS, report=True)
    return out


def test_report_html_is_self_contained_with_inline_svg(tmp_path):
    out = graded_folder(tmp_path)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 3
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page), "no CDN or remote asset"
    assert "<script" not in page  # the hostile file name is escaped, and the report has no script
    assert "&lt;script&gt;" in page
    md = (out / "report.md").read_text(encoding="utf-8")
    for needle in ("Scores by lab", "share right", "Rejected files (1)", "median checks",
                   "wrong dimension", "unit slip", "more than 2× off", "Difficulty by variant parameter",
                   "missing (on the roster", "st12", "Integrity signals"):
        assert needle in md, needle


def test_report_numbers_match_the_batch(tmp_path):
    out = graded_folder(tmp_path)
    md = (out / "report.md").read_text(encoding="utf-8")
    # q_bw: right for the 9 students with i % 4 != 0 → 75 %; every file recorded 2 checks for q_bw
    assert re.search(r"\| 99_fake \| q_bw \| 75 % \| 2 \| unit slip 3 \|", md), md
    assert re.search(r"\| 99_fake \| q_time \| 67 % \| — \| wrong dimension 4 \|", md), md
    assert re.search(r"\| 99_fake \| 12 \| [0-9]+ % \| [0-9]+ % \| [0-9]+ \| 50 % \|", md), md  # half made a prediction


def test_report_command_rebuilds_from_the_folder(tmp_path, capsys):
    out = graded_folder(tmp_path)
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists() and "wrote" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "no summary.json" in capsys.readouterr().err
