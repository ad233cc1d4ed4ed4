"""Bytecode wheels (wasm_build.pycompile): what the site ships instead of source, and that it is reproducible."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from wasm_build import pyc_worker, pycompile

FLAG_UNCHECKED_HASH = 0b01  # PEP 552: hash-based, check_source = 0


def make_wheel(path: Path) -> Path:
    """A small wheel: a package, a module, a file that does not compile, a script in .data, a RECORD."""
    files = {
        "demo/__init__.py": b"from .core import answer\n",
        "demo/core.py": b'"""Doc."""\n\ndef answer():\n    return 6 * 7\n',
        "demo/template.py": b"def broken(:\n",
        "demo/data.txt": b"not python\n",
        "demo-1.0.data/scripts/tool.py": b"print('hi')\n",
        "demo-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        "demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files["demo-1.0.dist-info/RECORD"] = "".join(f"{n},,\n" for n in [*files, "demo-1.0.dist-info/RECORD"]).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, (2020, 2, 2, 0, 0, 0)), data)
    return path


def test_worker_replaces_source_by_unchecked_hash_pyc(tmp_path):
    src = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl")
    out = tmp_path / "out.whl"
    report = pyc_worker._rewrite(str(src), str(out), "wheel")
    assert report["compiled"] == 2
    assert report["kept"] == ["demo/template.py (SyntaxError)"]
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert "demo/core.pyc" in names and "demo/core.py" not in names and "demo/__init__.pyc" in names
        assert "demo/template.py" in names and "demo/data.txt" in names
        assert "demo-1.0.data/scripts/tool.py" in names, "files outside the import path stay as they are"
        assert names[-1] == "demo-1.0.dist-info/RECORD"
        pyc = zf.read("demo/core.pyc")
        assert pyc[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(pyc[4:8], "little") == FLAG_UNCHECKED_HASH
        assert pyc[8:16] == importlib.util.source_hash(b'"""Doc."""\n\ndef answer():\n    return 6 * 7\n')
        # RECORD lists every other member with its real sha256 and size
        record = zf.read("demo-1.0.dist-info/RECORD").decode().splitlines()
        rows = {line.split(",")[0]: line.split(",")[1:] for line in record}
        assert set(rows) == set(names)
        for name in names:
            if name.endswith("RECORD"):
                assert rows[name] == ["", ""]
                continue
            data = zf.read(name)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert rows[name] == [f"sha256={digest}", str(len(data))], name
        assert {i.date_time for i in zf.infolist()} == {pyc_worker.DATE}


def test_worker_output_imports_and_runs_without_source(tmp_path):
    src = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl")
    out = tmp_path / "out.whl"
    pyc_worker._rewrite(str(src), str(out), "wheel")
    site = tmp_path / "site"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(site)
    code = ("import sys; sys.path.insert(0, %r); import demo; print(demo.answer(), demo.core.__doc__, "
            "type(demo.__loader__).__name__)" % str(site))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.split() == ["42", "Doc.", "SourcelessFileLoader"]


def test_worker_is_deterministic(tmp_path):
    src = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl")
    a, b = tmp_path / "a.whl", tmp_path / "b.whl"
    pyc_worker._rewrite(str(src), str(a), "wheel")
    pyc_worker._rewrite(str(src), str(b), "wheel")
    assert a.read_bytes() == b.read_bytes()


@pytest.fixture
def bare_runtime(site_dir, tmp_path) -> Path:
    """The site's Pyodide core without its wheels (the interpreter that compiles)."""
    rt = tmp_path / "rt"
    rt.mkdir()
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"):
        shutil.copyfile(site_dir / "pyodide" / name, rt / name)
    return rt


@pytest.mark.skipif(shutil.which("node") is None and shutil.which("nodejs") is None, reason="needs node")
def test_pyodide_compiles_reproducibly_and_caches(bare_runtime, tmp_path, monkeypatch):
    """Two compiles from two empty caches give the same bytes; a third run reuses the cache (no node)."""
    outs = []
    for run in ("one", "two"):
        monkeypatch.setattr(pycompile, "cache_dir", lambda run=run: tmp_path / f"cache-{run}")
        whl = make_wheel(bare_runtime / "demo-1.0-py3-none-any.whl")
        logs: list[str] = []
        report = pycompile.compile_runtime(bare_runtime, [whl], _info(bare_runtime), logs.append)
        assert report[whl.name]["compiled"] == 2, report
        assert any("compiling 1 file(s)" in m for m in logs), logs
        outs.append(whl.read_bytes())
    assert outs[0] == outs[1]
    with zipfile.ZipFile(bare_runtime / "demo-1.0-py3-none-any.whl") as zf:
        pyc = zf.read("demo/core.pyc")
    assert pyc[:4] == _stdlib_magic(bare_runtime), "bytecode for the site's Python (the site's stdlib is compiled)"
    monkeypatch.setattr(pycompile.shutil, "which", lambda name: None)  # a cache hit must not need node
    logs = []
    make_wheel(bare_runtime / "demo-1.0-py3-none-any.whl")
    pycompile.compile_runtime(bare_runtime, [bare_runtime / "demo-1.0-py3-none-any.whl"], _info(bare_runtime),
                              logs.append)
    assert any("bytecode cached" in m for m in logs), logs
    assert (bare_runtime / "demo-1.0-py3-none-any.whl").read_bytes() == outs[0]


def _info(rt: Path) -> dict:
    return json.loads((rt / "pyodide-lock.json").read_text())["info"]


def _stdlib_magic(rt: Path) -> bytes | None:
    with zipfile.ZipFile(rt / "python_stdlib.zip") as zf:
        pycs = [n for n in zf.namelist() if n.endswith(".pyc")]
        return zf.read(pycs[0])[:4] if pycs else None


def test_site_ships_bytecode_for_the_interpreter_it_ships(site_dir):
    """Every module of every wheel and of the standard library is a pyc for the site's Python (one magic),
    unchecked-hash; the lockfile's import names are unchanged by compiling."""
    rt = site_dir / "pyodide"
    magics = set()
    for path in [*sorted(rt.glob("*.whl")), rt / "python_stdlib.zip"]:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            source = [n for n in names if n.endswith(".py") and not n.split("/")[0].endswith((".dist-info", ".data"))]
            pycs = [n for n in names if n.endswith(".pyc")]
            assert not source, f"{path.name} ships source: {source[:3]}"
            assert pycs, path.name
            for n in pycs[:20]:
                head = zf.read(n)[:8]
                magics.add(head[:4])
                assert int.from_bytes(head[4:8], "little") == FLAG_UNCHECKED_HASH, (path.name, n)
    assert len(magics) == 1, magics
    if sys.version_info[:2] != (3, 14):
        assert magics != {importlib.util.MAGIC_NUMBER}, "bytecode for the host Python, not Pyodide's"
    lock = json.loads((rt / "pyodide-lock.json").read_text())["packages"]
    assert lock["marimo-base"]["imports"] == ["marimo"]
    assert lock["mlsysim-core"]["imports"] == ["mlsysim_core"]
    assert lock["pyyaml"]["imports"] == ["_yaml", "yaml"] or "yaml" in lock["pyyaml"]["imports"]


def test_worker_rejects_a_wheel_without_record(tmp_path):
    bad = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("demo/__init__.py", "x = 1\n")
    with pytest.raises(ValueError, match="a wheel without RECORD"):
        pyc_worker._rewrite(str(bad), str(tmp_path / "out.whl"), "wheel")


def test_missing_node_is_a_clear_error(tmp_path, monkeypatch):
    """An empty cache and no node: the build stops with what to install (or how to ship source)."""
    monkeypatch.setattr(pycompile, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(pycompile.shutil, "which", lambda name: None)
    whl = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl")
    with pytest.raises(pycompile.FetchError, match=r"node is needed .* apt-get install npm.*MLSYS_PYC=0"):
        pycompile.compile_runtime(tmp_path, [whl], {"python": "3.14.0"}, lambda m: None)
    assert whl.read_bytes() == make_wheel(tmp_path / "again.whl").read_bytes(), "the input was changed"
    assert not [p for p in (tmp_path / "cache" / "pyc").iterdir()], "a half-written cache entry was left"


@pytest.mark.skipif(shutil.which("node") is None and shutil.which("nodejs") is None, reason="needs node")
def test_a_file_pyodide_cannot_read_fails_the_build_by_name(bare_runtime, tmp_path, monkeypatch):
    monkeypatch.setattr(pycompile, "cache_dir", lambda: tmp_path / "cache")
    bad = bare_runtime / "broken-1.0-py3-none-any.whl"
    bad.write_bytes(b"this is not a zip file")
    with pytest.raises(pycompile.FetchError, match=r"compiling bytecode with Pyodide under node failed(.|\n)*"
                                                   r"broken-1\.0-py3-none-any\.whl: BadZipFile"):
        pycompile.compile_runtime(bare_runtime, [bad], _info(bare_runtime), lambda m: None)
    assert bad.read_bytes() == b"this is not a zip file"
    assert not [p for p in (tmp_path / "cache" / "pyc").iterdir()], "a half-written cache entry was left"
