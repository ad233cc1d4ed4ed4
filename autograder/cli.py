"""Command line: ``python -m autograder {grade,labs,key,validate,gradescope,package}``."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["main"]


def _cmd_grade(a) -> int:
    from .batch import grade_items, summary_text, write_outputs
    from .inputs import collect

    items = list(collect(a.submissions))
    if a.lab is not None:
        from mlsys_labs.catalog import get_lab

        get_lab(a.lab)
    batch = grade_items(items, total=len(items), progress=not a.quiet, expect_lab=a.lab)
    write_outputs(batch, a.out, reveal=a.reveal_expected)
    print(summary_text(batch, a.out))
    return 0


def _cmd_labs(a) -> int:
    from mlsys_labs.catalog import LABS, lab_ids, load_errors

    if a.details:
        print(json.dumps([LABS[i].describe() for i in lab_ids()], indent=1, ensure_ascii=False))
    else:
        print(json.dumps(lab_ids()))
    for name, err in load_errors().items():
        print(f"warning: question bank {name!r} failed to load: {err}", file=sys.stderr)
    return 0


def _cmd_key(a) -> int:
    from mlsys_labs.catalog import get_lab
    from mlsys_labs.submission import SubmissionError, build_submission, check_student_id, dumps_submission
    from mlsys_labs.variants import make_variant

    lab = get_lab(a.lab)
    try:
        student = check_student_id(a.student)
    except SubmissionError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    variant = make_variant(lab, student)
    sub = build_submission(lab, variant, lab.key_answers(variant, digits=a.digits), created=a.created)
    print(dumps_submission(sub))
    return 0


def _cmd_validate(a) -> int:
    from mlsys_labs.submission import SubmissionError, decode_json, validate_submission

    from .inputs import collect

    reports = []
    bad = 0
    for item in collect(a.submissions):
        rep = {"source": item.source, "ok": False}
        try:
            if item.error:
                raise SubmissionError(*item.error)
            obj, dupes = decode_json(item.data)
            sub = validate_submission(obj)
            rep.update(ok=True, lab=sub.lab, student=sub.student, answers=len(sub.answers),
                       warnings=(["duplicate keys in the JSON"] if dupes else []) + sub.warnings)
        except SubmissionError as e:
            rep.update(code=e.code, message=e.message)
            bad += 1
        reports.append(rep)
        if not a.json:
            if rep["ok"]:
                print(f"OK       {rep['source']}  lab={rep['lab']} student={rep['student']} answers={rep['answers']}")
                for w in rep["warnings"]:
                    print(f"         note: {w}")
            else:
                print(f"INVALID  {rep['source']}  [{rep['code']}] {rep['message']}")
    if a.json:
        print(json.dumps(reports, indent=1, ensure_ascii=False))
    if not reports:
        print("no submission files found", file=sys.stderr)
        return 2
    return 1 if bad else 0


def _cmd_gradescope(a) -> int:
    from .gradescope import _load_config, run_gradescope

    cfg = _load_config(a.config)
    lab = a.lab if a.lab is not None else cfg.get("lab")
    reveal = a.reveal_expected or bool(cfg.get("reveal_expected", False))
    visibility = a.visibility or cfg.get("visibility") or "visible"
    return run_gradescope(a.submission_dir, a.results, expect_lab=lab, reveal=reveal, visibility=visibility)


def _cmd_package(a) -> int:
    from .gradescope import build_package

    names = build_package(a.wheels, a.out, lab=a.lab, reveal=a.reveal_expected, visibility=a.visibility)
    print(f"wrote {a.out} ({len(names)} files): upload it in Gradescope → Configure Autograder")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description="Grade MLSys·im lab submissions.")
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("grade", help="grade submission files, folders or zip archives")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    g.add_argument("--out", required=True, metavar="DIR", help="output folder (results/, grades.csv, summary.json)")
    g.add_argument("--lab", help="only accept submissions for this lab (others are rejected)")
    g.add_argument("--reveal-expected", action="store_true", help="show expected values for wrong answers")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_grade)

    s = sub.add_parser("labs", help="print the gradable lab ids as a JSON list")
    s.add_argument("--details", action="store_true", help="print titles, walls, questions and max scores")
    s.set_defaults(func=_cmd_labs)

    k = sub.add_parser("key", help="print a complete submission with the expected answers (instructor use)")
    k.add_argument("lab")
    k.add_argument("--student", required=True)
    k.add_argument("--created", default=None, help="timestamp to put in the file (default: now)")
    k.add_argument("--digits", type=int, default=10, help="significant digits of the answers (default 10)")
    k.set_defaults(func=_cmd_key)

    v = sub.add_parser("validate", help="check submission files without grading")
    v.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    v.add_argument("--json", action="store_true", help="machine-readable report")
    v.set_defaults(func=_cmd_validate)

    gs = sub.add_parser("gradescope", help="Gradescope mode (run_autograder)")
    gs.add_argument("--submission-dir", default="/autograder/submission")
    gs.add_argument("--results", default="/autograder/results/results.json")
    gs.add_argument("--lab", default=None, help="the lab this assignment grades")
    gs.add_argument("--config", default=None, help="gradescope.json written by 'package'")
    gs.add_argument("--reveal-expected", action="store_true")
    gs.add_argument("--visibility", default=None, choices=("visible", "hidden", "after_due_date", "after_published"))
    gs.set_defaults(func=_cmd_gradescope)

    pk = sub.add_parser("package", help="build the Gradescope autograder zip")
    pk.add_argument("--wheels", required=True, metavar="DIR", help="folder with the mlsysim_core and mlsys_labkit wheels")
    pk.add_argument("--out", default="autograder.zip")
    pk.add_argument("--lab", default=None, help="the lab this Gradescope assignment grades")
    pk.add_argument("--reveal-expected", action="store_true")
    pk.add_argument("--visibility", default="visible", choices=("visible", "hidden", "after_due_date", "after_published"))
    pk.set_defaults(func=_cmd_package)
    return p


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    try:
        return a.func(a)
    except KeyError as e:  # unknown lab
        print(f"error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
