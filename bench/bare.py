"""The baselines the store is measured against: the simplest correct scripts, without chanjiao's machinery.

Loads
    * Neo4j: what a Neo4j expert would write by hand — ``UNWIND $rows AS row MERGE (n:Label {id: row.id})
      SET n += row.props`` per label, ``MATCH`` both ends by id and ``MERGE`` the relationship (on its key
      properties, e.g. DEMANDS on ``year``) ``SET r += row.props`` per type, 10,000 rows per transaction
      (the usual advice), each batch committed on its own. No validation, no created/updated/unchanged
      counting, no all-or-nothing transaction.
    * Embedded: one SQLite transaction of ``executemany`` upserts into the same tables, with the same
      durability (WAL, synchronous=FULL), then ``networkx`` ``add_node`` / ``add_edge``. No diff against
      the graph, no search index.

Reads
    The same primitive calls a question makes, replayed without the engine: ``Recorder`` notes every
    primitive call (and how many rows it returned) while a question runs; ``replay`` makes exactly those
    calls again in one ``GraphStore.read`` (one read transaction on Neo4j). The difference between a
    question and its replay is the engine's own Python work.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
from neo4j import Driver

from graph.records import Batch
from graph.store import GraphReader, GraphStore
from ontology.schema import Schema

T = TypeVar("T")

NEO4J_BATCH = 10_000


# ---------------------------------------------------------------- loads


def neo4j_load(driver: Driver, schema: Schema, batch: Batch, database: str = "neo4j", size: int = NEO4J_BATCH) -> None:
    """Write ``batch`` with plain ``UNWIND … MERGE … SET`` statements, ``size`` rows per committed transaction."""
    node_groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for node in batch.nodes:
        node_groups[node.label].append({"id": node.id, "props": node.props})
    edge_groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for edge in batch.edges:
        group = (edge.type, batch.endpoint_labels[edge.source], batch.endpoint_labels[edge.target])
        edge_groups[group].append({"source": edge.source, "target": edge.target, "props": edge.props})
    statements: list[tuple[str, list[dict[str, Any]]]] = []
    for label, rows in node_groups.items():
        statements.append((f"UNWIND $rows AS row MERGE (n:`{label}` {{id: row.id}}) SET n += row.props", rows))
    for (rel_type, source, target), rows in edge_groups.items():
        keys = schema.relationship(rel_type).keys
        merge_key = " {" + ", ".join(f"`{k}`: row.props.`{k}`" for k in keys) + "}" if keys else ""
        statements.append(
            (
                f"UNWIND $rows AS row MATCH (a:`{source}` {{id: row.source}}) MATCH (b:`{target}` {{id: row.target}}) "
                f"MERGE (a)-[r:`{rel_type}`{merge_key}]->(b) SET r += row.props",
                rows,
            )
        )
    with driver.session(database=database) as session:
        for query, rows in statements:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                session.execute_write(lambda tx, q=query, c=chunk: tx.run(q, rows=c).consume())


_DDL = """
CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, label TEXT NOT NULL, props TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL, type TEXT NOT NULL, target TEXT NOT NULL, ekey TEXT NOT NULL, props TEXT NOT NULL,
    PRIMARY KEY (source, type, target, ekey)
);
"""


class EmbeddedBare:
    """SQLite (same tables and durability as the embedded store) plus a networkx graph, and nothing else."""

    def __init__(self, path: Path, schema: Schema) -> None:
        self.schema = schema
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_DDL)
        self.graph = nx.MultiDiGraph()

    def load(self, batch: Batch) -> None:
        keys = {name: rel.keys for name, rel in self.schema.relationships.items()}
        node_rows = [(n.id, n.label, json.dumps(n.props, ensure_ascii=False)) for n in batch.nodes]
        edge_rows = [
            (
                e.source,
                e.type,
                e.target,
                json.dumps([e.type, *(e.props.get(k) for k in keys[e.type])], ensure_ascii=False),
                json.dumps(e.props, ensure_ascii=False),
            )
            for e in batch.edges
        ]
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany(
            "INSERT INTO nodes VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET props = excluded.props", node_rows
        )
        self.db.executemany(
            "INSERT INTO edges VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(source, type, target, ekey) DO UPDATE SET props = excluded.props",
            edge_rows,
        )
        self.db.execute("COMMIT")
        for n in batch.nodes:
            self.graph.add_node(n.id, label=n.label, props=n.props)
        for (source, etype, target, key, _), e in zip(edge_rows, batch.edges, strict=True):
            self.graph.add_edge(source, target, key=key, type=etype, props=e.props)

    def close(self) -> None:
        self.db.close()


# ---------------------------------------------------------------- reads


_PRIMITIVES = (
    "nodes",
    "requirements",
    "requirers",
    "tasks",
    "targets",
    "includes",
    "programs",
    "develops",
    "developers",
    "learning_tasks",
    "matches",
    "demands",
    "needs",
    "delivery",
    "supports",
    "prerequisites",
)


@dataclass
class Call:
    """One primitive call: its name, its arguments (materialised) and how many rows it returned."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    rows: int = 0


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.calls)


def _materialise(value: Any) -> Any:
    if isinstance(value, str | int | float | tuple | type(None)):
        return value
    if isinstance(value, Iterable):
        return list(value)
    return value


def _rows(primitive: str, result: Any) -> int:
    """The rows a primitive returned (``developers``: the rows it chose, not the competencies it chose for)."""
    if primitive == "developers":
        return sum(len(d.best) for d in result.values())
    return len(result)


class _RecordingReader:
    """A ``GraphReader`` stand-in that forwards every primitive and notes the call."""

    def __init__(self, reader: GraphReader, recording: Recording) -> None:
        self._reader = reader
        self._recording = recording

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._reader, name)
        if name not in _PRIMITIVES:
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            args = tuple(_materialise(a) for a in args)
            kwargs = {k: _materialise(v) for k, v in kwargs.items()}
            result = target(*args, **kwargs)
            self._recording.calls.append(Call(name, args, kwargs, _rows(name, result)))
            return result

        return call


class RecordingStore:
    """Looks like a ``GraphStore`` to ``graph.questions.Questions``; records the primitives each read makes."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.schema = store.schema
        self.kind = store.kind
        self.recording = Recording()

    def read(self, work: Callable[[GraphReader], T]) -> T:
        recording = self.recording = Recording()
        return self.store.read(lambda reader: work(_RecordingReader(reader, recording)))  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def replay(store: GraphStore, recording: Recording) -> int:
    """Make the recorded primitive calls again, in one read; returns the rows read."""

    def work(reader: GraphReader) -> int:
        return sum(_rows(c.name, getattr(reader, c.name)(*c.args, **c.kwargs)) for c in recording.calls)

    return store.read(work)
