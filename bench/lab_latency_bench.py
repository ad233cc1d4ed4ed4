"""Native (CPython) benchmark of slider → output latency in every lab: the kernel-side work of a control move.

    .venv/bin/python bench/lab_latency_bench.py [--labs ID ...] [--moves N] [--quick] [--profile ID]

For each ``labs/*.py`` the notebook is loaded with marimo's own graph, run once in a script context (as
``app.run()`` does), the prediction radio is answered (it unlocks the gated cells), and then every control
(slider, dropdown, checkbox, multiselect) is moved through up to N values. A move does what marimo's kernel
does when the browser sends a new value: ``element._update(frontend_value)`` and re-execution, in
topological order, of every cell that references the control and of all their descendants (a stopped or
failed cell cancels its own descendants). Each re-run cell's output is formatted as marimo formats it for
the frontend (``try_format``: HTML, the chart's Vega-Lite JSON, …): that is part of the latency too.

Reports per lab: cascade p50/p95/max (ms), the worst control and the slowest cells (mean ms per run).
Prints a table and writes JSON to bench/results/lab_latency-<timestamp>.json. Pyodide in Chromium is
~2–4× slower than CPython: the native target is p95 ≤ 60 ms per cascade (browser: p50 ≤ 100, p95 ≤ 250).
``bench/browser_bench.py`` measures the real thing (first slider of each lab, in Chromium).

``--quick`` (2 moves per control, a few seconds) is the smoke mode; ``--profile ID`` prints a cProfile of
that lab's cascades (the hot functions) instead of the table; ``--browser`` hands over to
``bench/browser_bench.py`` (same ``--labs``; it builds its own site in a temporary directory).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib.util
import json
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchstats import pct  # noqa: E402
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "labkit"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

TARGET_P95_MS = 60.0


# --------------------------------------------------------------------------------------------- controls
def control_moves(el: Any, n: int) -> list[Any]:
    """Up to ``n`` frontend values for ``el`` (different from the current one), ending on the initial value."""
    from marimo._plugins import ui as mui

    init = el._value_frontend
    vals: list[Any] = []
    if isinstance(el, mui.slider):
        if getattr(el, "_mapping", None):
            cand = list(range(len(el._mapping)))
        else:
            a = el._args.args
            start, stop, step = float(a["start"]), float(a["stop"]), a.get("step")
            k = max(n, 2)
            cand = [start + (stop - start) * i / (k - 1) for i in range(k)]
            if step:
                cand = [min(stop, start + round((c - start) / step) * step) for c in cand]
            cand = [type(init)(c) if isinstance(init, int) and float(c).is_integer() else c for c in cand]
        vals = _spread([c for c in cand if c != init], n - 1)
    elif isinstance(el, (mui.dropdown, mui.multiselect)):
        keys = list(el._args.args["options"])
        if isinstance(el, mui.multiselect):
            subsets = [keys[: i + 1] for i in range(len(keys))] + [keys[i:i + 2] for i in range(len(keys))]
            vals = _spread([s for s in subsets if s != init], n - 1)
        else:
            vals = _spread([[k] for k in keys if [k] != init], n - 1)
    elif isinstance(el, (mui.checkbox, mui.switch)):
        vals = [not init]
    else:
        return []
    return vals + [init]


def _spread(xs: list[Any], k: int) -> list[Any]:
    if k <= 0 or not xs:
        return []
    if len(xs) <= k:
        return xs
    return [xs[round(i * (len(xs) - 1) / (k - 1))] for i in range(k)] if k > 1 else [xs[len(xs) // 2]]


def _is_control(el: Any) -> bool:
    from marimo._plugins import ui as mui

    return isinstance(el, (mui.slider, mui.dropdown, mui.multiselect, mui.checkbox, mui.switch))


# ----------------------------------------------------------------------------------------------- runner
class LabSession:
    """One lab notebook run natively in a marimo script context, with cells re-runnable one cascade at a time."""

    def __init__(self, path: Path):
        from marimo._ast.app import InternalApp
        from marimo._runtime.executor import Evaluator, resolve_executor

        self.path = path
        spec = importlib.util.spec_from_file_location(f"bench_lab_{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        self.app = mod.app
        self.app._maybe_initialize()
        self.internal = InternalApp(self.app)
        self.graph = self.internal.graph
        self.order = [c for c in self.internal.execution_order if self.graph.cells.get(c) is not None]
        self.evaluator = Evaluator(executor=resolve_executor(), lifecycles=[])
        self.loop = asyncio.new_event_loop()
        self.outputs: dict[str, str] = {}  # cell id -> the last output as marimo sends it to the page
        src = path.read_text(encoding="utf-8")
        self.labels = {}
        for i, cid in enumerate(self.internal.cell_manager.cell_ids()):
            cell = self.graph.cells.get(cid)
            if cell is None:
                continue
            lines = [ln.strip() for ln in cell.code.splitlines() if ln.strip() and not ln.strip().startswith("#")]
            first = next((ln for ln in lines if not ln.startswith("mo.stop(")), lines[0] if lines else "")
            line = src[: src.find(first)].count("\n") + 1 if first and first in src else 0
            self.labels[cid] = f"L{line} {first[:48]}"

    def __enter__(self) -> "LabSession":
        from marimo._messaging.types import NoopStream
        from marimo._output.formatting import FORMATTERS
        from marimo._output.formatters.formatters import register_formatters
        from marimo._runtime.context.script_context import initialize_script_context
        from marimo._runtime.patches import create_main_module, patch_main_module_context

        initialize_script_context(app=self.internal, stream=NoopStream(), filename=str(self.path))
        if not FORMATTERS.is_empty():
            register_formatters()
        self._patch = patch_main_module_context(create_main_module(file=str(self.path), input_override=None,
                                                                   doc=None))
        self.glbls = self._patch.__enter__().__dict__
        return self

    def __exit__(self, *exc: Any) -> None:
        from marimo._runtime.context.types import teardown_context

        self._patch.__exit__(*exc)
        teardown_context()
        self.loop.close()

    def run_cells(self, cells: list[str]) -> dict[str, float]:
        """Run ``cells`` (any order) topologically, cancelling descendants of a stopped/failed cell.
        Returns ms per executed cell (execution + output formatting)."""
        from marimo._output.formatting import try_format
        from marimo._runtime import dataflow
        from marimo._runtime.context.types import get_context

        todo = set(cells)
        cancelled: set[str] = set()
        times: dict[str, float] = {}
        for cid in self.order:
            if cid not in todo or cid in cancelled:
                continue
            cell = self.graph.cells[cid]
            t0 = time.perf_counter()
            with get_context().with_cell_id(cid):
                if cell.is_coroutine():
                    res = self.loop.run_until_complete(self.evaluator.evaluate(cell, self.glbls))
                else:
                    res = self.evaluator.evaluate_sync(cell, self.glbls)
                out = res.output
                if res.exception is not None:
                    exc = res.exception
                    inner = getattr(exc, "__cause__", None) or exc
                    if type(inner).__name__ != "MarimoStopError":
                        raise RuntimeError(f"{self.path.name}: cell {self.labels.get(cid)} raised {inner!r}") from inner
                    out = getattr(inner, "output", None)
                    cancelled |= dataflow.transitive_closure(self.graph, {cid}, children=True) - {cid}
                self.outputs[cid] = try_format(out).data if out is not None else ""
            times[cid] = (time.perf_counter() - t0) * 1e3
        return times

    def run_all(self) -> dict[str, float]:
        return self.run_cells(list(self.order))

    def downstream(self, name: str) -> list[str]:
        from marimo._runtime import dataflow

        readers = {cid for cid, c in self.graph.cells.items() if name in c.refs}
        return sorted(dataflow.transitive_closure(self.graph, readers, children=True))

    def move(self, name: str, frontend_value: Any) -> dict[str, float]:
        el = self.glbls[name]
        el._update(frontend_value)
        return self.run_cells(self.downstream(name))

    def controls(self) -> list[str]:
        defined = set().union(*(c.defs for c in self.graph.cells.values()))
        return [n for n in self.glbls if n in defined and _is_control(self.glbls[n])]


def bench_lab(path: Path, moves: int, profile: cProfile.Profile | None = None) -> dict:
    t0 = time.perf_counter()
    with LabSession(path) as s:
        first = s.run_all()
        startup_ms = (time.perf_counter() - t0) * 1e3
        pred = s.glbls.get("pred")
        unlock_ms = None
        if pred is not None and hasattr(pred, "options"):
            unlock_ms = sum(s.move("pred", next(iter(pred.options))).values())
        cascades: list[float] = []
        per_control: dict[str, list[float]] = {}
        cell_ms: dict[str, list[float]] = {}
        if profile is not None:
            profile.enable()
        for name in s.controls():
            for v in control_moves(s.glbls[name], moves):
                times = s.move(name, v)
                total = sum(times.values())
                cascades.append(total)
                per_control.setdefault(name, []).append(total)
                for cid, ms in times.items():
                    cell_ms.setdefault(s.labels[cid], []).append(ms)
        if profile is not None:
            profile.disable()
        slow = sorted(((statistics.mean(v), k, len(v)) for k, v in cell_ms.items()), reverse=True)[:5]
        worst = max(per_control.items(), key=lambda kv: statistics.median(kv[1]), default=(None, []))
        return {
            "lab": path.stem,
            "startup_ms": round(startup_ms, 1),
            "first_run_ms": round(sum(first.values()), 1),
            "unlock_ms": None if unlock_ms is None else round(unlock_ms, 1),
            "moves": len(cascades),
            "p50_ms": round(pct(cascades, 0.5), 1),
            "p95_ms": round(pct(cascades, 0.95), 1),
            "max_ms": round(max(cascades, default=float("nan")), 1),
            "controls": {k: {"p50_ms": round(pct(v, 0.5), 1), "max_ms": round(max(v), 1), "moves": len(v)}
                         for k, v in per_control.items()},
            "worst_control": worst[0],
            "slowest_cells": [{"cell": k, "mean_ms": round(m, 1), "runs": n} for m, k, n in slow],
        }


def moves_default(args: argparse.Namespace) -> int:
    return 2 if args.quick else args.moves


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labs", nargs="*", help="lab ids or prefixes (default: all)")
    ap.add_argument("--moves", type=int, default=6, help="values per control (default 6)")
    ap.add_argument("--quick", action="store_true", help="2 values per control (smoke run, < 60 s)")
    ap.add_argument("--profile", metavar="ID", help="cProfile the cascades of one lab and print hot functions")
    ap.add_argument("--browser", action="store_true",
                    help="run bench/browser_bench.py instead (Chromium + Pyodide: every slider of each lab)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args(argv)
    if args.browser:
        import subprocess

        cmd = [sys.executable, str(ROOT / "bench" / "browser_bench.py"), "--moves", str(max(moves_default(args), 4))]
        if args.labs:  # ids or prefixes → full lab ids
            ids = [p.stem for p in sorted((ROOT / "labs").glob("[0-9][0-9]_*.py"))
                   if any(p.stem.startswith(w) for w in args.labs)]
            cmd += ["--labs", *ids]
        return subprocess.call(cmd, cwd=ROOT)
    moves = moves_default(args)
    os.environ.setdefault("MLSYS_LABS_HOME", tempfile.mkdtemp(prefix="mlsys-bench-"))

    paths = sorted((ROOT / "labs").glob("[0-9][0-9]_*.py"))
    want = [args.profile] if args.profile else args.labs
    if want:
        paths = [p for p in paths if any(p.stem.startswith(w) for w in want)]
    if args.profile:
        prof = cProfile.Profile()
        r = bench_lab(paths[0], moves, prof)
        print(json.dumps({k: r[k] for k in ("lab", "p50_ms", "p95_ms", "max_ms", "slowest_cells")}, indent=1))
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        return 0

    results = []
    hdr = f"{'lab':36} {'moves':>5} {'p50':>7} {'p95':>7} {'max':>7} {'unlock':>7}  worst control / slowest cell"
    print(hdr + "\n" + "-" * len(hdr))
    t_all = time.perf_counter()
    for p in paths:
        r = bench_lab(p, moves)
        results.append(r)
        cell = r["slowest_cells"][0] if r["slowest_cells"] else {"cell": "", "mean_ms": 0}
        flag = "" if r["p95_ms"] <= TARGET_P95_MS else "  <-- over target"
        print(f"{r['lab']:36} {r['moves']:5d} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['max_ms']:7.1f} "
              f"{r['unlock_ms'] or 0:7.1f}  {r['worst_control']} / {cell['cell']} ({cell['mean_ms']} ms){flag}",
              flush=True)
    allc = [r["p95_ms"] for r in results]
    print(f"\nall labs: worst p95 {max(allc):.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms natively); "
          f"{time.perf_counter() - t_all:.1f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"lab_latency-{time.strftime('%Y%m%d-%H%M%S')}.json"
    doc = {"python": platform.python_version(), "platform": platform.platform(), "moves_per_control": moves,
           "target_p95_ms": TARGET_P95_MS, "labs": results}
    out.write_text(json.dumps(doc, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if all(x <= TARGET_P95_MS for x in allc) else 1


if __name__ == "__main__":
    sys.exit(main())
