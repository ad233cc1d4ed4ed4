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
        q = as_quantity(v, kind, name=name)  # a string is parsed once, here
        si(q, kind, name=name, positive=positive, allow_zero=allow_zero)
        return q

    return Annotated[
        Quantity,
        BeforeValidator(_validate),
        PlainSerializer(lambda q: f"{q:~P}" if q is not None else None, return_type=str),
        WithJsonSchema({"type": "string", "description": f"quantity of {kind}"}),
    ]


class Frozen(BaseModel):
    """Base for immutable, strictly-validated engine types.

    Derived base-unit floats are cached on the instance (``functools.cached_property``); ``model_copy``
    re-validates ``update`` and drops those caches so a modified copy never reuses stale numbers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, validate_default=True)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False):
        if update:
            data = {name: getattr(self, name) for name in type(self).model_fields}
            data.update(update)
            return type(self).model_validate(data)
        copied = super().model_copy(deep=deep)
        for key in [k for k in copied.__dict__ if k not in type(self).model_fields]:
            del copied.__dict__[key]
        return copied


class Provenance(Frozen):
    """Where a zoo number comes from: a source URL, the date it was checked, and what kind of source."""

    source: str
    verified: _dt.date
    kind: Literal["datasheet", "paper", "vendor", "estimate", "derived", "government", "dataset"] = "datasheet"
    notes: str = ""
