"""Progress that survives reloads: answers, Check attempts, the prediction, control positions and
reflections per (lab, student).

Two backends, one API:

* **native** — a JSON file, ``$MLSYS_LABS_HOME/progress.json`` (default ``~/.mlsys_labs/progress.json``),
  written atomically (temp file in the same directory + ``os.replace``);
* **browser** — IndexedDB, reached from the Pyodide worker through ``pyodide.code.run_js``. Every call
  returns a JS Promise that Python *awaits* (no fire-and-forget); JS errors come back as messages.

Nothing here raises on bad data: ``load()`` returns ``(state, error)`` where a missing store gives an
empty state and ``error=None``, and a corrupt one gives an empty state plus a message. The caller
keeps the answers it already shows (a failed load must never blank them). Saving over a corrupt
native file first moves it aside to ``progress.json.corrupt``.

Use ``await store.aload()`` / ``await store.asave(state)`` (work on both backends; marimo cells may
``await``), or the synchronous ``load()`` / ``save()`` natively. Helpers ``get``/``put`` (and the
async ``aget``/``aput``) read and update one (lab, student) entry's answers; ``aupdate(lab, student,
**parts)`` merges any of the parts below in one read–merge–write, ``areset(lab, student)`` deletes
the entry. The pure functions :meth:`ProgressStore.state_in` / :meth:`ProgressStore.with_parts` do
the same on an in-memory state.

State layout (JSON)::

    {"version": 1, "entries": {"<lab>\\u001f<student casefolded>":
        {"lab": "...", "student": "...", "updated": "ISO time",
         "answers": {"q_id": "text"},                       # replaced as a whole
         "attempts": [{"question", "time", "answer", "correct"}],   # appended (union, time order, ≤ 500)
         "prediction": {"question", "choice", "time"} | null,      # replaced
         "controls": {"name": value}, "reflections": {"id": "text"}}}}   # merged key by key

Entries written before attempts existed load with empty parts.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .variants import normalize_student

__all__ = ["ProgressStore", "empty_state", "default_path", "IN_BROWSER"]

IN_BROWSER = sys.platform == "emscripten"
STATE_VERSION = 1
MAX_STORE_BYTES = 8 * 1024 * 1024
MAX_STORED_ATTEMPTS = 500
PARTS = ("answers", "attempts", "prediction", "controls", "reflections")
_DB = "mlsys_labs"
_OBJ = "progress"
_KEY = "state"

# JS side: one small object on globalThis, created once; every function returns a Promise.
_JS_BRIDGE = r"""
(function () {
  if (globalThis.mlsysLabsStore) { return globalThis.mlsysLabsStore; }
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!globalThis.indexedDB) { reject(new Error("IndexedDB is not available in this browser")); return; }
      var req = globalThis.indexedDB.open("%DB%", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("%OBJ%"); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error || new Error("cannot open IndexedDB")); };
      req.onblocked = function () { reject(new Error("IndexedDB is blocked by another tab")); };
    });
  }
  function run(mode, body) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("%OBJ%", mode);
        var st = tx.objectStore("%OBJ%");
        var out = { value: null };
        body(st, out);
        tx.oncomplete = function () { db.close(); resolve(out.value); };
        tx.onerror = function () { db.close(); reject(tx.error || new Error("IndexedDB transaction failed")); };
        tx.onabort = function () { db.close(); reject(tx.error || new Error("IndexedDB transaction aborted")); };
      });
    });
  }
  function wrap(p) {
    return p.then(function (v) { return { ok: true, value: v }; },
                  function (e) { return { ok: false, error: String((e && e.message) || e) }; });
  }
  globalThis.mlsysLabsStore = {
    get: function (key) {
      return wrap(run("readonly", function (st, out) {
        var r = st.get(key);
        r.onsuccess = function () { out.value = (r.result === undefined) ? null : r.result; };
      }));
    },
    put: function (key, text) {
      return wrap(run("readwrite", function (st, out) { st.put(text, key); out.value = true; }));
    }
  };
  return globalThis.mlsysLabsStore;
})()
""".replace("%DB%", _DB).replace("%OBJ%", _OBJ)


def empty_state() -> dict:
    return {"version": STATE_VERSION, "entries": {}}


def default_path() -> Path:
    home = os.environ.get("MLSYS_LABS_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".mlsys_labs"
    return base / "progress.json"


def _entry_key(lab: str, student: str) -> str:
    return f"{lab}\x1f{normalize_student(student)}"


def _clean_attempt(a: Any) -> dict | None:
    if not (isinstance(a, dict) and isinstance(a.get("question"), str) and isinstance(a.get("answer"), str)):
        return None
    t = a.get("time")
    return {"question": a["question"][:64], "time": t[:40] if isinstance(t, str) else None,
            "answer": a["answer"][:200], "correct": a.get("correct") is True}


def _merge_attempts(old: Any, new: Any) -> list:
    """Union of two attempt lists (same question, time and answer = same attempt), time order, capped."""
    seen, out = set(), []
    for a in list(old if isinstance(old, list) else []) + list(new if isinstance(new, list) else []):
        a = _clean_attempt(a)
        if a is None:
            continue
        k = (a["question"], a["time"], a["answer"])
        if k not in seen:
            seen.add(k)
            out.append(a)
    out.sort(key=lambda a: a["time"] or "")
    return out[:MAX_STORED_ATTEMPTS]


def _clean_part(name: str, value: Any) -> Any:
    """A stored part in its canonical shape (malformed data becomes the empty value, never an error)."""
    if name == "answers":
        return {str(k): str(v) for k, v in value.items() if v is not None} if isinstance(value, dict) else {}
    if name == "attempts":
        return _merge_attempts([], value)
    if name == "prediction":
        if isinstance(value, dict) and isinstance(value.get("choice"), str):
            return {"question": str(value.get("question", ""))[:500], "choice": value["choice"][:200],
                    "time": value.get("time") if isinstance(value.get("time"), str) else None}
        return None
    if name == "reflections":
        return {str(k): v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}
    if name == "controls":
        ok = (str, int, float, bool, type(None))
        return {str(k): v for k, v in value.items() if isinstance(v, ok)} if isinstance(value, dict) else {}
    raise ValueError(f"unknown progress part {name!r}; known parts: {', '.join(PARTS)}")


def _check_state(obj: Any) -> tuple[dict, str | None]:
    """Validate a decoded state; keep every well-formed entry, report the rest."""
    if not isinstance(obj, dict) or not isinstance(obj.get("entries"), dict):
        return empty_state(), "saved progress has an unexpected format; starting fresh"
    entries = {}
    bad = 0
    for k, e in obj["entries"].items():
        if (isinstance(k, str) and isinstance(e, dict) and isinstance(e.get("answers"), dict)
                and all(isinstance(a, str) and isinstance(v, str) for a, v in e["answers"].items())):
            entries[k] = e
        else:
            bad += 1
    state = {"version": STATE_VERSION, "entries": entries}
    return state, (f"{bad} damaged entr{'y' if bad == 1 else 'ies'} in saved progress were skipped" if bad else None)


def _decode(text: Any) -> tuple[dict, str | None]:
    if text is None:
        return empty_state(), None
    if not isinstance(text, str):
        return empty_state(), "saved progress is not text; starting fresh"
    if len(text) > MAX_STORE_BYTES:
        return empty_state(), "saved progress is too large; starting fresh"
    try:
        obj = json.loads(text, parse_constant=lambda c: None)
    except (ValueError, RecursionError):
        return empty_state(), "saved progress is corrupt (not valid JSON); starting fresh"
    return _check_state(obj)


class ProgressStore:
    """Answers per (lab, student). ``backend``: "auto" (browser in Pyodide, else native), "native",
    "browser" or "memory" (tests)."""

    def __init__(self, path: str | os.PathLike | None = None, *, backend: str = "auto"):
        if backend == "auto":
            backend = "browser" if IN_BROWSER else "native"
        if backend not in ("native", "browser", "memory"):
            raise ValueError(f"unknown backend {backend!r}")
        self.backend = backend
        self.path = Path(path) if path is not None else (default_path() if backend == "native" else None)
        self._memory: str | None = None
        self._bridge = None

    # -- native / memory (synchronous) ------------------------------------------------------
    def load(self) -> tuple[dict, str | None]:
        """(state, error message or None). Never raises."""
        if self.backend == "browser":
            return empty_state(), "in the browser use 'await store.aload()'"
        if self.backend == "memory":
            return _decode(self._memory)
        try:
            with open(self.path, "rb") as f:
                raw = f.read(MAX_STORE_BYTES + 1)
        except FileNotFoundError:
            return empty_state(), None
        except OSError as e:
            return empty_state(), f"cannot read saved progress ({e.strerror or e})"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return empty_state(), "saved progress is corrupt (not UTF-8); starting fresh"
        return _decode(text)

    def save(self, state: dict) -> str | None:
        """Write ``state``; returns an error message or None. Never raises."""
        try:
            text = json.dumps(state, ensure_ascii=False, allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as e:
            return f"cannot save progress ({e})"
        if self.backend == "browser":
            return "in the browser use 'await store.asave(state)'"
        if self.backend == "memory":
            self._memory = text
            return None
        return self._write_native(text)

    def _write_native(self, text: str) -> str | None:
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _, err = self.load()
            if err and self.path.exists():  # keep the damaged file for inspection, never silently lose it
                os.replace(self.path, self.path.with_name(self.path.name + ".corrupt"))
            fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            tmp = None
            return None
        except OSError as e:
            return f"cannot save progress to {self.path} ({e.strerror or e})"
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    # -- async (both backends) --------------------------------------------------------------
    def _js(self):
        if self._bridge is None:
            from pyodide.code import run_js  # only importable inside Pyodide

            self._bridge = run_js(_JS_BRIDGE)
        return self._bridge

    async def _js_call(self, method: str, *args):
        try:
            res = await getattr(self._js(), method)(*args)
            ok = bool(res.ok)
            return (res.value if ok else None), (None if ok else f"browser storage failed: {res.error}")
        except Exception as e:  # JsException, ImportError …
            return None, f"browser storage failed: {e}"

    async def aload(self) -> tuple[dict, str | None]:
        if self.backend != "browser":
            return self.load()
        value, err = await self._js_call("get", _KEY)
        if err:
            return empty_state(), err
        return _decode(value)

    async def asave(self, state: dict) -> str | None:
        if self.backend != "browser":
            return self.save(state)
        try:
            text = json.dumps(state, ensure_ascii=False, allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as e:
            return f"cannot save progress ({e})"
        _, err = await self._js_call("put", _KEY, text)
        return err

    # -- per (lab, student) helpers ---------------------------------------------------------
    @staticmethod
    def answers_in(state: dict, lab: str, student: str) -> dict:
        e = state.get("entries", {}).get(_entry_key(lab, student))
        return dict(e["answers"]) if e else {}

    @staticmethod
    def with_answers(state: dict, lab: str, student: str, answers: dict, updated: str | None = None) -> dict:
        return ProgressStore.with_parts(state, lab, student, updated=updated, answers=answers)

    @staticmethod
    def state_in(state: dict, lab: str, student: str) -> dict:
        """The (lab, student) entry as ``{answers, attempts, prediction, controls, reflections}``
        (copies; empty parts for a missing entry or one written before a part existed)."""
        e = state.get("entries", {}).get(_entry_key(lab, student))
        e = e if isinstance(e, dict) else {}
        return {name: _clean_part(name, e.get(name)) for name in PARTS}

    @staticmethod
    def with_parts(state: dict, lab: str, student: str, *, updated: str | None = None, **parts) -> dict:
        """A new state with ``parts`` merged into the (lab, student) entry: ``answers`` and
        ``prediction`` replace, ``attempts`` are appended (union), ``controls`` and ``reflections``
        are merged key by key. Raises ValueError for an unknown part name."""
        from .submission import utc_now_iso

        cur = ProgressStore.state_in(state, lab, student)
        for name, value in parts.items():
            new = _clean_part(name, value)
            if name == "attempts":
                new = _merge_attempts(cur["attempts"], new)
            elif name in ("controls", "reflections"):
                new = {**cur[name], **new}
            cur[name] = new
        entries = dict(state.get("entries", {}))
        entries[_entry_key(lab, student)] = {"lab": lab, "student": student.strip(),
                                             "updated": updated or utc_now_iso(), **cur}
        return {"version": STATE_VERSION, "entries": entries}

    @staticmethod
    def without(state: dict, lab: str, student: str) -> dict:
        """A new state without the (lab, student) entry."""
        entries = {k: v for k, v in state.get("entries", {}).items() if k != _entry_key(lab, student)}
        return {"version": STATE_VERSION, "entries": entries}

    def get(self, lab: str, student: str) -> tuple[dict, str | None]:
        state, err = self.load()
        return self.answers_in(state, lab, student), err

    def put(self, lab: str, student: str, answers: dict) -> str | None:
        state, _ = self.load()
        return self.save(self.with_answers(state, lab, student, answers))

    async def aget(self, lab: str, student: str) -> tuple[dict, str | None]:
        state, err = await self.aload()
        return self.answers_in(state, lab, student), err

    async def aput(self, lab: str, student: str, answers: dict) -> str | None:
        return await self.aupdate(lab, student, answers=answers)

    async def aupdate(self, lab: str, student: str, **parts) -> str | None:
        """Read the store, merge ``parts`` into the (lab, student) entry (:meth:`with_parts`), write
        once. Returns an error message or None."""
        state, err = await self.aload()
        if err and self.backend == "browser" and err.startswith("browser storage failed"):
            return err  # cannot read: do not overwrite other labs' progress blindly
        return await self.asave(self.with_parts(state, lab, student, **parts))

    async def areset(self, lab: str, student: str) -> str | None:
        """Delete the (lab, student) entry (other labs and students are kept)."""
        state, err = await self.aload()
        if err and self.backend == "browser" and err.startswith("browser storage failed"):
            return err
        return await self.asave(self.without(state, lab, student))
