import asyncio
import concurrent.futures
import json
import os

import pytest

from mlsys_labs.store import ProgressStore, default_path, empty_state


def run_coro(coro):
    """Run ``coro`` on a fresh event loop in its own thread: Playwright's sync API (browser tests in the same
    session) leaves a running loop in the main thread, where ``asyncio.run`` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()



@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def test_missing_store_is_empty_without_error(store):
    state, err = store.load()
    assert state == empty_state() and err is None


def test_round_trip_and_case_insensitive_student(store):
    assert store.put("00_lab", "Ada", {"q1": "3.2 TB/s", "q2": "5 ms"}) is None
    assert store.put("01_lab", "ada", {"q1": "1"}) is None
    answers, err = store.get("00_lab", " ADA ")
    assert err is None and answers == {"q1": "3.2 TB/s", "q2": "5 ms"}
    assert store.get("01_lab", "Ada")[0] == {"q1": "1"}
    assert store.get("02_lab", "Ada")[0] == {}
    data = json.loads(store.path.read_text())
    assert data["version"] == 1 and len(data["entries"]) == 2


def test_atomic_write_leaves_no_temp_files(store):
    store.put("00_lab", "ada", {"q": "1"})
    assert [p.name for p in store.path.parent.iterdir()] == ["progress.json"]


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'{"entries": 5}', b"",
                                     b"NaN", b"[" * 100000])
def test_corrupt_store_never_raises(store, content):
    store.path.write_bytes(content)
    state, err = store.load()
    assert state == empty_state()
    assert err  # a message for the student
    answers, err2 = store.get("00_lab", "ada")
    assert answers == {} and err2


def test_partly_damaged_entries_are_kept(store):
    good = {"lab": "00_lab", "student": "ada", "answers": {"q": "1"}, "updated": "x"}
    store.path.write_text(json.dumps({"version": 1, "entries": {"00_lab\x1fada": good, "bad": {"answers": [1]}}}))
    state, err = store.load()
    assert "00_lab\x1fada" in state["entries"] and "damaged" in err


def test_saving_over_a_corrupt_store_keeps_a_backup(store):
    store.path.write_text("{corrupt")
    assert store.put("00_lab", "ada", {"q": "1"}) is None
    assert (store.path.parent / "progress.json.corrupt").read_text() == "{corrupt"
    assert store.get("00_lab", "ada") == ({"q": "1"}, None)


def test_unwritable_location_returns_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    s = ProgressStore(blocker / "sub" / "progress.json")
    err = s.put("00_lab", "ada", {"q": "1"})
    assert err and "cannot save progress" in err


def test_unserialisable_state_returns_message(store):
    assert "cannot save" in store.save({"entries": {"k": {"answers": {"q": float("nan")}}}})


def test_env_home(monkeypatch, tmp_path):
    monkeypatch.setenv("MLSYS_LABS_HOME", str(tmp_path / "h"))
    assert default_path() == tmp_path / "h" / "progress.json"
    s = ProgressStore()
    assert s.path == tmp_path / "h" / "progress.json"
    assert s.put("00_lab", "ada", {"q": "1"}) is None
    assert os.path.exists(tmp_path / "h" / "progress.json")


def test_async_api_native_and_memory(store):
    async def go(s):
        assert await s.aput("00_lab", "ada", {"q": "2"}) is None
        return await s.aget("00_lab", "ada")

    assert run_coro(go(store)) == ({"q": "2"}, None)
    assert run_coro(go(ProgressStore(backend="memory"))) == ({"q": "2"}, None)


def test_browser_backend_outside_pyodide_reports_errors():
    s = ProgressStore(backend="browser")
    assert s.load()[1] and s.save(empty_state())

    async def go():
        state, err = await s.aload()
        assert state == empty_state() and "browser storage failed" in err
        assert "browser storage failed" in await s.asave(empty_state())

    run_coro(go())


def test_js_bridge_has_no_dunder_names():
    from mlsys_labs import store as st

    assert "__" not in st._JS_BRIDGE
