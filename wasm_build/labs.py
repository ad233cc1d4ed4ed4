"""Discover the lab notebooks, read their metadata, export them with marimo and point them at our runtime.

Discovery: ``labs/*.py`` except files starting with ``_``; lab id = file stem.
Metadata (title, walls, minutes, summary): ``mlsys_labs.catalog.LABS[lab_id]`` when importable, else the
notebook's module-level ``__lab__ = {...}`` literal, else marimo's ``App(app_title=...)``, else the stem.
The notebook is read with ``ast`` only (never executed by the build).
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
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


def prerender_enabled() -> bool:
    """On unless ``MLSYS_PRERENDER=0``. A pre-rendered control is a picture of the real one until the kernel has
    run every cell once (a slider moved before that would be redrawn at its start value), so the page holds
    every control ``inert`` until then and says so (site/boot-status.js)."""
    return os.environ.get("MLSYS_PRERENDER", "1") != "0"


def export(lab: LabInfo, out_dir: Path, prerender: bool | None = None) -> Path:
    """``marimo export html-wasm --mode run`` into ``out_dir`` (marimo needs ``uv`` on PATH).

    With ``prerender`` (default: on, ``MLSYS_PRERENDER=0`` turns it off, see :func:`prerender_enabled`) marimo's ``--execute`` runs the notebook once
    in this CPython and embeds every cell's output in the page, so the student reads the lab while Python
    starts in the browser; the engine is deterministic, so the kernel's first outputs are the same. It runs
    in this environment (``--no-sandbox``: the repo's packages are installed here) with an empty progress
    store (``MLSYS_LABS_HOME``), as a first visit sees it."""
    prerender = prerender_enabled() if prerender is None else prerender
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), MARIMO_SKIP_UPDATE_CHECK="1")
    if shutil.which("uv", path=env["PATH"]) is None:
        raise RuntimeError("`marimo export html-wasm` needs `uv` on PATH: pip install -r requirements/dev.txt")
    cmd = [sys.executable, "-m", "marimo", "-q", "export", "html-wasm", str(lab.path), "-o", str(out_dir),
           "--mode", "run", "--no-show-code", "-f"]
    if prerender:
        cmd += ["--execute", "--no-sandbox"]
        env["MLSYS_LABS_HOME"] = str(out_dir.parent / f".{lab.id}-home")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    if p.returncode != 0 or not (out_dir / "index.html").exists():
        raise RuntimeError(f"exporting {lab.path.name} failed:\n{p.stdout}\n{p.stderr}")
    return out_dir / "index.html"


_WASM_TAG = re.compile(r"<marimo-wasm\b[^>]*>")
_MANIFEST_LINK = re.compile(r'\s*<link rel="manifest"[^>]*>')
_DESC = re.compile(r'<meta name="description" content="[^"]*"\s*/?>')
_TITLE = re.compile(r"<title>.*?</title>", re.S)
_STYLESHEET = re.compile(r'\s*<link rel="stylesheet"[^>]*>')
_CHARSET = re.compile(r'<meta charset="[^"]*"\s*/?>')
_HEAD = re.compile(r"<head\b[^>]*>")
_MODULEPRELOAD = re.compile(r'\s*<link rel="modulepreload" crossorigin href="(\./assets/[^"<>\\]+\.js)"\s*/?>')
# after the first frame with the narrative, the module preloads go in (requestAnimationFrame runs before that
# frame is painted; its timeout after it); a hidden tab gets no frames, so a timer starts them as well
_DEFERRED_PRELOADS = (
    '<script>(function(){{var hrefs={hrefs},done=false;function go(){{if(done)return;done=true;'
    'for(var i=0;i<hrefs.length;i++){{var l=document.createElement("link");l.rel="modulepreload";'
    'l.crossOrigin="anonymous";l.href=hrefs[i];document.head.appendChild(l);}}}}'
    'requestAnimationFrame(function(){{setTimeout(go,0);}});setTimeout(go,1000);}})();</script>')

SW_SNIPPET = '<script src="../register.js"></script>\n<script src="../boot-status.js"></script>'
SITE_SRC = ROOT / "site"
# in every lab page (copied by the site step): the accessibility layer (site/lab-a11y.css, site/lab-a11y.js) and the
# report's chart images (site/lab-report.js)
PAGE_INCLUDES = ('<link rel="stylesheet" href="../lab-a11y.css"><script src="../lab-a11y.js" defer></script>'
                 '<script src="../lab-report.js" defer></script>')


_RANDOM_ID = re.compile(r"random-id=(\\?['\"])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def stable_random_ids(text: str, lab_id: str) -> str:
    """marimo gives each UI element of the pre-rendered outputs a ``random-id`` from an unseeded generator;
    the kernel in the browser draws its own anyway. Replace each by a UUID derived from the lab id and its
    order of appearance, so two builds of the same tree give the same bytes."""
    seen: dict[str, str] = {}

    def sub(m: re.Match) -> str:
        new = seen.setdefault(m.group(2), str(uuid.uuid5(uuid.NAMESPACE_URL, f"mlsys-labs/{lab_id}/{len(seen)}")))
        return f"random-id={m.group(1)}{new}"

    return _RANDOM_ID.sub(sub, text)


_SESSION = re.compile(r'"session":\s*')


def embedded_session(text: str) -> dict | None:
    """The pre-rendered outputs marimo embedded in an exported page (``"session": {...}`` in its mount
    config), or None."""
    import json

    for m in _SESSION.finditer(text):
        try:
            value, _ = json.JSONDecoder().raw_decode(text, m.end())
        except ValueError:
            continue
        if isinstance(value, dict) and "cells" in value:
            return value
    return None


def session_errors(session: dict) -> list[str]:
    """Cells whose pre-rendered output is an error (a student would read it before Python starts)."""
    bad = []
    for cell in session.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("ename") == "ancestor-stopped":  # below a mo.stop (a lab waiting for the prediction)
                continue
            if out.get("type") == "error" or any("error" in k for k in (out.get("data") or {})):
                bad.append(f"cell {cell.get('id')}: {str(out)[:200]}")
    return bad


# The preview's text sits where marimo's run-mode layout puts the same cells (measured at 390, 683 and 1366 px:
# marimo's --content-width-medium less its cell insets, its padding at each breakpoint), so the handover does
# not move the narrative sideways; cells that hold only widgets are empty in the preview, so at the handover the
# cells below them move down (boot-status.js keeps the cell the student is reading in place).
STATIC_CSS = ("<style>.mlsys-static{box-sizing:content-box;max-width:calc(var(--content-width-medium,1110px) - 29px);"
              "margin:0 auto;padding:0 18px 2rem}@media (min-width:640px){.mlsys-static{padding:28px 72px 2rem}}"
              "@media (min-width:768px){.mlsys-static{padding-inline:94px}}"
              "@media (min-width:1280px){.mlsys-static{padding-inline:110px}}"
              ".mlsys-static-cell{margin:0 0 1rem}.mlsys-static mlsys-static-tex{visibility:hidden}"
              ".mlsys-static mlsys-static-accordion{display:none}"  # collapsed in marimo
              # marimo's app, while the preview is on screen: laid out (so it can measure), not seen, not reached
              "#mlsys-preview~#root{position:absolute;top:0;left:0;right:0;opacity:0;pointer-events:none}</style>")
# marimo's custom elements (<marimo-slider>, <marimo-ui-element> …) renamed in the preview, so marimo never
# upgrades them: an upgraded copy would register a second instance of each UI element (its object-id) and
# the kernel would miss the student's changes to the real one
_MARIMO_TAG = re.compile(r"<(/?)marimo-")


def static_preview(session: dict) -> str:
    """Plain HTML of the pre-rendered outputs, placed just before ``#root``: the browser paints the narrative
    with the page's HTML and CSS alone, before marimo's JavaScript has arrived. It stays on screen until
    marimo's own view of the same outputs is visible (``site/boot-status.js`` then removes it), because marimo
    clears ``#root`` when it mounts, waits for its lazily loaded chunks and, in run mode, keeps its cells
    invisible for up to 2 s more: inside ``#root`` the preview left the page white for 3.9–5.6 s on the emulated
    Chromebook (README, Browser). Meanwhile ``#root`` is transparent and ``inert``. Widgets stay empty in the
    preview; formulas are hidden (KaTeX renders them in the page), accordions collapsed."""
    cells = []
    for cell in session.get("cells", []):
        parts = []
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            if out.get("type") != "data":
                continue
            if data.get("text/html") or data.get("text/markdown"):
                parts.append(data.get("text/html") or data.get("text/markdown"))
            elif (data.get("text/plain") or "").strip():
                parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
        if parts:
            cells.append(f'<div class="mlsys-static-cell" data-cell-id="{html.escape(str(cell.get("id")))}">'
                         + _MARIMO_TAG.sub(r"<\1mlsys-static-", "".join(parts)) + "</div>")
    return f'<div class="mlsys-static" id="mlsys-preview">{"".join(cells)}</div>' if cells else ""


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
    text = stable_random_ids(text, lab.id)
    session = embedded_session(text)
    preview = static_preview(session) if session else ""
    if preview:
        if text.count('<div id="root"></div>') != 1:
            raise RuntimeError(f"{lab.id}: no empty <div id=\"root\"> in the exported page (marimo changed?)")
        text = text.replace('<div id="root"></div>', f'{preview}<div id="root" inert></div>', 1)
        text = text.replace("</head>", STATIC_CSS + "\n</head>", 1)
    text = _DESC.sub(f'<meta name="description" content="{html.escape(lab.title)} — MLSys·im lab" />', text)
    if _TITLE.search(text):
        text = _TITLE.sub(f"<title>{html.escape(lab.title)}</title>", text, count=1)
    else:
        text = text.replace("</head>", f"<title>{html.escape(lab.title)}</title>\n</head>", 1)
    text = text.replace("</head>", PAGE_INCLUDES + "\n</head>", 1)
    text = stylesheets_first(text, lab)
    text = defer_module_preloads(text)
    return text.replace("</body>", SW_SNIPPET + "\n</body>", 1)


def stylesheets_first(text: str, lab: LabInfo) -> str:
    """Move the head's stylesheet links (same order) to just after ``<meta charset>``. marimo's export lists
    them after its font preloads and ~170 module preloads, and the inline scripts that follow them wait for
    every stylesheet before the parser reaches the pre-rendered narrative, so the CSS is requested first. On the
    emulated Chromebook link the first text moved within run-to-run noise only (README, Browser)."""
    head_end = text.index("</head>")
    head, rest = text[:head_end], text[head_end:]
    links = [m.group(0).strip() for m in _STYLESHEET.finditer(head)]
    head = _STYLESHEET.sub("", head)
    first = _CHARSET.search(head) or _HEAD.search(head)
    if first is None:
        raise RuntimeError(f"{lab.id}: no <head> in the exported page (marimo changed?)")
    return head[:first.end()] + "\n" + "\n".join(links) + head[first.end():] + rest


def defer_module_preloads(text: str) -> str:
    """Turn marimo's ≈ 170 ``<link rel="modulepreload">`` of the head into a script after ``#root`` that adds
    them once the first frame is painted. In the head they shared a slow link with the stylesheets and filled
    a throttled CPU with module parsing before the pre-rendered narrative could show; the entry module
    (``<script type="module">``, still in the head) loads the same graph by its imports either way. Emulated
    Chromebook, gzip on (README, Browser): first text of labs 00 / 14 2.98 / 1.28 s with the preloads in the
    head, 0.81 / 0.80 s deferred; cold interactive 42.6 / 40.7 s and 38.6 / 39.9 s."""
    head_end = text.index("</head>")
    hrefs = [m.group(1) for m in _MODULEPRELOAD.finditer(text[:head_end])]
    if not hrefs:
        return text
    text = _MODULEPRELOAD.sub("", text[:head_end]) + text[head_end:]
    return text.replace("</body>", _DEFERRED_PRELOADS.format(hrefs=json.dumps(hrefs)) + "\n</body>", 1)


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
