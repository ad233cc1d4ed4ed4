"""Deterministic per-student variants.

The variant a student sees is a pure function of (lab id, student id), identical in CPython and in
Pyodide (only ``hashlib.sha256`` and integer arithmetic):

* ``normalize(student_id) = student_id.strip().casefold()`` (so "Ada " and "ada" share a variant);
* ``seed = sha256(f"{lab_id}\\x1f{normalize(student_id)}").hexdigest()[:16]``;
* for each parameter ``p`` of ``lab.variant_space`` (a dict ``p -> tuple of choices``), its choice is
  ``choices[int(sha256(f"{seed}\\x1f{p}").hexdigest()[:16], 16) % len(choices)]`` — independent of
  the order of the parameters, so adding a parameter never reshuffles the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["Variant", "make_variant", "normalize_student", "variant_seed", "choose_params", "MAX_STUDENT_LEN"]

MAX_STUDENT_LEN = 64


def normalize_student(student_id: str) -> str:
    """Canonical form of a student id for variants and de-duplication: stripped and casefolded."""
    return student_id.strip().casefold()


def variant_seed(lab_id: str, student_id: str) -> str:
    return hashlib.sha256(f"{lab_id}\x1f{normalize_student(student_id)}".encode("utf-8")).hexdigest()[:16]


def choose_params(seed: str, space: Mapping[str, tuple]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    sha256, from_bytes = hashlib.sha256, int.from_bytes
    for name, choices in space.items():
        # the first 8 bytes of the digest, big-endian: the same number as its first 16 hex digits
        h = from_bytes(sha256(f"{seed}\x1f{name}".encode("utf-8")).digest()[:8], "big")
        params[name] = choices[h % len(choices)]
    return params


@dataclass(frozen=True)
class Variant:
    """One student's variant of a lab: ``params`` feed the question prompts and expected values."""

    lab_id: str
    student_id: str
    seed: str
    params: dict = field(default_factory=dict)
    _key: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self):
        # the repr of (lab id, sorted (name, repr(value)) pairs): text, so that its hash is computed once (the
        # expected-value caches look a variant up several times per question)
        key = repr((self.lab_id, tuple(sorted([(k, repr(v)) for k, v in self.params.items()]))))
        object.__setattr__(self, "_key", key)

    def __getitem__(self, name: str):
        return self.params[name]

    def key(self) -> str:
        """Hashable identity of the variant's content (lab id + params, values compared by ``repr``), for
        caching expected values."""
        return self._key

    def to_json(self) -> dict:
        return {"seed": self.seed, "params": dict(self.params)}


def make_variant(lab, student_id: str) -> Variant:
    """The variant of ``lab`` (a :class:`~mlsys_labs.questions.LabSpec`, or anything with ``id`` and
    ``variant_space``) for ``student_id``."""
    if not isinstance(student_id, str) or not normalize_student(student_id):
        raise ValueError("student id must be a non-empty string")
    seed = variant_seed(lab.id, student_id)
    return Variant(lab_id=lab.id, student_id=student_id.strip(), seed=seed, params=choose_params(seed, lab.variant_space))
