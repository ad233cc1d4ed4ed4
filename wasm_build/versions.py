"""Pinned versions of everything shipped to the browser, read from ``requirements/browser.txt``.

That file is the one place that pins Pyodide, marimo(-base) and every wheel; this module only parses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
BROWSER_TXT = ROOT / "requirements" / "browser.txt"
DEV_TXT = ROOT / "requirements" / "dev.txt"

KINDS = ("npm", "pure", "wasm", "purebuild")
# Compiled wheels for Pyodide 314 (Python 3.14, emscripten 5.0.3) carry this platform tag on PyPI.
WASM_PLATFORM = "pyemscripten_2026_0_wasm32"
PY_VERSION = "3.14"
ABI = "cp314"

_LINE = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[A-Za-z0-9.+!_-]+)\s*#\s*(?P<kind>[a-z]+)\b")


@dataclass(frozen=True)
class Pin:
    name: str  # canonical (PEP 503) name
    version: str
    kind: str

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


def parse(path: Path = BROWSER_TXT) -> list[Pin]:
    pins: list[Pin] = []
    seen: set[str] = set()
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m or m["kind"] not in KINDS:
            raise ValueError(f"{path}:{n}: expected `name==version  # kind` with kind in {KINDS}: {raw!r}")
        name = canonicalize_name(m["name"])
        if name in seen:
            raise ValueError(f"{path}:{n}: {name} pinned twice")
        seen.add(name)
        pins.append(Pin(name, m["version"], m["kind"]))
    return pins


PINS: list[Pin] = parse()
BY_NAME: dict[str, Pin] = {p.name: p for p in PINS}
PYODIDE_VERSION: str = BY_NAME["pyodide"].version
MARIMO_VERSION: str = BY_NAME["marimo-base"].version
WHEEL_PINS: list[Pin] = [p for p in PINS if p.kind != "npm"]


def dev_pin(name: str, path: Path = DEV_TXT) -> str | None:
    """Version of ``name`` pinned in requirements/dev.txt (None if absent)."""
    want = canonicalize_name(name)
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if "==" in line:
            n, v = line.split("==", 1)
            if canonicalize_name(n.strip()) == want:
                return v.strip().split(";")[0].strip()
    return None
