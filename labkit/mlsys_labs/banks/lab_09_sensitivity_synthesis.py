"""Question bank of lab 09 — sensitivity and synthesis (walls 21 Sensitivity, 22 Synthesis).

SensitivitySolver perturbs each hardware resource by p % and re-solves the roofline; the elasticity
S_i = (ΔT/T)/(Δx_i/x_i) says which upgrade pays. SynthesisSolver runs the roofline backwards: from a
latency target to the bandwidth, FLOP/s and capacity a device must have.
"""

from __future__ import annotations

from functools import lru_cache

from mlsysim_core import Hardware, Models, Q_, SensitivitySolver, SynthesisSolver

from ..questions import LabSpec, Question
from ..variants import Variant

PRECISION = "fp16"
RESOURCES = ("peak_flops", "memory_bandwidth", "memory_capacity")


@lru_cache(maxsize=1024, typed=True)
def sensitivity(model: str, hardware: str, batch: int, precision: str = PRECISION, pct: float = 10.0):
    return SensitivitySolver().solve(model=Models.get(model), hardware=Hardware.get(hardware), batch_size=batch,
                                     precision=precision, perturbation_pct=pct)


@lru_cache(maxsize=1024, typed=True)
def synthesis(model: str, target_ms: float, batch: int = 1, precision: str = PRECISION):
    return SynthesisSolver().solve(model=Models.get(model), target_latency=Q_(target_ms, "ms"), batch_size=batch,
                                   precision=precision)


def _sens(v: Variant):
    return sensitivity(v["model"], v["hardware"], v["batch"])


def _binding_elasticity(v: Variant) -> float:
    r = _sens(v)
    return r.sensitivities[r.binding_constraint]


def _synth(v: Variant):
    return synthesis(v["synth_model"], v["target_ms"], v["synth_batch"])


LAB = LabSpec(
    id="09_sensitivity_synthesis",
    title="09 · Sensitivity and synthesis: which upgrade, and what hardware?",
    version="1",
    walls=(21, 22),
    minutes=40,
    summary="Perturb each hardware resource to find the one that binds, then invert the roofline to derive "
            "the bandwidth and FLOP/s a latency target demands.",
    variant_space={
        "model": ("Llama3_8B", "Llama2_13B", "BERT_Large", "ViT_B16"),
        "hardware": ("H100", "A100", "MI300X", "B200"),
        "batch": (4, 16, 64),
        "synth_model": ("Llama3_8B", "Llama2_13B", "Llama3_70B"),
        "target_ms": (5, 10, 20, 40),
        "synth_batch": (1, 8, 32),
    },
    questions=(
        Question(
            id="q_base",
            prompt="Baseline: one forward pass of {model} (fp16) at batch {batch} on the {hardware}. What is its "
                   "latency? (e.g. 2.8 ms)",
            unit="ms", expected=lambda v: _sens(v).baseline_latency, rel_tol=0.03,
            explain="T = max(OPs·B/(Peak·η), (|W| + B·A)/BW) + overheads, A = activation bytes per sample "
                    "(SingleNodeModel).",
        ),
        Question(
            id="q_binding",
            prompt="Raise each resource of the {hardware} by 10 % in turn. Which upgrade cuts that latency the most "
                   "(the binding constraint)?",
            kind="choice", choices=RESOURCES, expected=lambda v: _sens(v).binding_constraint,
            explain="binding = argmax_i |S_i|: only the resource on the active roof moves the latency.",
        ),
        Question(
            id="q_elasticity",
            prompt="What is the elasticity S = (ΔT/T)/(Δx/x) of that latency with respect to the binding resource? "
                   "(a signed number, e.g. -0.85)",
            unit="", expected=_binding_elasticity, rel_tol=0.03,
            explain="S ≈ −1 in a pure roofline regime; fixed overheads (dispatch, per-layer tax) pull it toward 0.",
        ),
        Question(
            id="q_req_bw",
            prompt="Synthesis: to generate one {synth_model} token (fp16) every {target_ms} ms, what memory "
                   "bandwidth must a device have at least? (e.g. 1.6 TB/s)",
            unit="GB/s", expected=lambda v: _synth(v).required_bw, rel_tol=0.02,
            explain="BW_req = |W| / T_target: every weight byte is read once per token.",
        ),
        Question(
            id="q_req_flops",
            prompt="And what peak FLOP/s (at η = 0.5) does a batch of {synth_batch} sequences need to meet the same "
                   "{target_ms} ms per step? (e.g. 40 TFLOP/s)",
            unit="TFLOP/s", expected=lambda v: _synth(v).required_flops, rel_tol=0.02,
            explain="Peak_req = OPs·B / (T_target·η): compute grows with the batch, bandwidth does not.",
        ),
    ),
)
