"""Registry machinery shared by every zoo: lazily built, declarative groups of named entries.

A :class:`Group` holds *rows* (compact declarative data: dicts of strings such as ``"989.4 TFLOP/s"``)
and a *builder* that turns one row into an engine object (``HardwareNode``, ``TransformerWorkload`` …).
Entries are built on first access and cached, so ``import mlsysim_core.zoo`` costs almost nothing and
pydantic validation is paid only for the entries a lab actually touches.

A :class:`Zoo` is a set of groups (``Hardware.Cloud``, ``Hardware.Edge`` …) with flat look-up across
them (``Hardware.H100`` and ``Hardware.get("h100")`` both work).

Both expose the same read-only API::

    group.H100                       # attribute access (exact key)
    group.get("h100")                # case-insensitive; also by display name ("NVIDIA H100 SXM5")
    group.names()                    # keys in declaration order
    list(group), len(group), "H100" in group
    group.list(sort_by="peak_flops", descending=True, where=lambda hw: hw.category == "cloud")
    group.table(["peak_flops", "memory.bandwidth"])   # plain dict rows for display

Unknown names raise :class:`UnknownEntryError` (both a ``KeyError`` and an ``AttributeError``) whose
message lists the closest known names (``difflib``).
"""

from __future__ import annotations

import builtins
import re
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

__all__ = ["Group", "Zoo", "UnknownEntryError", "field_value", "sort_value"]

# Short names accepted by list(sort_by=...) / table(fields=...), mapped to attribute paths.
FIELD_ALIASES: dict[str, str] = {
    "peak_flops": "compute.peak_flops",
    "peak": "compute.peak_flops",
    "memory_bandwidth": "memory.bandwidth",
    "mem_bw": "memory.bandwidth",
    "memory_capacity": "memory.capacity",
    "capacity": "memory.capacity",
    "scale_up_bandwidth": "scale_up.bandwidth",
    "host_bandwidth": "interconnect.bandwidth",
    "year": "release_year",
    "carbon": "carbon_intensity",
    "price": "electricity_price",
}

_MISSING = object()


class UnknownEntryError(KeyError, AttributeError):
    """An unknown zoo name. A ``KeyError`` (for ``get``) and an ``AttributeError`` (so ``hasattr`` and
    ``getattr(zoo, name, default)`` behave); the message lists close matches."""

    def __init__(self, message: str, name: str = ""):
        super().__init__(message)
        self.message = message
        self.lookup = name

    def __str__(self) -> str:
        return self.message


def _norm(name: str) -> str:
    """Normalised look-up key: lower case, letters and digits only (``"TPU v5p"`` → ``"tpuv5p"``)."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def field_value(entry: Any, path: str) -> Any:
    """Value of ``path`` (dotted attribute path or an alias in :data:`FIELD_ALIASES`) on ``entry``.

    Zero-argument methods (e.g. ``ridge_point``) are called. Returns ``_MISSING`` when absent.
    """
    for candidate in (path, FIELD_ALIASES.get(path)):
        if candidate is None:
            continue
        obj = entry
        ok = True
        for part in candidate.split("."):
            if obj is None:
                ok = False
                break
            nxt = getattr(obj, part, _MISSING)
            if nxt is _MISSING and isinstance(obj, Mapping):
                nxt = obj.get(part, _MISSING)
            if nxt is _MISSING:
                ok = False
                break
            obj = nxt
        if ok:
            if callable(obj) and not isinstance(obj, type):
                try:
                    obj = obj()
                except TypeError:
                    return _MISSING
            return obj
    return _MISSING


def sort_value(value: Any) -> Any:
    """Comparable form of a field value: Quantities by magnitude in base units; None stays None."""
    if value is None or value is _MISSING:
        return None
    if hasattr(value, "to_base_units") and hasattr(value, "magnitude"):
        return float(value.to_base_units().magnitude)
    return value


def _display(value: Any) -> Any:
    """Plain (JSON-friendly) form of a field value for :meth:`table` rows."""
    if value is _MISSING:
        return None
    if hasattr(value, "magnitude") and hasattr(value, "units"):
        return f"{float(value.magnitude):.4g} {value.units:~P}"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return getattr(value, "name", str(value))


class _Listing:
    """Shared read-only API of :class:`Group` and :class:`Zoo` (needs ``_items`` and ``_lookup``)."""

    _label: str
    _default_fields: tuple[str, ...] = ()

    # --- to be provided -------------------------------------------------------------------------
    def _items(self) -> Iterator[tuple[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _lookup(self, name: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _candidates(self) -> builtins.list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- public API ------------------------------------------------------------------------------
    def get(self, name: str, default: Any = _MISSING) -> Any:
        """Entry by key or display name, case- and punctuation-insensitive (``"h100"``, ``"TPU v5p"``).

        Raises :class:`UnknownEntryError` listing close matches unless ``default`` is given.
        """
        found = self._lookup(name) if isinstance(name, str) else _MISSING
        if found is not _MISSING:
            return found
        if default is not _MISSING:
            return default
        raise self._unknown(name)

    def names(self) -> builtins.list[str]:
        """Keys in declaration order."""
        return [k for k, _ in self._items()]

    def items(self) -> builtins.list[tuple[str, Any]]:
        """``(key, entry)`` pairs in declaration order (builds every entry)."""
        return builtins.list(self._items())

    def __iter__(self) -> Iterator[Any]:
        return (entry for _, entry in self._items())

    def __len__(self) -> int:
        return len(self.names())

    def __contains__(self, item: Any) -> bool:
        if isinstance(item, str):
            return self._lookup(item) is not _MISSING
        return any(entry is item or entry == item for entry in self)

    def __dir__(self) -> builtins.list[str]:
        return sorted(set(super().__dir__()) | set(self.names()))

    def list(
        self,
        sort_by: Optional[str | Callable[[Any], Any]] = None,
        *,
        descending: bool = False,
        where: Optional[Callable[[Any], bool]] = None,
    ) -> builtins.list[Any]:
        """Entries (optionally filtered by ``where``) sorted by a field.

        ``sort_by`` is a dotted path (``"memory.capacity"``), an alias (``"peak_flops"``,
        ``"memory_bandwidth"``, ``"release_year"``), a zero-argument method name (``"ridge_point"``), or a
        callable. Quantities compare by magnitude in base units. Entries without the field go last.
        """
        entries = [e for e in self if where is None or where(e)]
        if sort_by is None:
            return entries
        if callable(sort_by):
            keyed = [(sort_value(sort_by(e)), e) for e in entries]
        else:
            raw = [(field_value(e, sort_by), e) for e in entries]
            if entries and all(v is _MISSING for v, _ in raw):
                raise ValueError(
                    f"{self._label}: unknown field {sort_by!r}; use a dotted path such as 'memory.capacity' "
                    f"or one of the aliases {', '.join(sorted(FIELD_ALIASES))}"
                )
            keyed = [(sort_value(v), e) for v, e in raw]
        present = [(v, e) for v, e in keyed if v is not None]
        missing = [e for v, e in keyed if v is None]
        present.sort(key=lambda t: t[0], reverse=descending)
        return [e for _, e in present] + missing

    def table(
        self, fields: Optional[Iterable[str]] = None, *, sort_by: Optional[str] = None, descending: bool = False
    ) -> builtins.list[dict]:
        """Plain ``dict`` rows (``key``, ``name`` and each field, quantities as strings) for display."""
        fields = tuple(fields) if fields is not None else self._default_fields
        key_of = {id(e): k for k, e in self._items()}
        rows = []
        for entry in self.list(sort_by, descending=descending):
            row = {"key": key_of.get(id(entry)), "name": getattr(entry, "name", None)}
            for f in fields:
                row[f] = _display(field_value(entry, f))
            rows.append(row)
        return rows

    # --- helpers ---------------------------------------------------------------------------------
    def _unknown(self, name: Any) -> UnknownEntryError:
        import difflib  # only on the error path

        pool = self._candidates()
        by_norm: dict[str, str] = {}
        for cand in pool:
            by_norm.setdefault(_norm(cand), cand)
        close = difflib.get_close_matches(str(name), pool, n=5, cutoff=0.5)
        for match in difflib.get_close_matches(_norm(str(name)), builtins.list(by_norm), n=5, cutoff=0.5):
            if by_norm[match] not in close:
                close.append(by_norm[match])
        hint = f" Did you mean: {', '.join(close[:5])}?" if close else ""
        return UnknownEntryError(
            f"{self._label} has no entry {name!r}.{hint} Known: {', '.join(self.names())}", str(name)
        )


class Group(_Listing):
    """A named, declarative table of entries built lazily from rows.

    Parameters
    ----------
    label:   dotted display name (``"Hardware.Cloud"``).
    rows:    ``{key: row}`` in display order; a row is whatever ``build`` understands. If a row is a
             mapping with a ``"name"`` item, that display name is searchable by :meth:`get`.
    build:   ``build(key, row) -> entry``; called once per key, on first access.
    doc:     one-line description shown by ``repr``/``help``.
    provenance: optional ``{key: Provenance}`` (or a zero-argument callable returning it, called on first
             use) for entry types without a ``provenance`` field.
    default_fields: fields shown by :meth:`table` when none are given.
    """

    def __init__(
        self,
        label: str,
        rows: Mapping[str, Any],
        build: Callable[[str, Any], Any],
        *,
        doc: str = "",
        provenance: Optional[Mapping[str, Any] | Callable[[], Mapping[str, Any]]] = None,
        default_fields: Iterable[str] = (),
    ):
        object.__setattr__(self, "_label", label)
        object.__setattr__(self, "_rows", dict(rows))
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_cache", {})
        object.__setattr__(self, "_doc", doc)
        object.__setattr__(self, "_provenance", provenance if provenance is not None else {})
        object.__setattr__(self, "_default_fields", tuple(default_fields))
        index: dict[str, str] = {}
        for key, row in self._rows.items():
            index.setdefault(_norm(key), key)
        for key, row in self._rows.items():
            display = row.get("name") if isinstance(row, Mapping) else getattr(row, "name", None)
            if display:
                index.setdefault(_norm(display), key)
        object.__setattr__(self, "_index", index)

    # entries -------------------------------------------------------------------------------------
    def _entry(self, key: str) -> Any:
        entry = self._cache.get(key)
        if entry is None:
            entry = self._build(key, self._rows[key])
            self._cache[key] = entry
        return entry

    def _items(self) -> Iterator[tuple[str, Any]]:
        for key in self._rows:
            yield key, self._entry(key)

    def _lookup(self, name: str) -> Any:
        if name in self._rows:
            return self._entry(name)
        key = self._index.get(_norm(name))
        return self._entry(key) if key is not None else _MISSING

    def _candidates(self) -> builtins.list[str]:
        names = builtins.list(self._rows)
        for row in self._rows.values():
            display = row.get("name") if isinstance(row, Mapping) else None
            if display:
                names.append(display)
        return names

    def names(self) -> builtins.list[str]:
        return builtins.list(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def has_key(self, key: str) -> bool:
        """Exact-key membership without building the entry."""
        return key in self._rows

    def key_of(self, entry: Any) -> Optional[str]:
        """The key under which ``entry`` is registered (``None`` if it is not one of ours)."""
        for key, cached in self._cache.items():
            if cached is entry:
                return key
        return None

    def provenance_of(self, key: str) -> Any:
        """Provenance of an entry: its own ``provenance`` field, else the group's side table."""
        entry = self.get(key)
        own = getattr(entry, "provenance", None)
        if own is not None:
            return own
        table = self._provenance
        if callable(table):  # built lazily on first use
            table = table()
            object.__setattr__(self, "_provenance", table)
        return table.get(self.key_of(entry) or key)

    # attribute access ----------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("_"):
            raise AttributeError(name)
        rows = self.__dict__.get("_rows")
        if rows is not None and name in rows:
            return self._entry(name)
        raise self._unknown(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._label} is read-only")

    def __repr__(self) -> str:
        return f"<{self._label}: {len(self._rows)} entries>"

    @property
    def label(self) -> str:
        return self._label

    @property
    def doc(self) -> str:
        return self._doc


class Zoo(_Listing):
    """A set of :class:`Group` s with flat look-up across them (``Hardware.H100`` searches every group)."""

    def __init__(self, label: str, groups: Mapping[str, Group], *, doc: str = "", default_fields: Iterable[str] = ()):
        object.__setattr__(self, "_label", label)
        object.__setattr__(self, "_groups", dict(groups))
        object.__setattr__(self, "_doc", doc)
        object.__setattr__(self, "_default_fields", tuple(default_fields))

    @property
    def groups(self) -> dict[str, Group]:
        """``{group name: Group}``."""
        return dict(self._groups)

    def group_of(self, name: str) -> Optional[str]:
        """Name of the group holding entry ``name`` (case-insensitive), or ``None``."""
        for gname, group in self._groups.items():
            if group._lookup(name) is not _MISSING:
                return gname
        return None

    def _items(self) -> Iterator[tuple[str, Any]]:
        seen: set[str] = set()
        for group in self._groups.values():
            for key, entry in group._items():
                if key not in seen:
                    seen.add(key)
                    yield key, entry

    def names(self) -> builtins.list[str]:
        out: builtins.list[str] = []
        for group in self._groups.values():
            out.extend(k for k in group.names() if k not in out)
        return out

    def _lookup(self, name: str) -> Any:
        for group in self._groups.values():  # exact keys first, then normalised names
            if group.has_key(name):
                return group._entry(name)
        for group in self._groups.values():
            found = group._lookup(name)
            if found is not _MISSING:
                return found
        return _MISSING

    def _candidates(self) -> builtins.list[str]:
        out: builtins.list[str] = builtins.list(self._groups)
        for group in self._groups.values():
            out.extend(group._candidates())
        return out

    def __contains__(self, item: Any) -> bool:
        if isinstance(item, str) and item in self._groups:
            return False  # groups are not entries
        return super().__contains__(item)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        groups = self.__dict__.get("_groups", {})
        if name in groups:
            return groups[name]
        for group in groups.values():
            if group.has_key(name):
                return group._entry(name)
        raise self._unknown(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._label} is read-only")

    def __dir__(self) -> builtins.list[str]:
        return sorted(set(super().__dir__()) | set(self._groups))

    def __repr__(self) -> str:
        parts = ", ".join(f"{g}={len(grp)}" for g, grp in self._groups.items())
        return f"<{self._label}: {parts}>"

    @property
    def label(self) -> str:
        return self._label

    @property
    def doc(self) -> str:
        return self._doc
