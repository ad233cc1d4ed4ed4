"""Landing page, service worker, manifest and the offline URL scan of the built site."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from pathlib import Path

from .lockfile import sha256_file
from .versions import ROOT

SITE_SRC = ROOT / "site"
MANIFEST_SCHEMA = "mlsys-site-manifest/1"
SELF_HASHED = ("manifest.json", "sw.js")  # sw.js embeds the build hash; manifest.json lists everything else
STATIC_FILES = ("site.css", "register.js", "landing.js", "boot-status.js",  # copied from site/ as they are
                "lab-a11y.css", "lab-a11y.js",  # the labs' accessibility layer, included in every lab page
                "lab-report.js")  # puts the page's charts into the downloaded report
PRECACHE = ["./", "index.html", *STATIC_FILES, "manifest.json"]  # the landing page, cached on install


# --------------------------------------------------------------------------- landing page

def _lab_item(lab: dict) -> str:
    walls = ", ".join(str(w) for w in lab["walls"]) if lab["walls"] else "—"
    label = "wall" if len(lab["walls"]) == 1 else "walls"
    meta = [f"<li>{label} {html.escape(walls)}</li>"]
    if lab.get("minutes"):
        meta.append(f"<li>≈ {int(lab['minutes'])} min</li>")
    summary = f"\n          <p>{html.escape(lab['summary'])}</p>" if lab.get("summary") else ""
    m = re.match(r"^(\d+)_", lab["id"])
    num = f'<span class="num">{m.group(1)}</span>' if m and not lab["title"].startswith(m.group(1)) else ""
    return (f'        <li class="lab" id="lab-{html.escape(lab["id"])}">\n'
            f'          <h3>{num}<a href="{html.escape(lab["page"])}">{html.escape(lab["title"])}</a></h3>{summary}\n'
            f'          <ul class="meta" aria-label="Walls and estimated time">{"".join(meta)}</ul>\n'
            f'          <span class="offline-mark" data-offline-for="{html.escape(lab["page"])}" hidden></span>\n'
            f"        </li>")


def render_index(labs: list[dict], *, marimo: str, pyodide: str, build: str, runtime_bytes: int) -> str:
    tpl = (SITE_SRC / "index.html").read_text(encoding="utf-8")
    values = {
        "LAB_COUNT": str(len(labs)),
        "LAB_ITEMS": "\n".join(_lab_item(lab) for lab in labs) or "        <li>No labs yet.</li>",
        "MARIMO_VERSION": marimo,
        "PYODIDE_VERSION": pyodide,
        "BUILD": build[:12],
        "RUNTIME_MB": str(round(runtime_bytes / 1e6)),
    }
    out = re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], tpl)
    return out


# --------------------------------------------------------------------------- manifest + service worker

def file_table(site: Path, skip: tuple[str, ...] = SELF_HASHED) -> dict[str, dict]:
    files = {}
    for p in sorted(site.rglob("*")):
        if p.is_file():
            rel = p.relative_to(site).as_posix()
            if rel in skip:
                continue
            files[rel] = {"size": p.stat().st_size, "sha256": sha256_file(p)}
    return files


def build_hash(files: dict, versions: dict, labs: list[dict]) -> str:
    blob = json.dumps({"files": files, "versions": versions, "labs": labs}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def write_service_worker(site: Path, build: str, precache: list[str], runtime: list[str]) -> None:
    tpl = (SITE_SRC / "sw.js").read_text(encoding="utf-8")
    text = (tpl.replace("__BUILD__", build).replace("__PRECACHE__", json.dumps(precache, indent=1))
            .replace("__RUNTIME__", json.dumps(runtime, indent=1)))
    (site / "sw.js").write_text(text, encoding="utf-8")


def write_manifest(site: Path, *, build: str, versions: dict, labs: list[dict]) -> dict:
    files = file_table(site, skip=("manifest.json",))
    return _write_manifest(site, {"schema": MANIFEST_SCHEMA, "build": build, "versions": versions, "labs": labs,
                                  "files": files})


def _write_manifest(site: Path, manifest: dict) -> dict:
    (site / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def add_compressed(site: Path, manifest: dict, copies: dict[str, str]) -> dict:
    """The manifest with ``compressed``: {gzip copy: {"of": original, "size", "sha256"}}, written again."""
    return _write_manifest(site, {**manifest, "compressed": {
        c: {"of": o, "size": (site / c).stat().st_size, "sha256": sha256_file(site / c)} for c, o in sorted(copies.items())}})


# --------------------------------------------------------------------------- offline URL scan

TEXT_EXT = {".html", ".htm", ".js", ".mjs", ".css", ".json", ".txt", ".svg", ".webmanifest", ".md", ".map"}
_ABS = r"""https?://[^\s"'`<>()\\]+"""
# HTML: absolute URLs in attributes a browser fetches (everything but <a href>, which is a link for humans)
_HTML_FETCH = re.compile(r"<(?!a\b)(\w+)\b[^>]*?\b(src|href|srcset|poster|action|data|data-[\w-]*url)\s*=\s*[\"']?("
                         + _ABS + ")", re.I)
_CSS_FETCH = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"']?)(" + _ABS + ")", re.I)
# JS: absolute URL literals handed to a loader, or used as a default endpoint ("x ?? `https://...`")
_JS_FETCH = re.compile(
    r"(?:\b(?:fetch|import|importScripts|Worker|SharedWorker|EventSource|WebSocket|sendBeacon|loadScript)\s*\(\s*"
    r"|\b(?:src|indexURL|lockFileURL|cdnUrl|packageBaseUrl|baseUrl|baseURL)\s*[:=]\s*"
    r"|\?\?\s*)[`'\"](" + _ABS + ")")
# Reviewed fetch-position URLs in marimo's vendored frontend (marimo 0.25.2). Each is either overridden by
# our page attributes or only reached by a feature a --mode run lab never uses; the browser tests prove no
# request leaves the origin. A marimo upgrade that adds a new one fails the build until it is reviewed here.
VENDOR_REVIEWED = {
    "https://cdn.jsdelivr.net/pyodide/": "Pyodide default index: overridden by data-pyodide-index-url",
    "https://wasm.marimo.app/pyodide-lock.json": "default lockfile: overridden by data-pyodide-lockfile-url",
    "https://unpkg.com/maki@": "plotly mapbox icons (plotly is not shipped)",
    "https://web-backend.codeium.com": "AI completion in the code editor (edit mode only)",
    "https://unpkg.com/emojilib@": "emoji completion in the code editor (edit mode only)",
    "https://unpkg.com/lucide-static@": "icon completion in the code editor (edit mode only)",
    re.compile(r"https://[\w.-]+/pypi/\$\{\w+\}/json"): "package-index lookup in the editor's package panel (edit mode only)",
    "https://vega.github.io/editor/": "'open in Vega editor' link a student may click (a navigation, not a fetch)",
}


def _reviewed(url: str) -> bool:
    return any(k.match(url) if isinstance(k, re.Pattern) else url.startswith(k) for k in VENDOR_REVIEWED)


STRICT_FILES = re.compile(r"^(index\.html|site\.css|sw\.js|register\.js|landing\.js|boot-status\.js|lab-a11y\.(css|js)|lab-report\.js|labs/[^/]+\.html"
                          r"|pyodide/pyodide-lock\.json)$")


def scan_urls(site: Path) -> tuple[list[str], int]:
    """(problems, files scanned). Our own files may hold no absolute URL outside <a href>; vendored files
    may hold none in a fetch position except the documented, overridden defaults."""
    problems: list[str] = []
    scanned = 0
    for p in sorted(site.rglob("*")):
        if not p.is_file() or p.suffix.lower() not in TEXT_EXT:
            continue
        rel = p.relative_to(site).as_posix()
        text = p.read_text(encoding="utf-8", errors="replace")
        scanned += 1
        hits: list[str] = []
        if p.suffix.lower() in {".html", ".htm", ".svg"}:
            hits += [m.group(3) for m in _HTML_FETCH.finditer(text)]
            hits += [m.group(1) for m in _CSS_FETCH.finditer(text)]
            hits += [m.group(1) for m in _JS_FETCH.finditer(text)]
        elif p.suffix.lower() == ".css":
            hits += [m.group(1) for m in _CSS_FETCH.finditer(text)]
        elif p.suffix.lower() in {".js", ".mjs"}:
            hits += [m.group(1) for m in _JS_FETCH.finditer(text)]
        if STRICT_FILES.match(rel):
            if rel.endswith(".json") or rel.endswith(".js") or rel.endswith(".css"):
                hits += re.findall(_ABS, text)
        for url in sorted(set(hits)):
            if not STRICT_FILES.match(rel) and _reviewed(url):
                continue
            if url.startswith(("http://www.w3.org/", "https://www.w3.org/")):  # XML namespaces, never fetched
                continue
            problems.append(f"{rel}: {url}")
    return problems, scanned
