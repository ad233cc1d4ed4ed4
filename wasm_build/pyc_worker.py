"""Runs INSIDE Pyodide (Python 3.14, under node): rewrites wheels and zips with bytecode instead of source.

Each ``x.py`` member becomes a sourceless ``x.pyc`` next to where it was (the legacy layout that the import
system loads when no source is present), written as an *unchecked hash-based* pyc (PEP 552): no mtime
inside, so the bytes depend only on the source, and the import never stats or re-reads a source. A file
that does not compile (a template, a Python-2 example) stays as source. Wheels get a rewritten RECORD
(sha256 + size per file). Zip entries keep their order, names and permissions, with a fixed timestamp, so
the output is reproducible.

Invoked by :mod:`wasm_build.pycompile` as ``main(jobs_json)``; ``jobs`` is a list of
``[source_path, dest_path, kind]`` with kind ``"wheel"`` or ``"zip"`` (paths in the mounted file system).
Returns a JSON report ``{dest: {"compiled": n, "kept": [names]}}``.
"""

import base64
import hashlib
import importlib.util
import json
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

DATE = (1980, 1, 1, 0, 0, 0)


def _pyc(name, data):
    """(bytecode, None) or (None, reason) for the source ``data`` of the member ``name``."""
    try:
        source = data.decode("utf-8") if not data.startswith(b"\xef\xbb\xbf") else data[3:].decode("utf-8")
        code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError, UnicodeDecodeError) as e:
        return None, type(e).__name__
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)), None


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _rewrite(src, dest, kind):
    compiled, kept, out = 0, [], []
    with zipfile.ZipFile(src) as zin:
        infos = zin.infolist()
        record = None
        for info in infos:
            data = zin.read(info)
            name = info.filename
            if kind == "wheel" and name.endswith(".dist-info/RECORD"):
                record = info
                continue
            top = name.split("/", 1)[0]
            if name.endswith(".py") and not top.endswith((".dist-info", ".data")):
                code, why = _pyc(name, data)
                if code is not None:
                    out.append((info, name + "c", code))
                    compiled += 1
                    continue
                kept.append(f"{name} ({why})")
            out.append((info, name, data))
    if kind == "wheel":
        if record is None:
            raise ValueError(f"{src}: a wheel without RECORD")
        lines = [_record_line(name, data) for _, name, data in out] + [f"{record.filename},,"]
        out.append((record, record.filename, ("\n".join(lines) + "\n").encode()))
    with zipfile.ZipFile(dest, "w") as zout:
        for info, name, data in out:
            zi = zipfile.ZipInfo(name, DATE)
            zi.external_attr = info.external_attr
            zi.compress_type = zipfile.ZIP_DEFLATED if not name.endswith("/") else zipfile.ZIP_STORED
            zout.writestr(zi, data, compresslevel=6)
    return {"compiled": compiled, "kept": kept}


def main(jobs_json):
    report = {}
    for src, dest, kind in json.loads(jobs_json):
        try:
            report[dest] = _rewrite(src, dest, kind)
        except Exception as e:  # name the file: the traceback alone does not
            raise RuntimeError(f"{src}: {type(e).__name__}: {e}") from e
    return json.dumps(report)
