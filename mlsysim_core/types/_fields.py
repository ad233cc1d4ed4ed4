"""Pydantic field types for pint quantities, checked by kind (dimension), finiteness and sign."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema

from ..units import Quantity, as_quantity, si

__all__ = ["QuantityOf", "Provenance", "Frozen"]


def QuantityOf(kind: str, *, allow_zero: bool = False, positive: bool = True) -> Any:
    """Annotated type: a Quantity of ``kind`` (strings such as ``"80 GiB"`` are parsed).

    Rejects wrong dimensions, NaN/inf, negatives, and zero unless ``allow_zero``.
    """

    def _validate(v: Any, info) -> Any:
        name = info.field_name or kind
        si(v, kind, name=name, positive=positive, allow_zero=allow_zero)
        return as_quantity(v, kind, name=name)

    return Annotated[
        Quantity,
        BeforeValidator(_validate),
        PlainSerializer(lambda q: f"{q:~P}" if q is not None else None, return_type=str),
        WithJsonSchema({"type": "string", "description": f"quantity of {kind}"}),
    ]


class Frozen(BaseModel):
    """Base for immutable, strictly-validated engine types."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, validate_default=True)


class Provenance(Frozen):
    """Where a zoo number comes from: a source URL, the date it was checked, and what kind of source."""

    source: str
    verified: _dt.date
    kind: Literal["datasheet", "paper", "vendor", "estimate", "derived", "government", "dataset"] = "datasheet"
    notes: str = ""
