"""Faults: Neo4j killed mid-load or down while serving, the embedded store SIGKILLed mid-write, transient errors.

- The Neo4j fault tests start and stop their **own** Neo4j through
  ``scripts/neo4j.sh`` (home ``.neo4j-fault``, Bolt 7707, HTTP 7487), so killing
  it never disturbs the Neo4j the rest of the suite uses. They are slow (a few
  server starts) and run in CI, where a server that cannot start is a failure.
- The retry and timeout tests use the suite's Neo4j (``neo4j`` marker).
- The embedded store is killed in a child process in the middle of its SQLite transaction.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j.exceptions import TransientError

from api.app import create_app
from api.security import new_key
from graph.embedded import EmbeddedStore
from graph.errors import ConflictError, StoreUnavailableError
from graph.neo4j_store import Neo4jStore, open_driver
from graph.records import Batch, EdgeRecord, NodeRecord
from graph.service import Chanjiao
from graph.settings import Settings
from loaders.pipeline import Parsed, load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema
from tests.conftest import unavailable
from tests.test_store_contract import snapshot

ROOT = Path(__file__).resolve().parents[1]
FAULT_HOME = os.environ.get("CHANJIAO_FAULT_NEO4J_HOME", ".neo4j-fault")
FAULT_BOLT = int(os.environ.get("CHANJIAO_FAULT_BOLT_PORT", "7707"))
FAULT_HTTP = int(os.environ.get("CHANJIAO_FAULT_HTTP_PORT", "7487"))
ENTRY, SECRET = new_key("registrar")


def synthetic(n: int, prefix: str = "course:F") -> Parsed:
    """``n`` courses, each developing one of 50 competencies: a load big enough to stop in the middle of."""
    comps = [
        NodeRecord("Competency", f"comp:F{i}", {"name_zh": f"能力{i}", "dimension": "professional", "kind": "skill"})
        for i in range(50)
    ]
    courses = [
        NodeRecord("Course", f"{prefix}{i}", {"name_zh": f"课程{i}", "category": "integrated", "hours": 16 + i % 100})
        for i in range(n)
    ]
    edges = [EdgeRecord("DEVELOPS", f"{prefix}{i}", f"comp:F{i % 50}", {"level": 1 + i % 5}) for i in range(n)]
    return Parsed(comps + courses, edges)


# ---------------------------------------------------------------- transient errors and timeouts (suite Neo4j)


@pytest.mark.neo4j
class TestDriverRetries:
    """Transient errors are retried by the driver's transaction functions, never by a loop of ours."""

    def test_a_read_that_fails_once_is_retried(self, neo4j_driver, neo4j_schema_applied, schema: Schema) -> None:
        store = Neo4jStore(neo4j_driver, schema)
        calls = []

        def work(reader):
            calls.append(1)
            if len(calls) == 1:
                raise TransientError("a deadlock, say")
            return reader.programs()

        assert sorted(store.read(work)) == sorted(store.read(lambda reader: reader.programs()))
        assert len(calls) == 2

    def test_a_write_that_fails_midway_is_retried_whole(
        self, neo4j_driver, neo4j_schema_applied, schema: Schema, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = Neo4jStore(neo4j_driver, schema, batch_size=100)
        store.clear()
        service = Chanjiao(store)
        original = store._upserts
        failed = []

        def flaky(*args):
            for n, out in enumerate(original(*args)):
                yield out
                if n == 1 and not failed:  # two batches already written in this transaction
                    failed.append(1)
                    raise TransientError("Neo.TransientError.Transaction.DeadlockDetected")

        monkeypatch.setattr(store, "_upserts", flaky)
        summary = service.upsert(synthetic(500).nodes, synthetic(500).edges, source="retried")
        assert failed, "the transient error was raised"
        assert (summary.nodes_created, summary.edges_created, summary.nodes_unchanged) == (550, 500, 0)
        assert service.stats()["total_nodes"] == 550 and service.stats()["total_relationships"] == 500
        assert [e.id for e in service.loads()[0]] == [1] == [summary.load_id]  # the failed attempt left no trace

    def test_a_relationship_whose_end_went_since_validation_fails_the_whole_write(
        self, neo4j_driver, neo4j_schema_applied, schema: Schema
    ) -> None:
        # A concurrent delete between validation and write: the relationship's MATCH finds no end, and the write
        # must not drop the row silently (nor keep the rest of the load).
        store = Neo4jStore(neo4j_driver, schema, batch_size=2)
        store.clear()
        service = Chanjiao(store)
        service.upsert(
            [NodeRecord("Competency", "comp:K", {"name_zh": "能力", "dimension": "professional", "kind": "skill"})], []
        )
        courses = [NodeRecord("Course", f"course:{n}", {"name_zh": "课", "category": "integrated"}) for n in range(3)]
        edges = [EdgeRecord("DEVELOPS", f"course:{n}", "comp:K", {"level": 2}) for n in range(3)]
        labels = {"comp:K": "Competency", **{c.id: "Course" for c in courses}}
        labels["comp:GONE"] = "Competency"  # validated while it existed
        edges.insert(1, EdgeRecord("DEVELOPS", "course:0", "comp:GONE", {"level": 2}))
        with pytest.raises(ConflictError, match=r"^1 relationship\(s\) lost an endpoint during the write$"):
            store.write(Batch(courses, edges, labels))
        assert service.stats()["total_nodes"] == 1 and service.stats()["total_relationships"] == 0
        assert [e.id for e in service.loads()[0]] == [1]  # the competency's load only

    def test_a_long_query_is_cut_off_by_the_timeout(self, neo4j_driver, schema: Schema) -> None:
        store = Neo4jStore(neo4j_driver, schema, timeout=1.0)
        endless = "UNWIND range(1, 4000000000) AS x WITH x WHERE x < 0 RETURN count(x) AS n"
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError, match=r"ran longer than 1 s \(CHANJIAO_QUERY_TIMEOUT\)"):
            store.read(lambda reader: reader._tx.run(endless).single())  # type: ignore[attr-defined]
        assert time.monotonic() - started < 10
        assert store.health()["reachable"] is True  # the server is fine, only that query was stopped


# ---------------------------------------------------------------- Neo4j stopped and killed (own server)


class FaultServer:
    """A Neo4j of the tests' own, started and stopped through scripts/neo4j.sh."""

    def __init__(self) -> None:
        self.env = {
            **os.environ,
            "NEO4J_HOME": FAULT_HOME,
            "NEO4J_BOLT_PORT": str(FAULT_BOLT),
            "NEO4J_HTTP_PORT": str(FAULT_HTTP),
            "NEO4J_HEAP": os.environ.get("CHANJIAO_FAULT_NEO4J_HEAP", "512m"),
        }
        self.env.pop("NEO4J_PASSWORD", None)
        self.uri = f"bolt://127.0.0.1:{FAULT_BOLT}"

    def run(self, command: str) -> None:
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "neo4j.sh"), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=400,
        )
        if done.returncode != 0:
            raise RuntimeError(f"scripts/neo4j.sh {command} failed:\n{done.stderr[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no checkpoint — a crash."""
        home = Path(FAULT_HOME) if Path(FAULT_HOME).is_absolute() else ROOT / FAULT_HOME
        os.kill(int((home / "run" / "neo4j.pid").read_text().strip()), signal.SIGKILL)


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    try:
        server.run("wipe")
        server.run("start")
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        unavailable(f"cannot start the fault-test Neo4j: {exc}")
    try:
        yield server
    finally:
        server.run("stop")


@pytest.fixture
def fault_service(fault_server: FaultServer, schema: Schema) -> Iterator[Chanjiao]:
    # A short retry budget: a dead server is reported in seconds, not the driver's default 30.
    driver = open_driver(fault_server.uri, None, None, retry_seconds=2.0)
    store = Neo4jStore(driver, schema, batch_size=500)
    store.apply_schema()
    store.clear()
    yield Chanjiao(store)
    driver.close()


@pytest.mark.slow
def test_neo4j_killed_mid_load_keeps_nothing_and_a_rerun_completes(
    fault_server: FaultServer, fault_service: Chanjiao
) -> None:
    load(fault_service, read_workbook(DEMO_PATH, fault_service.schema), source="demo")
    before, trail = snapshot_counts(fault_service), fault_service.loads()
    big = synthetic(6_000)
    killed = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= total // 3 and not killed.is_set():
            killed.set()
            fault_server.kill()

    with pytest.raises(StoreUnavailableError, match="not available"):
        load(fault_service, big, source="big", progress=progress)
    assert killed.is_set()
    fault_server.run("start")  # recovers from the crash
    assert snapshot_counts(fault_service) == before, "nothing of the interrupted load stayed"
    assert fault_service.loads() == trail, "and the audit trail does not mention it"
    report = load(fault_service, big, source="big")
    assert (report.summary.nodes_created, report.summary.edges_created) == (6_050, 6_000)
    after = snapshot_counts(fault_service)
    assert after["total_nodes"] == before["total_nodes"] + 6_050
    assert after["total_relationships"] == before["total_relationships"] + 6_000
    again = load(fault_service, big, source="big")
    assert (again.summary.nodes_unchanged, again.summary.edges_unchanged) == (6_050, 6_000)
    assert snapshot_counts(fault_service) == after


@pytest.mark.slow
def test_api_answers_503_while_neo4j_is_down_and_recovers_by_itself(
    fault_server: FaultServer, fault_service: Chanjiao
) -> None:
    load(fault_service, read_workbook(DEMO_PATH, fault_service.schema), source="demo")
    fault_service.settings = Settings(store="unused", api_keys=[ENTRY])
    client = TestClient(create_app(service=fault_service))
    stats = client.get("/stats").json()
    fault_server.run("stop")
    try:
        for path in ("/stats", "/health", "/search?q=机器人", "/entities/Course/course:IR-101"):
            down = client.get(path)
            assert down.status_code == 503, (path, down.text)
            assert down.headers["content-type"] == "application/problem+json"
            assert down.headers["retry-after"] == "5"
            assert down.json()["title"] == "Store unavailable"
        upload = client.post(
            "/loads/workbook",
            files={"file": ("Course.csv", b"id,category\ncourse:DOWN,integrated\n")},
            headers={"X-API-Key": SECRET},
        )
        assert upload.status_code == 503
    finally:
        fault_server.run("start")
    back = client.get("/stats")  # the same app, not restarted
    assert back.status_code == 200 and back.json() == stats
    assert client.get("/nodes/course:DOWN").status_code == 404  # the upload made while down wrote nothing


def snapshot_counts(service: Chanjiao) -> dict:
    return service.stats()


# ---------------------------------------------------------------- the embedded store SIGKILLed mid-write

CHILD = textwrap.dedent(
    """
    import sys
    from contextlib import contextmanager

    from graph.embedded import EmbeddedStore
    from graph.service import Chanjiao
    from ontology.schema import load_schema
    from tests.test_faults import synthetic

    original = EmbeddedStore._writing

    @contextmanager
    def announced(self):
        with original(self) as cur:
            print("IN-TRANSACTION", flush=True)
            yield cur
        print("COMMITTED", flush=True)

    EmbeddedStore._writing = announced
    service = Chanjiao(EmbeddedStore(sys.argv[1], load_schema()))
    big = synthetic(int(sys.argv[2]), prefix="course:K")
    service.upsert(big.nodes, big.edges, source="big")
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.5])
def test_embedded_store_killed_mid_write_reopens_at_the_last_commit(
    tmp_path: Path, schema: Schema, delay: float
) -> None:
    path = tmp_path / "crash.db"
    service = Chanjiao(EmbeddedStore(path, schema))
    load(service, read_workbook(DEMO_PATH, schema), source="demo")
    service.upsert([NodeRecord("Course", "course:IR-101", {"hours": 200})], [], source="second")
    before, trail = snapshot(service.store), service.loads()
    answer = service.questions.coverage("program:IRAM", "csco:6-31-07-03").as_dict()
    service.close()

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), "100000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "IN-TRANSACTION", line + (child.stderr.read() if child.stderr else "")
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=30)
    assert "COMMITTED" not in rest, "the write finished before the kill: make the batch bigger"
    assert child.returncode == -signal.SIGKILL

    reopened = Chanjiao(EmbeddedStore(path, schema))
    try:
        db = reopened.store._db  # type: ignore[attr-defined]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert snapshot(reopened.store) == before, "exactly the last committed state"
        assert reopened.loads() == trail
        assert reopened.questions.coverage("program:IRAM", "csco:6-31-07-03").as_dict() == answer
        big = synthetic(20_000, prefix="course:K")
        summary = reopened.upsert(big.nodes, big.edges, source="big")
        assert (summary.nodes_created, summary.edges_created) == (20_050, 20_000)
        assert reopened.stats()["total_nodes"] == sum(before[0].values()) + 20_050
    finally:
        reopened.close()


# ---------------------------------------------------------------- the embedded store written by another process


def test_a_write_that_waits_too_long_for_another_processs_write_says_so_and_writes_nothing(
    tmp_path: Path, schema: Schema
) -> None:
    """Another process (the CLI loading a large source, another API worker) holds the file's write lock for longer
    than a write waits for it (``CHANJIAO_WRITE_WAIT``, here 0.2 s): the write fails with a message a person can act
    on, the API answers 503 with Retry-After, reads go on, and the write goes through once the lock is let go."""
    service = Chanjiao(EmbeddedStore(tmp_path / "busy.db", schema, write_wait=0.2))
    load(service, read_workbook(DEMO_PATH, schema), source="demo")
    service.settings = Settings(store="unused", api_keys=[ENTRY])
    client = TestClient(create_app(service=service))
    before = client.get("/stats").json()
    course = NodeRecord("Course", "course:BUSY", {"name_zh": "忙", "category": "integrated"})
    other = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailableError, match=r"busy\.db is being written by another process .*nothing was"):
            service.upsert([course], [])
        upload = client.post(
            "/loads/workbook",
            files={"file": ("Course.csv", b"id,name_zh,category\ncourse:BUSY,busy,integrated\n")},
            headers={"X-API-Key": SECRET},
        )
        assert upload.status_code == 503, upload.text
        assert upload.headers["retry-after"] == "5"
        assert "being written by another process" in upload.json()["detail"]
        assert client.get("/stats").json() == before
        assert client.get("/nodes/course:BUSY").status_code == 404
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert service.upsert([course], []).nodes_created == 1
    assert client.get("/nodes/course:BUSY").status_code == 200
    service.close()


def test_a_write_waiting_for_another_processs_write_lets_the_processs_reads_go_on(
    tmp_path: Path, schema: Schema, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a write waits for another process's write to the file, the questions and reads of its own process
    are answered from the graph as it was; the write goes through once the other's ends. (sqlite3's own wait
    would hold the store's lock: every read of the process would wait as long as the write.)"""
    store = EmbeddedStore(tmp_path / "wait.db", schema, write_wait=30)
    service = Chanjiao(store)
    load(service, read_workbook(DEMO_PATH, schema), source="demo")
    answer = service.questions.gaps("program:IRAM", "csco:6-31-07-03").as_dict()
    waiting = threading.Event()
    try_begin = store._try_begin

    def tried() -> bool:
        began = try_begin()
        if not began:
            waiting.set()
        return began

    monkeypatch.setattr(store, "_try_begin", tried)
    course = NodeRecord("Course", "course:WAIT", {"name_zh": "等", "category": "integrated"})
    written: list[object] = []
    writer = threading.Thread(target=lambda: written.append(service.upsert([course], [])))
    read: list[object] = []
    reader = threading.Thread(
        target=lambda: read.extend(
            [service.questions.gaps("program:IRAM", "csco:6-31-07-03").as_dict(), store.get_nodes(["course:WAIT"])]
        )
    )
    other = sqlite3.connect(tmp_path / "wait.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        writer.start()
        assert waiting.wait(timeout=10), "the write never found the file locked"
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive(), "a read waited for the write"
        assert writer.is_alive(), "the write did not wait for the other process's"
        assert read == [answer, {}]
    finally:
        other.execute("ROLLBACK")
        other.close()
        writer.join(timeout=30)
    assert len(written) == 1 and written[0].nodes_created == 1  # type: ignore[attr-defined]
    assert set(store.get_nodes(["course:WAIT"])) == {"course:WAIT"}
    service.close()
