"""``Result.build`` (the fast constructor every resolver returns through) gives exactly the object pydantic's
``model_construct`` gives: same fields in the same order, same values and units, same ``model_fields_set``,
mutable defaults not shared between results."""

from __future__ import annotations

import pytest

from mlsysim_core import Hardware, Models, ServingModel, SingleNodeModel, SustainabilityModel, Systems
from mlsysim_core.resolvers.base import RESOLVERS, Result
from mlsysim_core.units import Quantity


def _results():
    h100, llama = Hardware.get("H100"), Models.get("Llama3_70B")
    yield ServingModel().solve(model=llama, hardware=h100, seq_len=2048, batch_size=1, tp_size=8)
    yield SingleNodeModel().solve(model=Models.get("Llama3_8B"), hardware=h100, batch_size=4)
    yield SustainabilityModel().solve(fleet=Systems.Clusters.get("Research_256"), duration_days=3)


@pytest.mark.parametrize("r", list(_results()), ids=lambda r: type(r).__name__)
def test_build_equals_model_construct(r):
    cls = type(r)
    given = {k: getattr(r, k) for k in r.model_fields_set}
    ref = cls.model_construct(**given)
    assert list(r.__dict__) == list(ref.__dict__) == list(cls.model_fields)
    assert r.model_fields_set == ref.model_fields_set
    assert r.model_dump() == ref.model_dump()
    for name, unit in cls.units().items():
        v = getattr(r, name)
        assert v is None or (isinstance(v, Quantity) and str(v.units) == str(getattr(ref, name).units)), name


def test_build_converts_base_unit_floats_and_copies_mutable_defaults():
    class _R(Result):
        from mlsysim_core.resolvers.base import Qty

        t: Qty("ms")
        n: int = 3
        notes: list[str] = []

    a, b = _R.build(t=0.25), _R.build(t=1.0, n=5)
    assert a.t.to("ms").magnitude == pytest.approx(250.0) and a.t.units == Quantity(1, "ms").units
    assert (a.n, b.n) == (3, 5) and a.model_fields_set == {"t"}
    assert a.notes == [] and a.notes is not b.notes and a.trace is not b.trace
    assert a.model_dump() == _R.model_construct(t=a.t).model_dump()


def test_every_result_type_takes_the_fast_path():
    """No result declares aliases or default factories, so none falls back to model_construct."""
    slow = [r.result_type.__name__ for r in RESOLVERS.values() if r.result_type._plain_fields is None]
    assert not slow, slow
