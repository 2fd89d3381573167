"""The embedded store: networkx in memory, SQLite on disk.

SQLite (WAL, synchronous=FULL) is the durable file: a write is one SQLite
transaction, so a crash keeps the last committed state and never half a write.
networkx is the query engine, loaded from the file when the store opens and
updated after each commit. Another process writing the same file is noticed
(``PRAGMA data_version``) and the graph reloaded before the next read.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from graph.errors import StoreUnavailableError
from graph.records import Batch, Edge, EdgeRecord, Node, NodeRecord, WriteSummary
from graph.store import (
    DeliveryRow,
    DemandRow,
    DevelopsRow,
    GraphReader,
    GraphStore,
    IncludesRow,
    LearningTaskRow,
    MatchRow,
    NeedRow,
    PrerequisiteRow,
    Progress,
    RequirementRow,
    TargetRow,
    TaskRow,
)
from graph.text import tokens
from ontology.schema import Schema

T = TypeVar("T")

_DDL = """
CREATE TABLE IF NOT EXISTS nodes (
    id    TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL,
    type   TEXT NOT NULL,
    target TEXT NOT NULL,
    ekey   TEXT NOT NULL,
    props  TEXT NOT NULL,
    PRIMARY KEY (source, type, target, ekey)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class EmbeddedStore(GraphStore):
    """A graph held in memory by networkx and persisted durably in one SQLite file."""

    kind = "embedded"

    def __init__(self, path: str | Path, schema: Schema) -> None:
        self.path = Path(path)
        self.schema = schema
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_DDL)
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailableError(f"cannot open the embedded store {self.path}: {exc}") from exc
        self._load()

    # -- lifecycle

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def health(self) -> dict[str, Any]:
        with self._lock:
            self._db.execute("SELECT 1").fetchone()
        return {
            "store": self.kind,
            "reachable": True,
            "path": str(self.path),
            "version": f"SQLite {sqlite3.sqlite_version}, networkx {nx.__version__}",
        }

    def apply_schema(self) -> list[str]:
        return []  # ids are primary keys; the in-memory indexes are always built

    # -- writes

    def write(self, batch: Batch, progress: Progress | None = None) -> WriteSummary:
        with self._lock:
            self._refresh()
            summary = WriteSummary()
            node_rows, node_changes = self._diff_nodes(batch.nodes, summary)
            edge_rows, edge_changes = self._diff_edges(batch.edges, summary)
            if node_rows or edge_rows:
                with self._transaction() as cur:
                    cur.executemany(
                        "INSERT INTO nodes (id, label, props) VALUES (?, ?, ?) "
                        "ON CONFLICT(id) DO UPDATE SET props = excluded.props",
                        node_rows,
                    )
                    cur.executemany(
                        "INSERT INTO edges (source, type, target, ekey, props) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT(source, type, target, ekey) DO UPDATE SET props = excluded.props",
                        edge_rows,
                    )
                for node_id, label, props in node_changes:
                    self._put_node(node_id, label, props)
                for source, target, key, etype, props in edge_changes:
                    self._graph.add_edge(source, target, key=key, type=etype, props=props)
                self._seen_version = self._data_version()
            if progress is not None:
                total = len(batch.nodes) + len(batch.edges)
                progress(total, total)
            return summary

    def clear(self) -> None:
        with self._lock, self._transaction() as cur:
            cur.execute("DELETE FROM edges")
            cur.execute("DELETE FROM nodes")
        with self._lock:
            self._load()

    def _diff_nodes(
        self, nodes: list[NodeRecord], summary: WriteSummary
    ) -> tuple[list[tuple[str, str, str]], list[Any]]:
        rows, changes = [], []
        for node in nodes:
            current = self._graph.nodes.get(node.id)
            if current is None:
                summary.nodes_created += 1
                merged = dict(node.props)
            elif _same(current["props"], node.props):
                summary.nodes_unchanged += 1
                continue
            else:
                summary.nodes_updated += 1
                merged = {**current["props"], **node.props}
            rows.append((node.id, node.label, _dump(merged)))
            changes.append((node.id, node.label, merged))
        return rows, changes

    def _diff_edges(self, edges: list[EdgeRecord], summary: WriteSummary) -> tuple[list[tuple[str, ...]], list[Any]]:
        rows, changes = [], []
        for edge in edges:
            key = self._edge_key(edge.type, edge.props)
            current = self._graph.get_edge_data(edge.source, edge.target, key)
            if current is None:
                summary.edges_created += 1
                merged = dict(edge.props)
            elif _same(current["props"], edge.props):
                summary.edges_unchanged += 1
                continue
            else:
                summary.edges_updated += 1
                merged = {**current["props"], **edge.props}
            rows.append((edge.source, edge.type, edge.target, key, _dump(merged)))
            changes.append((edge.source, edge.target, key, edge.type, merged))
        return rows, changes

    def _edge_key(self, etype: str, props: dict[str, Any]) -> str:
        keys = self.schema.relationships[etype].keys
        return json.dumps([etype, *(props.get(k) for k in keys)], ensure_ascii=False)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    # -- reads

    def read(self, work: Callable[[GraphReader], T]) -> T:
        with self._lock:
            self._refresh()
            return work(_Reader(self._graph, self._by_label))

    def labels_of(self, ids: Iterable[str]) -> dict[str, str]:
        with self._lock:
            self._refresh()
            nodes = self._graph.nodes
            return {i: nodes[i]["label"] for i in ids if i in nodes}

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        with self._lock:
            self._refresh()
            nodes = self._graph.nodes
            return {i: Node(nodes[i]["label"], i, dict(nodes[i]["props"])) for i in ids if i in nodes}

    def adjacent(self, ids: Iterable[str], rel_type: str | None = None, outgoing: bool = False) -> list[Edge]:
        with self._lock:
            self._refresh()
            g = self._graph
            found: dict[tuple[str, str, str], Edge] = {}
            for node_id in ids:
                if node_id not in g:
                    continue
                edges = g.out_edges(node_id, keys=True, data=True)
                if not outgoing:
                    edges = [*edges, *g.in_edges(node_id, keys=True, data=True)]
                for s, t, k, data in edges:
                    if rel_type is None or data["type"] == rel_type:
                        found[(s, t, k)] = Edge(data["type"], s, t, dict(data["props"]))
            return list(found.values())

    def list_nodes(self, label: str, offset: int, limit: int) -> tuple[list[Node], int]:
        with self._lock:
            self._refresh()
            ids = sorted(self._by_label.get(label, ()))
            page = ids[offset : offset + limit]
            return [Node(label, i, dict(self._graph.nodes[i]["props"])) for i in page], len(ids)

    def search(self, text: str, labels: list[str] | None, limit: int) -> list[tuple[Node, float]]:
        wanted = set(tokens(text))
        if not wanted:
            return []
        with self._lock:
            self._refresh()
            total = max(len(self._graph), 1)
            scores: dict[str, float] = defaultdict(float)
            for token in wanted:
                postings = self._postings.get(token, {})
                idf = 1.0 + math.log(total / (1 + len(postings)))
                for node_id, tf in postings.items():
                    scores[node_id] += idf * (1.0 + math.log(tf)) / math.sqrt(self._doc_len[node_id])
            nodes = self._graph.nodes
            hits = [
                (Node(nodes[i]["label"], i, dict(nodes[i]["props"])), round(score, 6))
                for i, score in scores.items()
                if labels is None or nodes[i]["label"] in labels
            ]
        hits.sort(key=lambda hit: (-hit[1], hit[0].id))
        return hits[:limit]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        with self._lock:
            self._refresh()
            labels = {name: len(self._by_label.get(name, ())) for name in self.schema.classes}
            types = Counter(data["type"] for _, _, data in self._graph.edges(data=True))
            return labels, {name: types.get(name, 0) for name in self.schema.relationships}

    # -- in-memory state

    def _load(self) -> None:
        self._graph = nx.MultiDiGraph()
        self._by_label: dict[str, set[str]] = defaultdict(set)
        self._postings: dict[str, dict[str, int]] = defaultdict(dict)
        self._doc_len: dict[str, int] = {}
        self._seen_version = self._data_version()
        for node_id, label, props in self._db.execute("SELECT id, label, props FROM nodes"):
            self._put_node(node_id, label, json.loads(props))
        for source, etype, target, key, props in self._db.execute(
            "SELECT source, type, target, ekey, props FROM edges"
        ):
            self._graph.add_edge(source, target, key=key, type=etype, props=json.loads(props))

    def _refresh(self) -> None:
        """Reload when another process has committed to the file since we last looked."""
        if self._data_version() != self._seen_version:
            self._load()

    def _data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def _put_node(self, node_id: str, label: str, props: dict[str, Any]) -> None:
        old = self._graph.nodes.get(node_id)
        if old is not None:
            for token in self._index_tokens(old["props"]):
                self._postings[token].pop(node_id, None)
        self._graph.add_node(node_id, label=label, props=props)
        self._by_label[label].add(node_id)
        counted = Counter(self._index_tokens(props))
        for token, tf in counted.items():
            self._postings[token][node_id] = tf
        self._doc_len[node_id] = max(sum(counted.values()), 1)

    def _index_tokens(self, props: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for name in self.schema.searchable:
            value = props.get(name)
            for text in value if isinstance(value, list) else [value] if value else []:
                out.extend(tokens(str(text)))
        return out


class _Reader(GraphReader):
    """The question primitives as walks over the in-memory graph (the caller holds the store's lock)."""

    def __init__(self, graph: nx.MultiDiGraph, by_label: dict[str, set[str]]) -> None:
        self._g = graph
        self._by_label = by_label

    # -- walking

    def _label(self, node: str) -> str | None:
        data = self._g.nodes.get(node)
        return None if data is None else data["label"]

    def _is(self, node: str, label: str) -> bool:
        return self._label(node) == label

    def _out(self, node: str, etype: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(target, edge properties) of each ``etype`` relationship leaving ``node``."""
        for target, keyed in self._g.succ[node].items():
            for data in keyed.values():
                if data["type"] == etype:
                    yield target, data["props"]

    def _in(self, node: str, etype: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(source, edge properties) of each ``etype`` relationship arriving at ``node``."""
        for source, keyed in self._g.pred[node].items():
            for data in keyed.values():
                if data["type"] == etype:
                    yield source, data["props"]

    def _each(self, ids: Iterable[str], label: str) -> list[str]:
        return [i for i in dict.fromkeys(ids) if self._is(i, label)]

    # -- primitives

    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        found = {}
        for node_id in dict.fromkeys(ids):
            data = self._g.nodes.get(node_id)
            if data is not None:
                found[node_id] = Node(data["label"], node_id, dict(data["props"]))
        return found

    def requirements(self, occupations: Iterable[str]) -> list[RequirementRow]:
        rows = []
        for occupation in self._each(occupations, "Occupation"):
            holders = [(occupation, None)] + [(t, t) for t, _ in self._out(occupation, "HAS_TASK")]
            for holder, task in holders:
                for competency, p in self._out(holder, "REQUIRES"):
                    rows.append(
                        RequirementRow(
                            occupation, task, competency, p.get("level"), p.get("importance"), p.get("essential")
                        )
                    )
        return rows

    def requirers(self, competencies: Iterable[str]) -> list[str]:
        found: set[str] = set()
        for competency in self._each(competencies, "Competency"):
            for holder, _ in self._in(competency, "REQUIRES"):
                if self._is(holder, "Occupation"):
                    found.add(holder)
                else:
                    found.update(o for o, _ in self._in(holder, "HAS_TASK"))
        return list(found)

    def tasks(self, occupations: Iterable[str]) -> list[TaskRow]:
        return [TaskRow(o, t) for o in self._each(occupations, "Occupation") for t, _ in self._out(o, "HAS_TASK")]

    def targets(self, programs: Iterable[str]) -> list[TargetRow]:
        return [
            TargetRow(p, o, props.get("level"))
            for p in self._each(programs, "Program")
            for o, props in self._out(p, "TARGETS")
        ]

    def includes(
        self, *, programs: Iterable[str] | None = None, courses: Iterable[str] | None = None
    ) -> list[IncludesRow]:
        if programs is not None:
            pairs = [(p, c, props) for p in self._each(programs, "Program") for c, props in self._out(p, "INCLUDES")]
        else:
            pairs = [(p, c, props) for c in self._each(courses or (), "Course") for p, props in self._in(c, "INCLUDES")]
        return [IncludesRow(p, c, props.get("semester"), props.get("required")) for p, c, props in pairs]

    def programs(self, region: str | None = None) -> list[str]:
        if region is None:
            return list(self._by_label.get("Program", ()))
        if not self._is(region, "Region"):
            return []
        schools = [s for s, _ in self._in(region, "IN_REGION") if self._is(s, "School")]
        return list({p for s in schools for p, _ in self._out(s, "OFFERS")})

    def develops(
        self, *, courses: Iterable[str] | None = None, competencies: Iterable[str] | None = None
    ) -> list[DevelopsRow]:
        rows = []
        if courses is not None:
            for course in self._each(courses, "Course"):
                rows += [DevelopsRow(course, None, c, p.get("level")) for c, p in self._out(course, "DEVELOPS")]
                for lt, _ in self._out(course, "HAS_LEARNING_TASK"):
                    rows += [DevelopsRow(course, lt, c, p.get("level")) for c, p in self._out(lt, "DEVELOPS")]
            return rows
        for competency in self._each(competencies or (), "Competency"):
            for holder, p in self._in(competency, "DEVELOPS"):
                if self._is(holder, "Course"):
                    rows.append(DevelopsRow(holder, None, competency, p.get("level")))
                    continue
                owners = [c for c, _ in self._in(holder, "HAS_LEARNING_TASK")] or [None]
                rows += [DevelopsRow(owner, holder, competency, p.get("level")) for owner in owners]
        return rows

    def learning_tasks(self, courses: Iterable[str]) -> list[LearningTaskRow]:
        rows = []
        for course in self._each(courses, "Course"):
            for lt, _ in self._out(course, "HAS_LEARNING_TASK"):
                tasks = [t for t, _ in self._out(lt, "DERIVED_FROM")] or [None]
                rows += [LearningTaskRow(course, lt, task) for task in tasks]
        return rows

    def matches(self, competencies: Iterable[str], kinds: tuple[str, ...]) -> list[MatchRow]:
        rows = []
        for competency in self._each(competencies, "Competency"):
            for kind in kinds:
                rows += [MatchRow(competency, other, kind) for other, _ in self._out(competency, kind)]
                rows += [MatchRow(competency, other, kind) for other, _ in self._in(competency, kind)]
        return rows

    def _employers(self, employers: Iterable[str] | None, region: str | None, industry: str | None) -> set[str] | None:
        """The employers the filters keep, or None when no filter is given."""
        if employers is None and region is None and industry is None:
            return None
        kept = (
            set(self._each(employers, "Employer")) if employers is not None else set(self._by_label.get("Employer", ()))
        )
        for etype, place in (("IN_REGION", region), ("IN_INDUSTRY", industry)):
            if place is not None:
                kept = {e for e in kept if any(t == place for t, _ in self._out(e, etype))}
        return kept

    def demands(
        self,
        *,
        occupations: Iterable[str] | None = None,
        employers: Iterable[str] | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> list[DemandRow]:
        kept = self._employers(employers, region, industry)
        if occupations is not None:
            pairs = [(e, o, p) for o in self._each(occupations, "Occupation") for e, p in self._in(o, "DEMANDS")]
        else:
            sources = kept if kept is not None else self._by_label.get("Employer", ())
            pairs = [(e, o, p) for e in sources for o, p in self._out(e, "DEMANDS")]
        return [
            DemandRow(e, o, p["headcount"], p["year"], p.get("level")) for e, o, p in pairs if kept is None or e in kept
        ]

    def needs(
        self,
        *,
        competencies: Iterable[str] | None = None,
        employers: Iterable[str] | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> list[NeedRow]:
        kept = self._employers(employers, region, industry)
        if competencies is not None:
            pairs = [(e, c, p) for c in self._each(competencies, "Competency") for e, p in self._in(c, "NEEDS")]
        else:
            sources = kept if kept is not None else self._by_label.get("Employer", ())
            pairs = [(e, c, p) for e in sources for c, p in self._out(e, "NEEDS")]
        return [NeedRow(e, c, p.get("level")) for e, c, p in pairs if kept is None or e in kept]

    def delivery(self, targets: Iterable[str]) -> list[DeliveryRow]:
        rows = []
        for target in dict.fromkeys(targets):
            if self._label(target) not in ("Course", "LearningTask"):
                continue
            for resource, _ in self._in(target, "SUPPORTS"):
                kind = self._g.nodes[resource]["props"].get("type")
                rows.append(DeliveryRow(target, "resource", resource, kind, None))
            rows += [DeliveryRow(target, "training_base", b, None, None) for b, _ in self._in(target, "HOSTS")]
            for teacher, _ in self._in(target, "TEACHES"):
                dual = self._g.nodes[teacher]["props"].get("dual_qualified")
                rows.append(DeliveryRow(target, "teacher", teacher, None, dual))
        return rows

    def prerequisites(self, courses: Iterable[str]) -> list[PrerequisiteRow]:
        return [
            PrerequisiteRow(before, after)
            for after in self._each(courses, "Course")
            for before, _ in self._in(after, "PREREQUISITE_OF")
        ]


def _same(current: dict[str, Any], given: dict[str, Any]) -> bool:
    return all(current.get(k) == v for k, v in given.items())


def _dump(props: dict[str, Any]) -> str:
    return json.dumps(props, ensure_ascii=False, sort_keys=True)
