"""Discover the lab notebooks, read their metadata, export them with marimo and point them at our runtime.

Discovery: ``labs/*.py`` except files starting with ``_``; lab id = file stem.
Metadata (title, walls, minutes, summary): ``mlsys_labs.catalog.LABS[lab_id]`` when importable, else the
notebook's module-level ``__lab__ = {...}`` literal, else marimo's ``App(app_title=...)``, else the stem.
The notebook is read with ``ast`` only (never executed by the build).
"""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .versions import ROOT

LABS_DIR = ROOT / "labs"


@dataclass(frozen=True)
class LabInfo:
    id: str
    path: Path
    title: str
    walls: tuple[int, ...]
    minutes: int | None
    summary: str = ""

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "walls": list(self.walls), "minutes": self.minutes,
                "summary": self.summary, "page": f"labs/{self.id}.html"}


def discover(labs_dir: Path = LABS_DIR) -> list[Path]:
    return sorted(p for p in labs_dir.glob("*.py") if not p.name.startswith("_"))


def _notebook_meta(path: Path) -> dict:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    meta: dict = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
            if target == "__lab__":
                try:
                    meta.update(ast.literal_eval(value))
                except ValueError as e:
                    raise ValueError(f"{path}: __lab__ must be a literal dict: {e}") from None
            elif target == "app" and isinstance(value, ast.Call):
                for kw in value.keywords:
                    if kw.arg == "app_title" and isinstance(kw.value, ast.Constant):
                        meta.setdefault("title", kw.value.value)
    return meta


def _catalog() -> dict:
    try:
        from mlsys_labs.catalog import LABS  # type: ignore
    except Exception:
        return {}
    return dict(LABS)


def lab_info(path: Path, catalog: dict | None = None) -> LabInfo:
    lab_id = path.stem
    meta = _notebook_meta(path)
    spec = (catalog if catalog is not None else _catalog()).get(lab_id)
    if spec is not None:
        for key in ("title", "walls", "minutes", "summary"):
            val = getattr(spec, key, None)
            if val is not None:
                meta[key] = val
    walls = tuple(int(w) for w in meta.get("walls", ()) or ())
    minutes = meta.get("minutes")
    return LabInfo(lab_id, path, str(meta.get("title") or lab_id.replace("_", " ")), walls,
                   int(minutes) if minutes is not None else None, str(meta.get("summary") or ""))


def all_labs(labs_dir: Path = LABS_DIR) -> list[LabInfo]:
    catalog = _catalog()
    return [lab_info(p, catalog) for p in discover(labs_dir)]


def export(lab: LabInfo, out_dir: Path) -> Path:
    """``marimo export html-wasm --mode run`` into ``out_dir`` (marimo needs ``uv`` on PATH)."""
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), MARIMO_SKIP_UPDATE_CHECK="1")
    if shutil.which("uv", path=env["PATH"]) is None:
        raise RuntimeError("`marimo export html-wasm` needs `uv` on PATH: pip install -r requirements/dev.txt")
    cmd = [sys.executable, "-m", "marimo", "-q", "export", "html-wasm", str(lab.path), "-o", str(out_dir),
           "--mode", "run", "--no-show-code", "-f"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    if p.returncode != 0 or not (out_dir / "index.html").exists():
        raise RuntimeError(f"exporting {lab.path.name} failed:\n{p.stdout}\n{p.stderr}")
    return out_dir / "index.html"


_WASM_TAG = re.compile(r"<marimo-wasm\b[^>]*>")
_MANIFEST_LINK = re.compile(r'\s*<link rel="manifest"[^>]*>')
_DESC = re.compile(r'<meta name="description" content="[^"]*"\s*/?>')
_TITLE = re.compile(r"<title>.*?</title>", re.S)

SW_SNIPPET = '<script src="../register.js"></script>'


def patch_page(text: str, lab: LabInfo) -> str:
    """Point the page at ``../pyodide/`` (runtime + lockfile, and a local package index that has nothing
    else: an unknown import fails in the page instead of reaching PyPI); register the service worker."""
    tag = ('<marimo-wasm hidden="" data-pyodide-index-url="../pyodide/" '
           'data-pyodide-lockfile-url="../pyodide/pyodide-lock.json" '
           'data-pypi-index-url="../pyodide/pypi/{package_name}/json">')
    text, n = _WASM_TAG.subn(tag, text, count=1)
    if n != 1:
        raise RuntimeError(f"{lab.id}: no <marimo-wasm> element in the exported page (marimo changed?)")
    text = _MANIFEST_LINK.sub("", text)
    text = _DESC.sub(f'<meta name="description" content="{html.escape(lab.title)} — MLSys·im lab" />', text)
    if _TITLE.search(text):
        text = _TITLE.sub(f"<title>{html.escape(lab.title)}</title>", text, count=1)
    else:
        text = text.replace("</head>", f"<title>{html.escape(lab.title)}</title>\n</head>", 1)
    return text.replace("</body>", SW_SNIPPET + "\n</body>", 1)


def merge_shared(export_dir: Path, site_labs: Path) -> list[str]:
    """Move ``assets/`` and the icons of one export into the shared ``site_labs`` folder. Identical files
    are shared; a same-named file with different bytes is an error (two marimo versions mixed)."""
    conflicts = []
    for src in sorted(export_dir.rglob("*")):
        if src.is_dir():
            continue
        rel = src.relative_to(export_dir)
        if rel.name == "index.html" and len(rel.parts) == 1 or rel.name in {"CLAUDE.md"}:
            continue
        dst = site_labs / rel
        if dst.exists():
            if dst.read_bytes() != src.read_bytes():
                conflicts.append(str(rel))
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return conflicts
