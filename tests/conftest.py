"""Fixtures shared by every suite: a store of each kind, the service over it, the demo.

Tests that take ``store`` (or ``service``) run once per store. The Neo4j run
needs a server (``scripts/neo4j.sh start``); outside CI it is skipped when none
answers, in CI (``CI=true``) it fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from graph.embedded import EmbeddedStore
from graph.questions import Questions
from graph.service import Chanjiao
from graph.store import GraphReader, GraphStore
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema, load_schema

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"
STORES = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def neo4j_uri() -> str:
    return os.environ.get("CHANJIAO_TEST_NEO4J_URI", "bolt://127.0.0.1:7687")


def unavailable(reason: str) -> None:
    """Skip a test that needs something absent, except in CI, where it must fail."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(command: list[str], env: dict[str, str], log: Path, timeout: float = 60) -> Iterator[str]:
    """``command`` (``uvicorn …`` or ``chanjiao serve …``) run on a free port of 127.0.0.1 until ``GET /health``
    answers; yields the server's URL and stops it afterwards. Its output goes to ``log``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    out.flush()
                    pytest.fail(f"{' '.join(command)} did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def schema() -> Schema:
    return load_schema()


@pytest.fixture(scope="session")
def neo4j_driver():
    from graph.neo4j_store import open_driver

    driver = open_driver(neo4j_uri(), "neo4j", os.environ.get("CHANJIAO_TEST_NEO4J_PASSWORD"))
    try:
        driver.verify_connectivity()
    except Exception as exc:
        driver.close()
        unavailable(f"Neo4j is not reachable at {neo4j_uri()}: {exc}")
    yield driver
    driver.close()


@pytest.fixture(scope="session")
def neo4j_schema_applied(neo4j_driver, schema: Schema) -> bool:
    from graph.neo4j_store import Neo4jStore

    Neo4jStore(neo4j_driver, schema).apply_schema()
    return True


def make_store(
    kind: str, request: pytest.FixtureRequest, path: Path, schema: Schema, keep_rows: int | None = None
) -> GraphStore:
    """A fresh, empty store of ``kind``; ``keep_rows``: what a Neo4j store keeps of earlier questions' reads
    (None: its default, ``graph.neo4j_kept``)."""
    if kind == "embedded":
        return EmbeddedStore(path / "chanjiao.db", schema)
    from graph.neo4j_store import Neo4jStore

    driver = request.getfixturevalue("neo4j_driver")
    request.getfixturevalue("neo4j_schema_applied")
    options = {} if keep_rows is None else {"keep_rows": keep_rows}
    store = Neo4jStore(driver, schema, batch_size=500, **options)
    store.clear()
    return store


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path, schema: Schema) -> Iterator[GraphStore]:
    made = make_store(request.param, request, tmp_path, schema)
    yield made
    if made.kind == "embedded":
        made.close()  # the Neo4j driver is the session's


@pytest.fixture
def service(store: GraphStore) -> Chanjiao:
    return Chanjiao(store)


@pytest.fixture
def demo(service: Chanjiao) -> Chanjiao:
    """The service with the demo dataset loaded."""
    load(service, read_workbook(DEMO_PATH, service.schema), source="demo")
    return service


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (the real external datasets); skipped outside CI when absent."""
    if not SHARED_DATA.is_dir():
        unavailable(f"the shared datasets are not at {SHARED_DATA}")
    return SHARED_DATA


def statements_of(service: Chanjiao, ask: Callable[[Questions], Any]) -> int:
    """The statements a Neo4j store runs for one question (``ask``, over the service's store)."""
    return len(statements_run(service, ask)[1])


def statements_run(service: Chanjiao, ask: Callable[[Questions], Any]) -> tuple[Any, list[tuple[str, Any]]]:
    """``ask``'s answer, over the service's Neo4j store, and each statement it ran with its parameters."""
    store = service.store
    run: list[tuple[str, Any]] = []
    original = store.read

    def read(work: Callable[[GraphReader], Any]) -> Any:
        def recording(r: GraphReader) -> Any:
            tx = r._tx  # type: ignore[attr-defined]

            class Recording:
                def run(self, query: str, *args: Any, **kwargs: Any) -> Any:
                    run.append((query, args[0] if args else kwargs))
                    return tx.run(query, *args, **kwargs)

            r._tx = Recording()  # type: ignore[attr-defined]
            return work(r)

        return original(recording)

    store.read = read  # type: ignore[method-assign]
    try:
        answer = ask(Questions(store))
    finally:
        del store.read
    return answer, run
