"""Engine benchmark: mlsysim_core next to upstream ``mlsysim==0.3.0`` (PyPI), measured in one run.

Figures (each implementation runs in its own interpreter; medians of repeated runs):

* import time of the package (fresh interpreter, median of 5), and import + zoo + first solve,
* median µs per single-node roofline solve (Llama-3-8B on H100, batch 1, fp16),
* median µs per tensor-parallel serving solve (ours only; upstream serving has no TP): Llama-3-70B on 8 × H100
  (TP 8 over the DGX H100 NVLink), 2 048-token context, batch 1,
* time for a 1 000-configuration sweep (5 accelerators × 25 batch sizes × 8 models, fp16),
* median ms per full ``Scenario.evaluate``.

Usage::

    python bench/engine_bench.py                 # both (creates the upstream venv on first use)
    python bench/engine_bench.py --no-upstream   # ours only

The upstream venv lives in ``~/.cache/mlsys-bench/upstream`` (``pip install mlsysim==0.3.0``).
Results are printed as a table and written to ``bench/results/engine.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM_VERSION = "0.3.0"
UPSTREAM_VENV = Path(os.environ.get("MLSYS_BENCH_CACHE", Path.home() / ".cache" / "mlsys-bench")) / "upstream"

# The measurement program. ``PKG`` selects the implementation; only import paths differ.
PROGRAM = r"""
import json, statistics, sys, time, timeit
PKG = sys.argv[1]
if PKG == "ours":
    import mlsysim_core as M
    from mlsysim_core import SingleNodeModel, Hardware, Models, Scenario
    def scenario():
        return Scenario(name="bench", workload=Models.Language.Llama3_8B, system=Hardware.Cloud.H100)
else:
    import mlsysim as M
    from mlsysim.engine.solvers import SingleNodeModel
    from mlsysim import Hardware, Models, Scenario
    def scenario():
        return Scenario(name="bench", description="bench", workload=Models.Language.Llama3_8B, system=Hardware.Cloud.H100)

def med(fn, number, repeat=7):
    return statistics.median(t / number for t in timeit.repeat(fn, number=number, repeat=repeat))

solver = SingleNodeModel()
h100, llama8 = Hardware.Cloud.H100, Models.Language.Llama3_8B
solve = lambda: solver.solve(model=llama8, hardware=h100, batch_size=1, precision="fp16")
solve()
out = {"solve_us": med(solve, 200) * 1e6}
if PKG == "ours":
    from mlsysim_core import ServingModel
    server, llama70 = ServingModel(), Models.Language.Llama3_70B
    serve = lambda: server.solve(model=llama70, hardware=h100, seq_len=2048, batch_size=1, tp_size=8)
    assert serve().feasible
    out["serve_tp8_us"] = med(serve, 200) * 1e6

hw = [Hardware.Cloud.H100, Hardware.Cloud.A100, Hardware.Cloud.B200, Hardware.Cloud.MI300X, Hardware.Edge.JetsonOrinNX]
L = Models.Language
models = [L.Llama3_8B, L.Llama3_70B, L.Llama2_7B, L.Llama2_70B, L.GPT3, Models.Vision.ResNet50,
          Models.Vision.MobileNetV2, L.Mixtral_8x7B]
batches = list(range(1, 26))
def sweep():
    rows = []
    for h in hw:
        for m in models:
            for b in batches:
                r = solver.solve(model=m, hardware=h, batch_size=b, precision="fp16")
                rows.append((h.name, m.name, b, r.latency.magnitude))
    return rows
assert len(sweep()) == 1000
out["sweep_1000_ms"] = med(sweep, 1, repeat=5) * 1e3

sc = scenario()
ev = lambda: sc.evaluate(batch_size=1, precision="fp16")
ev()
out["evaluate_ms"] = med(ev, 20, repeat=5) * 1e3
print(json.dumps(out))
"""

IMPORT_PROGRAM = "import time; t=time.perf_counter(); import {mod}; print(time.perf_counter()-t)"
# Cold start: interpreter already up; import, load the zoo, run one solve (lazy imports cannot hide here).
COLD_PROGRAM = {
    "mlsysim_core": "import time; t=time.perf_counter(); from mlsysim_core import SingleNodeModel, Hardware, Models; "
    "SingleNodeModel().solve(model=Models.Language.Llama3_8B, hardware=Hardware.Cloud.H100); print(time.perf_counter()-t)",
    "mlsysim": "import time; t=time.perf_counter(); from mlsysim.engine.solvers import SingleNodeModel; "
    "from mlsysim import Hardware, Models; "
    "SingleNodeModel().solve(model=Models.Language.Llama3_8B, hardware=Hardware.Cloud.H100); print(time.perf_counter()-t)",
}


def ensure_upstream() -> Path:
    py = UPSTREAM_VENV / "bin" / "python"
    if not py.exists():
        print(f"creating upstream venv in {UPSTREAM_VENV} (pip install mlsysim=={UPSTREAM_VERSION}) …", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(UPSTREAM_VENV)
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"mlsysim=={UPSTREAM_VERSION}"], check=True)
    return py


def import_time(python: str, module: str, runs: int = 5, cold: bool = False) -> float:
    program = COLD_PROGRAM[module] if cold else IMPORT_PROGRAM.format(mod=module)
    times = []
    for _ in range(runs):
        r = subprocess.run([python, "-c", program], capture_output=True, text=True, check=True,
                           cwd=ROOT if module == "mlsysim_core" else Path.home())
        times.append(float(r.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def measure(python: str, pkg: str) -> dict:
    module = "mlsysim_core" if pkg == "ours" else "mlsysim"
    res = {"import_s": import_time(python, module)}
    try:
        res["import_zoo_first_solve_s"] = import_time(python, module, cold=True)
    except subprocess.CalledProcessError as exc:
        res["error"] = (exc.stderr or "").strip().splitlines()[-1:] or [str(exc)]
    r = subprocess.run([python, "-c", PROGRAM, pkg], capture_output=True, text=True,
                       cwd=ROOT if pkg == "ours" else Path.home())
    if r.returncode != 0:
        res["error"] = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"
    else:
        res.update(json.loads(r.stdout.strip().splitlines()[-1]))
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-upstream", action="store_true", help="measure mlsysim_core only")
    ap.add_argument("--python", default=sys.executable, help="interpreter with mlsysim_core installed")
    args = ap.parse_args(argv)

    results = {"mlsysim_core": measure(args.python, "ours")}
    if not args.no_upstream:
        try:
            results[f"mlsysim {UPSTREAM_VERSION}"] = measure(str(ensure_upstream()), "upstream")
        except Exception as exc:  # network or install failure: report, keep our figures
            results[f"mlsysim {UPSTREAM_VERSION}"] = {"error": str(exc)}

    goals = {"import_s": 0.35, "import_zoo_first_solve_s": 0.35, "solve_us": 50.0, "serve_tp8_us": 50.0,
             "sweep_1000_ms": 50.0, "evaluate_ms": None}
    names = list(results)
    print(f"{'figure':<22}" + "".join(f"{n:>18}" for n in names) + f"{'goal':>10}")
    for key, goal in goals.items():
        cells = []
        for n in names:
            v = results[n].get(key)
            cells.append(f"{v:>18.3f}" if isinstance(v, float) else f"{'—':>18}")
        print(f"{key:<22}" + "".join(cells) + (f"{'≤ ' + str(goal):>10}" if goal else f"{'':>10}"))
    for n in names:
        if "error" in results[n]:
            print(f"{n}: {results[n]['error']}")
    if len(names) > 1 and all(k in results[names[1]] for k in ("solve_us", "import_s")):
        ours, up = results[names[0]], results[names[1]]
        ratios = {"solve ×": up["solve_us"] / ours["solve_us"], "import ×": up["import_s"] / ours["import_s"]}
        if "sweep_1000_ms" in up:
            ratios["sweep ×"] = up["sweep_1000_ms"] / ours["sweep_1000_ms"]
        results["ratios"] = ratios
        print("upstream / ours: " + ", ".join(f"{k} {v:.1f}" for k, v in ratios.items()) + "  (goal: solve ≥ 40, import ≥ 20)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "engine.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
