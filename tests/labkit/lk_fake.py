"""A self-contained lab spec for tests (needs only the unit registry, not the zoo)."""

from mlsysim_core import Q_
from mlsys_labs.questions import LabSpec, Question


def make_fake_lab(lab_id: str = "99_fake", version: str = "2") -> LabSpec:
    return LabSpec(
        id=lab_id, title="Fake lab", version=version, walls=(1, 2), minutes=5, summary="for tests",
        variant_space={"bw": (1.5, 2.0, 3.35), "n": (1, 2, 4), "mode": ("mem", "comp")},
        questions=(
            Question(id="q_bw", prompt="Bandwidth of a {bw} TB/s part?", unit="TB/s",
                     expected=lambda v: Q_(v["bw"], "TB/s")),
            Question(id="q_time", prompt="Time for n={n}?", unit="ms", rel_tol=0.01, abs_tol="0.01 ms",
                     expected=lambda v: Q_(v["n"] * 1.25, "ms")),
            Question(id="q_frac", prompt="Utilisation in %?", unit="%", expected=lambda v: 10.0 * v["n"]),
            Question(id="q_cost", prompt="Cost?", unit="USD", expected=lambda v: Q_(9.1e6 * v["n"], "USD")),
            Question(id="q_choice", prompt="Which wall ({mode})?", kind="choice", points=2,
                     choices=("memory-bound", "compute-bound"),
                     expected=lambda v: "memory-bound" if v["mode"] == "mem" else "compute-bound"),
        ),
    )
