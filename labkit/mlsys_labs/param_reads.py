"""Values cached by the variant parameters a function actually reads.

A question's ``expected(variant)`` usually reads a few of the lab's parameters (lab 13's queueing question
reads 2 of 7), so caching it per whole variant recomputes the same value for every combination of the
parameters it ignores. :class:`ParamReadCache` caches a pure function of a variant by the parameters it read:

* the function is called with a :class:`RecordingVariant`, a :class:`~mlsys_labs.variants.Variant` that
  records every ``v["name"]`` it answers (name and value, in order);
* any other use of the variant's content — ``params``, ``seed``, ``student_id``, ``key()``, ``to_json()``,
  equality, hashing, ``repr`` … — marks the value as depending on the whole variant, and it is not cached
  here (the caller's per-variant cache still applies);
* the reads are stored as a decision tree: the first parameter read, then per value of it the next one
  read, and so on to the value. A deterministic function reads the same next parameter whenever the
  values read so far are the same, so a lookup walks the tree with the variant's own values and finds
  exactly the value the function would return.

Parameter values are compared by ``repr`` (``1``, ``1.0`` and ``True`` stay apart), as in
:meth:`Variant.key`. A function whose reads contradict the tree (it is not deterministic) is not cached.
"""

from __future__ import annotations

from typing import Any, Callable

from .variants import Variant

__all__ = ["ParamReadCache", "RecordingVariant", "MISSING"]

MISSING = object()
_ALLOWED = frozenset({"lab_id", "_reads", "_whole", "__class__", "__getitem__"})  # reading these marks nothing


class RecordingVariant(Variant):
    """A variant that records the parameters read through ``v["name"]`` (built like a Variant, e.g. by
    :meth:`of`; ``dataclasses.replace`` and copies work as on a Variant, and compare equal to one)."""

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "_reads", {})
        object.__setattr__(self, "_whole", False)

    @classmethod
    def of(cls, variant: Variant) -> "RecordingVariant":
        return cls(lab_id=variant.lab_id, student_id=variant.student_id, seed=variant.seed, params=variant.params)

    def __getattribute__(self, name: str):
        if name not in _ALLOWED:
            object.__setattr__(self, "_whole", True)
        return object.__getattribute__(self, name)

    def __eq__(self, other):
        object.__setattr__(self, "_whole", True)
        if not isinstance(other, Variant):
            return NotImplemented
        mine = object.__getattribute__
        return (mine(self, "lab_id"), mine(self, "student_id"), mine(self, "seed"), mine(self, "params")) == (
            other.lab_id, other.student_id, other.seed, other.params)

    __hash__ = Variant.__hash__

    def __getitem__(self, name: str):
        value = object.__getattribute__(self, "params")[name]
        reads = object.__getattribute__(self, "_reads")
        if name not in reads:
            reads[name] = repr(value)
        return value


class _Read:
    """A tree node: the parameter read next, and the subtree per value of it (a leaf is the cached value)."""

    __slots__ = ("name", "children")

    def __init__(self, name: str):
        self.name = name
        self.children: dict = {}


class ParamReadCache:
    """Cache of ``fn(variant)`` by the parameters it reads (see the module docstring); at most ``max_values``
    values (then it starts over)."""

    def __init__(self, max_values: int = 8192):
        self.max_values = max_values
        self._roots: dict = {}  # lab id → _Read or the value of a function that read no parameter
        self._count = 0

    def get(self, variant: Variant) -> Any:
        """The cached value for ``variant``, or :data:`MISSING`."""
        node = self._roots.get(variant.lab_id, MISSING)
        params = variant.params
        while type(node) is _Read:
            if node.name not in params:
                return MISSING
            node = node.children.get(repr(params[node.name]), MISSING)
        return node

    def compute(self, fn: Callable[[Variant], Any], variant: Variant, convert: Callable[[Any], Any]) -> Any:
        """``convert(fn(variant))``, computed with a recording copy of the variant and cached by its reads
        when it read nothing else of the variant. Exceptions propagate; nothing is cached then."""
        recorder = RecordingVariant.of(variant)
        value = convert(fn(recorder))
        if not object.__getattribute__(recorder, "_whole"):
            self._store(variant.lab_id, object.__getattribute__(recorder, "_reads"), value)
        return value

    def _store(self, lab_id: str, reads: dict, value: Any) -> None:
        if self._count >= self.max_values:
            self._roots.clear()
            self._count = 0
        parent, slot = self._roots, lab_id
        for name, shown in reads.items():
            node = parent.get(slot, MISSING)
            if node is MISSING:
                node = parent[slot] = _Read(name)
            elif type(node) is not _Read or node.name != name:
                return  # reads that contradict the tree: not deterministic, not cached
            parent, slot = node.children, shown
        if slot not in parent:
            parent[slot] = value
            self._count += 1

    def clear(self) -> None:
        self._roots.clear()
        self._count = 0
