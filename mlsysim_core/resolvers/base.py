"""The one resolver protocol shared by all 25 resolvers, and the typed result base.

Every resolver is ``Resolver().solve(**typed_inputs) -> Result``:

* inputs are validated at the boundary (quantities → base-unit floats once, via
  :func:`mlsysim_core.units.si`; plain numbers via :mod:`mlsysim_core.validation`); bad input raises
  :class:`~mlsysim_core.validation.InputError` naming the field;
* the physics runs on floats;
* the result is a frozen pydantic model whose quantity fields declare their display unit with
  :func:`Qty`. :meth:`Result.build` wraps base-unit floats into those units without re-parsing.

An infeasible design is a *result* (``feasible=False``, ``binding_wall`` set), never an exception.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Optional, get_args

from pydantic import BaseModel, ConfigDict, PlainSerializer

from ..units import Quantity, UnitSpec

__all__ = ["Qty", "Result", "Resolver", "RESOLVERS"]


class _UnitMeta:
    __slots__ = ("spec",)

    def __init__(self, unit: str):
        self.spec = UnitSpec(unit)

    def __repr__(self) -> str:
        return f"unit={self.spec.text!r}"


def Qty(unit: str) -> Any:
    """Annotate a result field as a Quantity displayed in ``unit`` (e.g. ``Qty("ms")``)."""
    return Annotated[Quantity, _UnitMeta(unit), PlainSerializer(lambda q: f"{q:~P}", return_type=str)]


def _find_unit(metadata, annotation) -> UnitSpec | None:
    """The Qty() unit of a field, also inside Optional[Qty(...)] / Union[...]."""
    for meta in metadata:
        if isinstance(meta, _UnitMeta):
            return meta.spec
    for arg in get_args(annotation):
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, _UnitMeta):
                return meta.spec
    return None


_REQUIRED = object()


class Result(BaseModel):
    """Base of every resolver result.

    ``feasible`` — the design satisfies its hard constraints (memory, stability, SLA …);
    ``binding_wall`` — number of the wall that binds (limits performance or makes it infeasible);
    ``trace`` — human-readable reasoning steps ("Memory wall: 141 GB > 80 GiB on H100 …").
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, extra="forbid")

    feasible: bool = True
    binding_wall: Optional[int] = None
    trace: list[str] = []

    _units: ClassVar[dict[str, UnitSpec]] = {}
    #: (field name, default or _REQUIRED, display UnitSpec or None) in declaration order, when no field has an alias or a default
    #: factory (then :meth:`build` fills ``__dict__`` directly); ``None`` otherwise
    _plain_fields: ClassVar[Optional[tuple[tuple[str, Any], ...]]] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        units: dict[str, UnitSpec] = {}
        plain: list[tuple[str, Any, Optional[UnitSpec]]] | None = []
        for name, field in cls.model_fields.items():
            spec = _find_unit(field.metadata, field.annotation)
            if spec is not None:
                units[name] = spec
            if field.alias is not None or field.validation_alias is not None or field.default_factory is not None:
                plain = None
            elif plain is not None:
                plain.append((name, _REQUIRED if field.is_required() else field.default, spec))
        cls._units = units
        simple = plain is not None and cls.__pydantic_post_init__ is None and not cls.__private_attributes__
        cls._plain_fields = tuple(plain) if simple else None

    @classmethod
    def build(cls, **values: Any):
        """Construct from base-unit floats for quantity fields (others as-is), skipping re-validation.

        Same object as ``model_construct`` (fields in declaration order, mutable defaults copied, the given
        names as ``model_fields_set``), built in one pass without its per-field alias and factory lookups."""
        plain = cls._plain_fields
        if plain is None:
            for name, spec in cls._units.items():
                v = values.get(name)
                if v is not None and not isinstance(v, Quantity):
                    values[name] = spec(float(v))
            return cls.model_construct(**values)
        d: dict[str, Any] = {}
        given = 0
        for name, default, spec in plain:
            if name in values:
                v = values[name]
                if spec is not None and v is not None and not isinstance(v, Quantity):
                    v = spec(float(v))
                d[name] = v
                given += 1
            elif default is not _REQUIRED:
                d[name] = default.copy() if isinstance(default, (list, dict, set)) else default
        if given != len(values):  # a name that is not a field: let pydantic decide, as model_construct does
            return cls.model_construct(**{k: d.get(k, v) for k, v in values.items()})
        m = cls.__new__(cls)
        _set = object.__setattr__
        _set(m, "__dict__", d)
        _set(m, "__pydantic_fields_set__", set(values))
        _set(m, "__pydantic_extra__", None)
        _set(m, "__pydantic_private__", None)
        return m

    @classmethod
    def units(cls) -> dict[str, str]:
        """Field name → display unit text, for every quantity field."""
        return {k: v.text for k, v in cls._units.items()}

    def __getitem__(self, name: str) -> Any:
        """``result["ttft"]`` — the dict-style field access of upstream tutorials; same as ``result.ttft``."""
        if not isinstance(name, str) or name.startswith("_") or not hasattr(self, name):
            raise KeyError(name)
        return getattr(self, name)

    def to_row(self) -> dict[str, Any]:
        """Flat dict of plain Python values (quantity fields as magnitudes in their display unit),
        for tables, charts and JSON."""
        row: dict[str, Any] = {}
        for name in type(self).model_fields:
            v = getattr(self, name)
            if isinstance(v, Quantity):
                row[name] = float(v.magnitude)
            elif isinstance(v, (bool, int, float, str)) or v is None:
                row[name] = v
        return row


RESOLVERS: dict[str, type["Resolver"]] = {}


class Resolver:
    """Base class for models (forward, Y = f(X)), solvers (inverse/analysis) and optimizers (search).

    Subclasses set ``walls`` (the wall numbers they resolve), ``kind``, ``result_type`` and document the
    equation and its source in the class docstring; ``equation`` is a one-line summary of it.
    """

    walls: ClassVar[tuple[int, ...]] = ()
    kind: ClassVar[Literal["model", "solver", "optimizer"]] = "model"
    result_type: ClassVar[type[Result]] = Result
    equation: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            RESOLVERS[cls.__name__] = cls

    def solve(self, **kwargs: Any) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Machine-readable summary: name, kind, walls, equation, result fields with units."""
        return {
            "resolver": cls.__name__,
            "kind": cls.kind,
            "walls": list(cls.walls),
            "equation": cls.equation,
            "result": cls.result_type.__name__,
            "fields": cls.result_type.units(),
            "doc": (cls.__doc__ or "").strip(),
        }
