"""Command line: ``python -m autograder {grade,labs,key,validate,gradescope,package}``."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys

from .safetext import clean_tree, shown

__all__ = ["main"]


def _fraction(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= x <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a fraction between 0 and 1 (e.g. 0.1)")
    return x


@contextlib.contextmanager
def _batch_gc():
    """For one batch the cyclic garbage collector is paused, the objects loaded before it (modules, question
    banks, zoo) frozen out of its view. A batch creates many small objects freed by reference counting and
    no reference cycles (none over 11 000 files of a class, hostile ones included): a collection only
    re-scans live results, at about 1 µs per object, which was 0.3-0.4 s of a 10 000-file batch even at one
    collection per 100 000 allocations. On exit every object, the batch's included, goes to the oldest
    generation (freeze, then unfreeze) so that the restored collector does not start by re-scanning them
    all as young objects, and the previous state is restored."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _cmd_grade(a) -> int:
    from mlsys_labs.catalog import LABS

    from .batch import GradeOptions, apply_roster, grade_items
    from .inputs import collect
    from .outputs import check_out_dir, summary_text, write_outputs
    from .roster import load_roster

    check_out_dir(a.out, a.submissions)  # before any grading: a bad --out is a clear error, nothing written
    if a.lab is not None:
        from mlsys_labs.catalog import get_lab

        get_lab(a.lab)
    roster = load_roster(a.roster) if a.roster else None
    if a.fill_missing and roster is None:
        raise ValueError("--fill-missing needs --roster FILE.csv")
    len(LABS)  # load the question banks before _batch_gc freezes what is loaded
    with _batch_gc():
        skipped: list = []
        opts = GradeOptions(expect_lab=a.lab, attempt_penalty=a.attempt_penalty, attempt_floor=a.attempt_floor)
        batch = grade_items(collect(a.submissions, skipped=skipped), progress=not a.quiet, options=opts,
                            skipped=skipped)
        batch.skipped = skipped
        if roster is not None:
            apply_roster(batch, roster, fill_missing=a.fill_missing)
        write_outputs(batch, a.out, reveal=a.reveal_expected, lms=tuple(a.lms or ()), report=a.report,
                      inputs=a.submissions)
        print(summary_text(batch, a.out))
    return 0


def _cmd_report(a) -> int:
    from .report import report_from_dir

    written = report_from_dir(a.out_dir)
    print("wrote " + " and ".join(written))
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


def _validate_one(item) -> dict:
    """One file's validation report (never raises: an unexpected failure is this file's result)."""
    from mlsys_labs.submission import SubmissionError, decode_json, validate_submission

    rep = {"source": item.source, "ok": False}
    try:
        if item.error:
            raise SubmissionError(*item.error)
        obj, dupes = decode_json(item.data)
        sub = validate_submission(obj)
        rep.update(ok=True, lab=sub.lab, student=sub.student, answers=len(sub.answers),
                   attempts=len(sub.attempts), prediction=sub.prediction is not None,
                   warnings=(["duplicate keys in the JSON"] if dupes else []) + sub.warnings[:20])
    except SubmissionError as e:
        rep.update(code=e.code, message=e.message)
    except Exception as e:  # noqa: BLE001
        rep.update(code="grader_error", message=f"internal error while validating ({type(e).__name__})")
    return clean_tree(rep)


def _cmd_validate(a) -> int:
    from .inputs import collect

    reports = []
    bad = 0
    for item in collect(a.submissions):
        rep = _validate_one(item)
        bad += not rep["ok"]
        reports.append(rep)
        if not a.json:
            if rep["ok"]:
                print(f"OK       {rep['source']}  lab={rep['lab']} student={rep['student']} answers={rep['answers']} "
                      f"attempts={rep['attempts']}")
                for w in rep["warnings"]:
                    print(f"         note: {shown(w)}")
            else:
                print(f"INVALID  {rep['source']}  [{rep['code']}] {rep['message']}")
    if a.json:
        print(json.dumps(reports, indent=1, ensure_ascii=False))
    if not reports:
        print("no submission files found", file=sys.stderr)
        return 2
    return 1 if bad else 0


def _cmd_gradescope(a) -> int:
    from .gradescope import DEFAULT_METADATA, _load_config, run_gradescope

    cfg = _load_config(a.config)
    lab = a.lab if a.lab is not None else cfg.get("lab")
    reveal = a.reveal_expected or bool(cfg.get("reveal_expected", False))
    visibility = a.visibility or cfg.get("visibility") or "visible"
    pick = lambda name, default: getattr(a, name) if getattr(a, name) is not None else cfg.get(name, default)  # noqa: E731
    return run_gradescope(a.submission_dir, a.results, expect_lab=lab, reveal=reveal, visibility=visibility,
                          metadata=pick("metadata", DEFAULT_METADATA), id_field=pick("id_field", "email"),
                          on_id_mismatch=pick("on_id_mismatch", "zero"), late_policy=pick("late_policy", "none"))


def _cmd_package(a) -> int:
    from .gradescope import build_package

    from .gradescope import parse_late_policy

    trust = {k: getattr(a, k) for k in ("id_field", "on_id_mismatch", "late_policy") if getattr(a, k) is not None}
    if "late_policy" in trust:
        parse_late_policy(trust["late_policy"])  # a typo is an error now, not at grading time
    names = build_package(a.wheels, a.out, lab=a.lab, reveal=a.reveal_expected, visibility=a.visibility,
                          trust=trust)
    print(f"wrote {a.out} ({len(names)} files): upload it in Gradescope → Configure Autograder")
    return 0


def _trust_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--id-field", default=None, choices=("email", "sid", "id"),
                   help="which Gradescope user field the file's student id must match (default email)")
    p.add_argument("--on-id-mismatch", default=None, choices=("zero", "flag"),
                   help="zero the score (default) or only flag it when the file's id is not the submitter's")
    p.add_argument("--late-policy", default=None, metavar="none|zero|percent-per-day=N",
                   help="penalty from Gradescope's submission time vs the due dates (default none)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description="Grade MLSys·im lab submissions.")
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("grade", help="grade submission files, folders or zip archives")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    g.add_argument("--out", required=True, metavar="DIR", help="output folder (results/, grades.csv, summary.json)")
    g.add_argument("--lab", help="only accept submissions for this lab (others are rejected)")
    g.add_argument("--reveal-expected", action="store_true", help="show expected values for wrong answers")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--roster", metavar="FILE.csv", help="course roster (columns id,email,name,section; id required)")
    g.add_argument("--fill-missing", action="store_true", help="with --roster: a 0 row for each student with no submission")
    g.add_argument("--lms", action="append", choices=("canvas", "moodle", "blackboard", "long"),
                   help="also write grades-<lms>.csv in that LMS's import shape (repeatable; long = grades.csv, always written)")
    g.add_argument("--attempt-penalty", type=_fraction, default=0.0, metavar="P",
                   help="take P of a question's points off per wrong Check before the right one (default 0)")
    g.add_argument("--attempt-floor", type=_fraction, default=0.0, metavar="F",
                   help="a right answer keeps at least F of its points under the penalty (default 0)")
    g.add_argument("--report", action="store_true", help="also write report.html and report.md")
    g.set_defaults(func=_cmd_grade)

    rp = sub.add_parser("report", help="write report.html and report.md for a graded output folder")
    rp.add_argument("out_dir", metavar="OUT_DIR")
    rp.set_defaults(func=_cmd_report)

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
    _trust_options(gs)
    gs.add_argument("--metadata", default=None, metavar="PATH",
                    help="Gradescope's submission_metadata.json (default /autograder/submission_metadata.json; "
                         "ignored when absent)")
    gs.set_defaults(func=_cmd_gradescope)

    pk = sub.add_parser("package", help="build the Gradescope autograder zip")
    pk.add_argument("--wheels", required=True, metavar="DIR", help="folder with the mlsysim_core and mlsys_labkit wheels")
    pk.add_argument("--out", default="autograder.zip")
    pk.add_argument("--lab", default=None, help="the lab this Gradescope assignment grades")
    pk.add_argument("--reveal-expected", action="store_true")
    pk.add_argument("--visibility", default="visible", choices=("visible", "hidden", "after_due_date", "after_published"))
    _trust_options(pk)
    pk.set_defaults(func=_cmd_package)
    return p


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # whatever the locale, never crash on printing a name
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    a = build_parser().parse_args(argv)
    try:
        return a.func(a)
    except KeyError as e:  # unknown lab
        print(f"error: {shown(e.args[0] if e.args else e)}", file=sys.stderr)
        return 2
    except (FileNotFoundError, NotADirectoryError, ValueError) as e:
        print(f"error: {shown(e)}", file=sys.stderr)
        return 2
