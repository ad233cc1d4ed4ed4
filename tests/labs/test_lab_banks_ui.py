"""The lab side of the banks: the notebook's sweeps are the engine's numbers, computed once per input."""

from __future__ import annotations

import pytest

import mlsysim_core as core
from mlsys_labs.banks import lab_01_memory_quantization as b01


def test_lab01_sweep_is_the_engine_and_cached():
    rows = b01.latency_sweep("Llama3_70B", "H100", "int4")
    assert b01.latency_sweep("Llama3_70B", "H100", "int4") is rows  # a slider move re-uses it
    r = core.SingleNodeModel().solve(model=core.Models.get("Llama3_70B"), hardware=core.Hardware.get("H100"),
                                     batch_size=64, precision="int4")
    got = next(x for x in rows if x["batch"] == 64 and x["precision"] == "int4")["latency_ms"]
    assert got == pytest.approx(r.latency.to("ms").magnitude, rel=1e-12)
    assert {x["precision"] for x in rows} == {"fp16", "int4"} and len(rows) == 2 * len(b01.SWEEP_BATCHES)


def test_lab01_footprints_one_solve_per_precision():
    rows, cap = b01.footprints("Llama3_8B", "A100")
    assert [x["what"] for x in rows] == [f"weights @ {p}" for p in b01.FOOTPRINT_PRECISIONS]
    assert cap == core.Hardware.get("A100").memory.capacity
    assert rows[0]["GB"] > rows[-1]["GB"] > 0  # int4 weights are smaller than fp16
