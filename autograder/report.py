"""Instructor report: ``report.md`` and a self-contained ``report.html`` (no CDN, no script; charts
are inline SVG rendered from the labs' own Vega-Lite builders in :mod:`mlsys_labs.charts` with
``vl-convert-python`` when it is installed, their labels measured with its bundled Liberation Sans;
otherwise the report has tables only and says so).

Built from the files in the output folder (``summary.json``, ``integrity.csv``), so
``python -m autograder report OUT_DIR`` can rebuild it at any time. Contents: score distribution,
per-question share right and median recorded checks, accuracy by variant parameter value (e.g.
accuracy by accelerator), the most common error kinds (wrong dimension, unit slip, more than 2× off,
…), prediction completion, integrity signals, and late / missing / unknown students.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import os
import shutil
import statistics
import tempfile
from collections import Counter, defaultdict
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

from .safetext import path_shown, shown

__all__ = ["build_report", "report_from_dir", "write_report", "ERROR_KINDS"]

ERROR_KINDS = {"wrong_dimension": "wrong dimension", "unit_slip": "unit slip", "off_2x": "more than 2× off",
               "off": "within 2× but outside tolerance", "unreadable": "unreadable", "not_a_choice": "not a choice",
               "missing": "no answer", "grader_error": "grader error"}
MAX_SUMMARY_BYTES = 512 * 1024**2
MAX_LISTED = 200


def _stats(summary: dict) -> dict:
    """Aggregate the kept, graded files of summary.json."""
    files = [f for f in summary.get("files", []) if f.get("status") == "graded"]
    labs: dict[str, dict] = {}
    for f in files:
        lab = labs.get(f["lab"])
        if lab is None:
            lab = labs[f["lab"]] = {"n": 0, "percents": [], "questions": defaultdict(lambda: {
                "n": 0, "right": 0, "checks": [], "kinds": Counter()}), "params": defaultdict(lambda: defaultdict(list)),
                "predictions": 0}
        lab["n"] += 1
        mx = f.get("max_score") or 0
        share = (f.get("score", 0) / mx) if mx else 0.0
        lab["percents"].append(100 * share)
        lab["predictions"] += bool(f.get("prediction_completed"))
        for name, value in (f.get("variant") or {}).items():
            lab["params"][name][str(value)].append(share)
        for qid, (score, qmax, kind) in (f.get("questions") or {}).items():
            q = lab["questions"][qid]
            q["n"] += 1
            q["right"] += kind == "ok"
            if kind != "ok":
                q["kinds"][kind] += 1
            st = (f.get("attempts") or {}).get(qid)
            if st:
                q["checks"].append(st.get("checks", 0))
    return labs


def _mean(values: list) -> float:
    """``statistics.mean(values)`` (the exactly rounded mean) for floats, summed exactly over the distinct
    values: a class's score shares repeat, and statistics.mean converts every element to a fraction."""
    counts = Counter(values)
    if not values or any(type(v) is not float for v in counts):
        return statistics.mean(values)
    return float(sum(Fraction(v) * n for v, n in counts.items()) / len(values))


def _pct(x: float) -> str:
    return f"{x:.0f} %"


def _hist(percents: list) -> list[dict]:
    bins = [0] * 10
    for p in percents:
        bins[min(int(p // 10), 9)] += 1
    return [{"range": f"{10 * i}–{10 * i + 10}%" if i < 9 else "90–100%", "students": n} for i, n in enumerate(bins)]


def _charts(labs: dict, kinds: Counter) -> list[tuple[str, dict]]:
    from mlsys_labs import charts

    out = []
    all_pct = [p for lab in labs.values() for p in lab["percents"]]
    if all_pct:
        out.append(("Score distribution", charts.bars(_hist(all_pct), "range", "students", horizontal=False,
                                                      value_title="students", title="Score distribution (all labs)").spec))
    qrows = [{"question": f"{lab_id} · {qid}", "share right (%)": 100 * q["right"] / q["n"]}
             for lab_id, lab in sorted(labs.items()) for qid, q in lab["questions"].items() if q["n"]]
    if qrows:
        spec = charts.bars(qrows, "question", "share right (%)", title="Share right per question").spec
        spec["height"] = max(120, 16 * len(qrows))
        out.append(("Share right per question", spec))
    if kinds:
        rows = [{"error kind": ERROR_KINDS.get(k, k), "answers": n} for k, n in kinds.most_common()]
        out.append(("Most common error kinds", charts.bars(rows, "error kind", "answers", value_title="answers",
                                                          title="Most common error kinds").spec))
    return out


@contextlib.contextmanager
def _bundled_chart_font():
    """While active, a fontconfig file (``FONTCONFIG_FILE``) that lists one empty folder and no fonts.

    vl-convert measures every label with a font database it builds once per process, on its first
    conversion, from the system fonts (found through fontconfig) plus the Liberation Sans it bundles in
    memory. A system font is a file that it opens and maps again for each glyph measured (about 20 000
    times, 0.7 s, for the report's charts); the bundled copy is read in place. With no system fonts, labels
    are measured with the bundled Liberation Sans, which vl-convert would pick for Vega's ``sans-serif`` on
    a machine without Arial or Helvetica anyway, so a chart no longer depends on the machine's fonts.
    Restored on exit. No effect once vl-convert has built its font database in this process, nor when no
    temporary folder can be made (the system fonts are used then)."""
    empty = conf = None
    try:
        empty = tempfile.mkdtemp(prefix="autograder-fonts-")
        conf = os.path.join(empty, "fonts.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(f'<?xml version="1.0"?>\n<fontconfig><dir>{html.escape(empty)}</dir></fontconfig>\n')
    except OSError:
        conf = None
    if conf is None:
        if empty is not None:
            shutil.rmtree(empty, ignore_errors=True)
        yield
        return
    old = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = conf
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("FONTCONFIG_FILE", None)
        else:
            os.environ["FONTCONFIG_FILE"] = old
        shutil.rmtree(empty, ignore_errors=True)


def _svgs(specs: list[tuple[str, dict]]) -> tuple[list[tuple[str, str]], str | None]:
    try:
        import vl_convert as vlc
    except ImportError:
        return [], "charts omitted: vl-convert-python is not installed (pip install vl-convert-python)"
    out = []
    with _bundled_chart_font():
        for title, spec in specs:
            spec = dict(spec, width=640)
            try:
                out.append((title, vlc.vegalite_to_svg(vl_spec=spec)))
            except Exception as e:  # noqa: BLE001 - a chart failure must not lose the report
                out.append((title, f"<p>chart could not be rendered ({html.escape(type(e).__name__)})</p>"))
    return out, None


def _md_cell(v) -> str:
    return shown(v, 200).replace("|", "\\|").replace("`", "'")


def _table(header: list, rows: list) -> tuple[str, str]:
    md = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    th = "".join(f"<th>{html.escape(shown(h))}</th>" for h in header)
    trs = "".join("<tr>" + "".join(f"<td>{html.escape(shown(c, 200))}</td>" for c in r) + "</tr>" for r in rows)
    return "\n".join(md), f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def build_report(summary: dict, integrity: list[dict], *, charts: bool = True) -> tuple[str, str]:
    """(markdown, html) for a graded output folder's ``summary`` and ``integrity`` rows. Every cell goes
    through :func:`shown` and :func:`html.escape`."""
    labs = _stats(summary)
    kinds: Counter = Counter()
    for lab in labs.values():
        for q in lab["questions"].values():
            kinds.update(q["kinds"])
    sections: list[tuple[str, str, str]] = []  # (title, markdown, html)

    head = [["inputs", summary.get("inputs", 0)], ["graded (kept)", summary.get("kept", 0)],
            ["superseded", summary.get("superseded", 0)], ["rejected", summary.get("rejected", 0)],
            ["skipped", summary.get("skipped", 0)], ["integrity signals", summary.get("integrity_signals", 0)]]
    if summary.get("attempt_penalty"):
        head.append(["attempt penalty", f"{summary['attempt_penalty']:g} per wrong check (floor {summary.get('attempt_floor', 0):g})"])
    sections.append(("Batch", *_table(["", "count"], head)))

    rows = []
    for lab_id, lab in sorted(labs.items()):
        p = lab["percents"]
        rows.append([lab_id, lab["n"], _pct(_mean(p)), _pct(statistics.median(p)),
                     sum(1 for x in p if x >= 100 - 1e-9), _pct(100 * lab["predictions"] / lab["n"])])
    sections.append(("Scores by lab", *_table(["lab", "students", "mean", "median", "full marks", "prediction made"], rows)))
    all_pct = [p for lab in labs.values() for p in lab["percents"]]
    sections.append(("Score distribution (all labs)", *_table(["score", "students"],
                                                              [[h["range"], h["students"]] for h in _hist(all_pct)])))

    rows = []
    for lab_id, lab in sorted(labs.items()):
        for qid, q in lab["questions"].items():
            top = ", ".join(f"{ERROR_KINDS.get(k, k)} {n}" for k, n in q["kinds"].most_common(3)) or "—"
            med = f"{statistics.median(q['checks']):g}" if q["checks"] else "—"
            rows.append([lab_id, qid, _pct(100 * q["right"] / q["n"]) if q["n"] else "—", med, top])
    sections.append(("Questions (share right, median checks recorded, top error kinds)",
                     *_table(["lab", "question", "share right", "median checks", "most common errors"], rows)))

    rows = []
    for lab_id, lab in sorted(labs.items()):
        for name, values in sorted(lab["params"].items()):
            if len(values) < 2:
                continue
            means = {value: _mean(shares) for value, shares in values.items()}
            for value, shares in sorted(values.items(), key=lambda kv: means[kv[0]]):
                rows.append([lab_id, name, value, len(shares), _pct(100 * means[value])])
    sections.append(("Difficulty by variant parameter (mean score share, hardest first)",
                     *_table(["lab", "parameter", "value", "students", "mean score"], rows)))

    rows = [[ERROR_KINDS.get(k, k), n] for k, n in kinds.most_common()]
    sections.append(("Most common error kinds", *_table(["error kind", "answers"], rows)))

    rejected = [f for f in summary.get("files", []) if f.get("status") == "rejected"]
    rows = [[f.get("source"), f.get("error_code"), f.get("error")] for f in rejected[:MAX_LISTED]]
    sections.append((f"Rejected files ({len(rejected)})", *_table(["file", "code", "reason"], rows)))

    rows = [[r.get("signal"), r.get("lab"), r.get("student"), r.get("question"), r.get("matches"), r.get("detail")]
            for r in integrity[:MAX_LISTED]]
    note = f"\n\n{len(integrity)} signal(s); signals never change a score by themselves (see integrity.csv)."
    md, ht = _table(["signal", "lab", "student", "question", "matches", "detail"], rows)
    sections.append(("Integrity signals", md + note, ht + f"<p>{html.escape(note.strip())}</p>"))

    rows = [["missing (on the roster, nothing submitted)", m.get("lab"), m.get("id"), m.get("name")]
            for m in summary.get("missing", [])[:MAX_LISTED]]
    rows += [["not on the roster", m.get("lab"), m.get("student"), m.get("source")]
             for m in summary.get("not_on_roster", [])[:MAX_LISTED]]
    late = [f for f in summary.get("files", []) if (f.get("late_days") or 0) > 0]
    rows += [["late", f.get("lab"), f.get("student"), f"{f['late_days']} day(s)"] for f in late[:MAX_LISTED]]
    md, ht = _table(["", "lab", "student", "detail"], rows)
    lnote = ("Lateness needs a trusted submission time: it comes from Gradescope's metadata in Gradescope "
             "mode; a batch graded from files has none (the files' own 'created' is not trusted).")
    if summary.get("roster") is None:
        lnote += " No roster was given (--roster), so missing students are not known."
    sections.append(("Late, missing and unknown students", md + "\n\n" + lnote, ht + f"<p>{html.escape(lnote)}</p>"))

    svgs, chart_note = _svgs(_charts(labs, kinds)) if charts else ([], "charts omitted")
    when = summary.get("generated") or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    md = [f"# Autograder report\n\n_Generated {when} from summary.json._"]
    md += [f"## {t}\n\n{m}" for t, m, _ in sections]
    if chart_note:
        md.append(f"_{chart_note}_")
    body = [f"<h1>Autograder report</h1><p><em>Generated {html.escape(when)} from summary.json.</em></p>"]
    if svgs:
        body.append("<h2>Charts</h2>" + "".join(f'<figure aria-label="{html.escape(t)}">{svg}</figure>' for t, svg in svgs))
    elif chart_note:
        body.append(f"<p><em>{html.escape(chart_note)}</em></p>")
    body += [f"<h2>{html.escape(t)}</h2>{h}" for t, _, h in sections]
    style = ("body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;"
             "text-align:left}th{background:#f3f3f3}figure{margin:1em 0}")
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Autograder report</title>'
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>")
    return "\n\n".join(md) + "\n", page


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_report(out_dir: str | os.PathLike, *, summary: dict, integrity: list[dict], **_ignored) -> list[str]:
    md, page = build_report(summary, integrity)
    out = Path(out_dir)
    _write_atomic(out / "report.md", md)
    _write_atomic(out / "report.html", page)
    return [str(out / "report.html"), str(out / "report.md")]


def report_from_dir(out_dir: str | os.PathLike) -> list[str]:
    """Rebuild report.html and report.md from a graded folder's summary.json and integrity.csv."""
    out = Path(out_dir)
    path = out / "summary.json"
    try:
        if path.stat().st_size > MAX_SUMMARY_BYTES:
            raise ValueError(f"{path_shown(str(path))} is larger than {MAX_SUMMARY_BYTES // 1024**2} MiB")
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path_shown(str(out))} has no summary.json: run 'python -m autograder grade … "
                                f"--out {path_shown(str(out))}' first") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path_shown(str(path))} is not a valid summary ({type(e).__name__})") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("files"), list):
        raise ValueError(f"{path_shown(str(path))} is not an autograder summary")
    integrity = []
    ipath = out / "integrity.csv"
    if ipath.exists():
        integrity = list(csv.DictReader(io.StringIO(ipath.read_text(encoding="utf-8"))))
    return [path_shown(p) for p in write_report(out, summary=summary, integrity=integrity)]
