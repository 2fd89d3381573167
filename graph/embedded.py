"""The embedded store: networkx in memory, SQLite on disk.

SQLite (WAL, synchronous=FULL) is the durable file: a write is one SQLite
transaction, so a crash keeps the last committed state and never half a write.
networkx is the query engine, loaded from the file when the store opens and
updated after each commit. Another process writing the same file is noticed
(``PRAGMA data_version``) before the next read, and what its loads changed is
read back from the audit trail (``_changes_since``); a write that left no load in
the trail (a ``clear``, an edit made directly in the file) reloads the graph.

The audit trail (``graph.audit``) is two more tables of the same file, written
in the same transaction as the data.

The graph is millions of long-lived objects; once loaded, and after each write,
the store builds them with the garbage collector paused and then moves them out
of its sight (``_building``), and the search index is built on the first search
rather than on every write.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
import math
import sqlite3
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from graph.audit import (
    LOAD,
    AuditTx,
    Change,
    ChangeGroups,
    LoadEntry,
    Ref,
    Stamp,
    canonical,
    changed,
    fingerprint,
    pack_change_sets,
    pack_group_sets,
    unpack_changes,
)
from graph.collector import paused
from graph.derived import Derived
from graph.development import Development, order
from graph.errors import StoreUnavailableError
from graph.records import Batch, Edge, Node, NodeRecord, WriteSummary, unchanged
from graph.settings import WRITE_WAIT_S
from graph.store import (
    AssessmentRow,
    CohortRow,
    ConductRow,
    DeliveryRow,
    DemandRow,
    Developers,
    DevelopsRow,
    GraphReader,
    GraphStore,
    IncludesRow,
    LearningTaskRow,
    MatchRow,
    NeedRow,
    PlacementRow,
    PrerequisiteRow,
    Progress,
    RequirementRow,
    ResearchRow,
    ResultRow,
    SupportRow,
    TargetRow,
    TaskRow,
    Wanted,
)
from graph.text import tokens
from ontology.schema import Schema

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R", DemandRow, NeedRow)  # a row from an employer

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
CREATE TABLE IF NOT EXISTS loads (
    id             INTEGER PRIMARY KEY,
    operation      TEXT NOT NULL,
    who            TEXT NOT NULL,
    source         TEXT,
    at             TEXT NOT NULL,
    counts         TEXT NOT NULL,
    reverts        INTEGER,
    rolled_back_by INTEGER
);
CREATE TABLE IF NOT EXISTS load_changes (
    load    INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    changes TEXT NOT NULL,  -- a set as graph.audit.pack_changes packs it (text: an earlier version's)
    PRIMARY KEY (load, seq)
);
"""

_LOAD_COLUMNS = "id, operation, who, source, at, counts, reverts, rolled_back_by"

#: How long a statement waits for the file when another connection has it locked (sqlite3's default). A reader of
#: a WAL file waits only in rare moments (another process recovering the file after a crash); a write waits for
#: another process's write without holding the store's lock (``_begin_write``), not here.
_BUSY_TIMEOUT_S = 5.0

#: The pauses between two tries of the file's write lock: growing from the first to the last, as sqlite3's own
#: busy handler's do.
_FIRST_PAUSE_S, _LAST_PAUSE_S = 0.002, 0.05


class TypedAdjacency:
    """Each node's relationships by type and direction, beside the MultiDiGraph.

    The graph's own adjacency is keyed by neighbour; a typed step (a skill's one
    EXACT_MATCH among its thousands of REQUIRES) would walk the node's whole degree.
    Here it costs only the relationships of that type (bench/analysis.md, "Miss 1").
    It also counts the relationships of each type, which the graph would count by walking all of them.

    >>> typed = TypedAdjacency()
    >>> typed.add("a", "b", "k", "R", {}); typed.add("a", "b", "k", "R", {"w": 1}); typed.add("b", "b", "k", "R", {})
    >>> typed.count["R"]
    2
    >>> typed.drop("b")
    >>> typed.count["R"]
    0
    """

    def __init__(self) -> None:
        self.out: dict[str, dict[str, dict[tuple[str, str], dict[str, Any]]]] = defaultdict(lambda: defaultdict(dict))
        self.into: dict[str, dict[str, dict[tuple[str, str], dict[str, Any]]]] = defaultdict(lambda: defaultdict(dict))
        self.count: Counter[str] = Counter()

    def add(self, source: str, target: str, key: str, etype: str, props: dict[str, Any]) -> None:
        edges = self.out[source][etype]
        if (target, key) not in edges:  # else new properties for a relationship already there
            self.count[etype] += 1
        edges[(target, key)] = props
        self.into[target][etype][(source, key)] = props

    def remove(self, source: str, target: str, key: str, etype: str) -> None:
        if self.out[source][etype].pop((target, key), None) is not None:
            self.count[etype] -= 1
        self.into[target][etype].pop((source, key), None)

    def drop(self, node: str) -> None:
        """Forget ``node`` and every relationship at it (on both of their ends)."""
        for etype, edges in self.out.pop(node, {}).items():
            self.count[etype] -= len(edges)
            for target, key in edges:
                self.into[target][etype].pop((node, key), None)
        for etype, edges in self.into.pop(node, {}).items():  # its loops went with its outgoing relationships
            self.count[etype] -= len(edges)
            for source, key in edges:
                self.out[source][etype].pop((node, key), None)


class EmbeddedStore(GraphStore):
    """A graph held in memory by networkx and persisted durably in one SQLite file."""

    kind = "embedded"

    def __init__(self, path: str | Path, schema: Schema, write_wait: float = WRITE_WAIT_S) -> None:
        self.path = Path(path)
        self.schema = schema
        self.write_wait = write_wait
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # A relationship's stored key, computed once per type: most types have no key property, so
        # every relationship of such a type has the same key (bench/analysis.md, "Miss 5").
        self._keys = {name: rel.keys for name, rel in schema.relationships.items()}
        self._keyless = {name: _stored_key(name, ()) for name, keys in self._keys.items() if not keys}
        try:
            self._db = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
            )
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
            self._release()

    def __del__(self) -> None:
        # A store dropped without close(): its graph and its connection are reference cycles that
        # ``_building`` hid from the collector, so they are freed here, not left for it.
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
        self._release()

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

    def write(self, batch: Batch, progress: Progress | None = None, stamp: Stamp | None = None) -> WriteSummary:
        stamp = stamp or Stamp.now()

        def work(tx: _Tx) -> WriteSummary:
            summary = WriteSummary()
            noted = ChangeGroups()
            tx.put_nodes(self._diff_nodes(batch.nodes, summary, noted))
            tx.put_edges(self._diff_edges(batch, summary, noted))
            summary.load_id = tx.record_sets(stamp, LOAD, summary.as_dict(), pack_group_sets(noted.groups))
            return summary

        summary = self._audited(work)
        if progress is not None:
            total = len(batch.nodes) + len(batch.edges)
            progress(total, total)
        return summary

    def audited(self, work: Callable[[AuditTx], T]) -> T:
        return self._audited(work)

    def _audited(self, work: Callable[[_Tx], T]) -> T:
        """Run ``work`` in one SQLite transaction; apply what it changed to the in-memory graph only once committed."""
        while True:
            with self._lock, _building():
                # Caught up before taking the file's write lock, so that a reload (seconds at ×1, 40 s at ×16)
                # does not hold it: other processes' writes wait on it.
                self._refresh()
            with self._writing() as cur, _building():
                # Inside the write transaction no other process can commit: what ``work`` diffs against is the
                # file's last state, and the version seen stays true after our commit (our own commits do not
                # change it). Only what was committed since the look above is read here; when that needs a
                # reload (a clear, an edit outside chanjiao or a large load came meanwhile), the lock is let go
                # for it and taken again.
                if not self._refresh(reload=False):
                    cur.execute("ROLLBACK")
                    continue
                tx = _Tx(self, cur)
                result = work(tx)
                self._seen_load = _last_load(cur)
                cur.execute("COMMIT")
                for apply in tx.pending:
                    apply()
                if tx.pending:
                    self._derived.clear()
                return result

    def clear(self) -> None:
        with self._writing() as cur:
            for table in ("edges", "nodes", "load_changes", "loads"):
                cur.execute(f"DELETE FROM {table}")
            # Load ids start again from 1: other processes must reload rather than catch up (``_changes_since``).
            cur.execute(
                "INSERT INTO meta (key, value) VALUES ('generation', '1') "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
            cur.execute("COMMIT")
            self._load()

    # The two diffs note each change for the audit directly in its stored form, a set of columns per label or
    # type (``graph.audit.pack_changes``): a ``Change`` per item, or a dict per item, cost more to build and to
    # encode than the rest of the audit, and ESCO's changes took 35 MB as text against 4.5 MB packed.

    def _diff_nodes(
        self, nodes: list[NodeRecord], summary: WriteSummary, noted: ChangeGroups
    ) -> list[tuple[str, str, dict[str, Any], str]]:
        """The nodes to write, merged with what is stored; counts them and notes each change in ``noted``."""
        rows = []
        for node in nodes:
            current = self._graph.nodes.get(node.id)
            if current is None:
                summary.nodes_created += 1
                before, merged = None, dict(node.props)
            elif unchanged(current["props"], node.props):
                summary.nodes_unchanged += 1
                continue
            else:
                summary.nodes_updated += 1
                before = dict(current["props"])
                merged = {**before, **node.props}
            text = canonical(merged)  # the row's text, and what the change's digest fingerprints
            rows.append((node.id, node.label, merged, text))
            noted.node(node.label, node.id, before, fingerprint(text))
        return rows

    def _diff_edges(
        self, batch: Batch, summary: WriteSummary, noted: ChangeGroups
    ) -> list[tuple[str, str, str, str, dict[str, Any], str]]:
        """The relationships to write, like ``_diff_nodes``."""
        rows = []
        ends = batch.endpoint_labels
        for edge in batch.edges:
            key = self._edge_key(edge.type, edge.props)
            current = self._graph.get_edge_data(edge.source, edge.target, key)
            if current is None:
                summary.edges_created += 1
                before, merged = None, dict(edge.props)
            elif unchanged(current["props"], edge.props):
                summary.edges_unchanged += 1
                continue
            else:
                summary.edges_updated += 1
                before = dict(current["props"])
                merged = {**before, **edge.props}
            text = canonical(merged)
            rows.append((edge.source, edge.type, edge.target, key, merged, text))
            keys = self._keys[edge.type]
            key_values = [merged.get(k) for k in keys] if keys else []
            labels = [ends[edge.source], ends[edge.target]]
            noted.edge(edge.type, labels, edge.source, edge.target, key_values, before, fingerprint(text))
        return rows

    def _key_values(self, etype: str, props: dict[str, Any]) -> tuple[Any, ...]:
        keys = self._keys[etype]
        return tuple(props.get(k) for k in keys) if keys else ()

    def _edge_key(self, etype: str, props: dict[str, Any]) -> str:
        """The stored key of a relationship: its type and key property values, as JSON."""
        fixed = self._keyless.get(etype)
        return fixed if fixed is not None else _stored_key(etype, self._key_values(etype, props))

    def _ref_key(self, ref: Ref) -> str:
        """The stored key of the relationship ``ref`` names."""
        fixed = None if ref.key else self._keyless.get(ref.label)
        return fixed if fixed is not None else _stored_key(ref.label, ref.key)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One state of the file for every read of the block: a read transaction, or the write transaction open."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Cursor]:
        """The file's write transaction, with the store's lock held until the block ends: committed then, unless
        the block committed it itself (to change the graph after the commit, still under the lock); rolled back
        on an error."""
        cur = self._begin_write()
        try:
            yield cur
            if self._db.in_transaction:
                cur.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                cur.execute("ROLLBACK")
            raise
        finally:
            self._lock.release()

    def _begin_write(self) -> sqlite3.Cursor:
        """Take the store's lock and begin the file's write transaction (``BEGIN IMMEDIATE``).

        While another process writes the file, each try fails at once and the store's lock is let go until the
        next: the process's reads go on meanwhile (they read the graph as it was before that write), where
        sqlite3's own wait would hold the lock, and them, all along. After ``write_wait`` seconds the write gives
        up, with a message a person can act on.
        """
        deadline = time.monotonic() + self.write_wait
        pause = _FIRST_PAUSE_S
        while True:
            self._lock.acquire()
            try:
                if self._try_begin():
                    return self._db.cursor()
            except BaseException:
                self._lock.release()
                raise
            self._lock.release()
            if time.monotonic() >= deadline:
                raise StoreUnavailableError(
                    f"the embedded store {self.path} is being written by another process (a load through the CLI "
                    f"or another API worker) and was still locked after {self.write_wait:g} s: nothing was "
                    "written; try again when that load is done"
                )
            time.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
            pause = min(pause * 2, _LAST_PAUSE_S)

    def _try_begin(self) -> bool:
        """``BEGIN IMMEDIATE`` without waiting: False when another connection holds the file's write lock."""
        self._db.execute("PRAGMA busy_timeout = 0")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorname not in ("SQLITE_BUSY", "SQLITE_LOCKED"):
                raise
            return False
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
        return True

    # -- reads

    def read(self, work: Callable[[GraphReader], T]) -> T:
        with self._lock:
            self._refresh()
            return work(_Reader(self._graph, self._by_label, self._typed, self._derived))

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

    def warm(self) -> None:
        with self._lock:
            self._refresh()
            self._search_index()  # 1.1 s at the bench's ×1, 18 s at ×16 (bench/analysis.md, round 16)

    def neighbours(self, ids: Iterable[str], exclude: Iterable[str], limit: int) -> list[str]:
        with self._lock:
            self._refresh()
            g = self._graph
            found: set[str] = set()
            for node_id in ids:
                if node_id in g:
                    found.update(g.succ[node_id])
                    found.update(g.pred[node_id])
        return sorted(found.difference(exclude))[: max(limit, 0)]

    def edges_among(self, ids: Iterable[str]) -> list[Edge]:
        with self._lock:
            self._refresh()
            g = self._graph
            among = {i for i in ids if i in g}
            return [
                Edge(data["type"], source, target, dict(data["props"]))
                for source in among
                for target, keyed in g.succ[source].items()
                if target in among
                for data in keyed.values()
            ]

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
            index = self._search_index()
            total = max(len(self._graph), 1)
            scores: dict[str, float] = defaultdict(float)
            for token in wanted:
                postings = index.get(token, {})
                idf = 1.0 + math.log(total / (1 + len(postings)))
                for node_id, tf in postings.items():
                    scores[node_id] += idf * (1.0 + math.log(tf)) / math.sqrt(self._doc_len[node_id])
            nodes = self._graph.nodes
            # Only the best ``limit`` become nodes: a common word scores tens of thousands at ×16.
            best = heapq.nsmallest(
                limit,
                ((round(score, 6), i) for i, score in scores.items() if labels is None or nodes[i]["label"] in labels),
                key=lambda hit: (-hit[0], hit[1]),
            )
            return [(Node(nodes[i]["label"], i, dict(nodes[i]["props"])), score) for score, i in best]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        with self._lock:
            self._refresh()
            labels = {name: len(self._by_label.get(name, ())) for name in self.schema.classes}
            return labels, {name: self._typed.count[name] for name in self.schema.relationships}

    # -- the audit trail

    def loads(self, offset: int, limit: int) -> tuple[list[LoadEntry], int]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_LOAD_COLUMNS} FROM loads ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
            total = self._db.execute("SELECT count(*) FROM loads").fetchone()[0]
        return [_entry(row) for row in rows], total

    def get_load(self, load_id: int) -> LoadEntry | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_LOAD_COLUMNS} FROM loads WHERE id = ?", (load_id,)).fetchone()
        return None if row is None else _entry(row)

    # -- in-memory state

    def _load(self) -> None:
        with _building():
            self._build()

    def _build(self) -> None:
        self._release()
        self._graph = nx.MultiDiGraph()
        self._typed = TypedAdjacency()
        self._by_label: dict[str, set[str]] = defaultdict(set)
        # The search index: token -> node id -> term frequency, and each node's token count. Built on the
        # first search (None until then), not on every write: tokenising every name, description and
        # alternative label was a fifth of a text-heavy write such as ESCO's (bench/analysis.md, "Miss 5").
        self._postings: dict[str, dict[str, int]] | None = None
        self._doc_len: dict[str, int] = {}
        # The nodes written or removed since the index was last brought up to date, each with the
        # properties the index holds for it (None: it holds none).
        self._stale: dict[str, dict[str, Any] | None] = {}
        # What the questions' walks derive from the graph, kept until it changes (``graph.derived``).
        self._derived = Derived()
        self._seen_version = self._data_version()
        with self._snapshot():
            self._seen_generation = self._generation()
            self._seen_load = _last_load(self._db)
            # Each row read is new strings: the ids, types and keys are interned, so that every relationship at a
            # node holds the node's own id rather than a copy of it, and relationships with the same properties
            # share one dict (244,049 relationships have 508 distinct property texts at the bench's ×1). Properties
            # are replaced, never changed in place.
            intern = sys.intern
            for node_id, label, props in self._db.execute("SELECT id, label, props FROM nodes"):
                self._put_node(intern(node_id), intern(label), json.loads(props))
            shared: dict[str, dict[str, Any]] = {}
            for source, etype, target, key, text in self._db.execute(
                "SELECT source, type, target, ekey, props FROM edges"
            ):
                props = shared.get(text)
                if props is None:
                    props = shared[text] = json.loads(text)
                self._add_edge(intern(source), intern(target), intern(key), intern(etype), props)

    def _release(self) -> None:
        """Empty the in-memory graph that is being replaced (a reload) or let go of (close, a dropped store).

        A networkx graph is a reference cycle (it caches views of itself), which only the garbage collector
        frees, and ``_building`` has taken it out of the collector's sight: emptied, only its empty shell
        stays behind instead of all its nodes and relationships.
        """
        graph = getattr(self, "_graph", None)
        if graph is not None:
            graph.clear()

    def _refresh(self, reload: bool = True) -> bool:
        """Catch up with what other processes have committed to the file since we last looked; False, with
        nothing changed, when that takes reading the whole file again and ``reload`` is False."""
        version = self._data_version()
        if version == self._seen_version:
            return True
        with _building():
            changes = self._changes_since()
            if changes is None:
                if not reload:
                    return False
                self._load()
            else:
                self._apply(changes)
        # Read before the catch-up: a commit made during it is looked at again next time (applying a state
        # twice changes nothing).
        self._seen_version = version
        return True

    def _changes_since(self) -> _Changes | None:
        """What the loads committed since we last looked changed, read back from the audit trail: each changed
        item's row as it is now. A school's workbook loaded by the CLI cost every API worker a reload of the whole
        file (bench/analysis.md, round 17).

        None when only a reload will do: no new load in the trail (an edit made directly in the file, outside
        chanjiao's writes), the store cleared since, or the loads changed more than a quarter of the graph
        (reading it whole then costs less than item by item).
        """
        with self._snapshot():
            if self._generation() != self._seen_generation:
                return None
            loads = self._db.execute("SELECT id, counts FROM loads WHERE id > ?", (self._seen_load,)).fetchall()
            size = len(self._graph) + sum(self._typed.count.values())
            if not loads or sum(changed(json.loads(counts)) for _, counts in loads) > size // 4:
                return None
            refs = {
                change.ref
                for (data,) in self._db.execute("SELECT changes FROM load_changes WHERE load > ?", (self._seen_load,))
                for change in unpack_changes(data)
            }
            node_ids = sorted(ref.id for ref in refs if ref.is_node)
            changes = _Changes(max(load_id for load_id, _ in loads), dict.fromkeys(node_ids))
            for start in range(0, len(node_ids), _IDS_PER_SELECT):
                for node_id, label, props in self._select_nodes(node_ids[start : start + _IDS_PER_SELECT]):
                    changes.nodes[node_id] = (label, props)
            for ref in refs:
                if not ref.is_node:
                    key = self._ref_key(ref)
                    row = self._db.execute(
                        "SELECT props FROM edges WHERE source = ? AND type = ? AND target = ? AND ekey = ?",
                        (ref.id, ref.label, ref.target, key),
                    ).fetchone()
                    changes.edges[(ref.id, str(ref.target), key, ref.label)] = None if row is None else row[0]
            return changes

    def _apply(self, changes: _Changes) -> None:
        """Bring the graph to the rows ``changes`` read: what is gone first (relationships, then nodes)."""
        g = self._graph
        for (source, target, key, _), props in changes.edges.items():
            if props is None and g.has_edge(source, target, key):
                self._remove_edge(source, target, key)
        for node_id, row in changes.nodes.items():
            if row is None and node_id in g:
                self._drop_node(node_id)
        for node_id, row in changes.nodes.items():
            if row is not None:
                self._put_node(node_id, row[0], json.loads(row[1]))
        for (source, target, key, etype), props in changes.edges.items():
            if props is not None:
                self._add_edge(source, target, key, etype, json.loads(props))
        self._derived.clear()
        self._seen_load = changes.last_load

    def _select_nodes(self, ids: list[str]) -> list[tuple[str, str, str]]:
        marks = ", ".join("?" * len(ids))
        return self._db.execute(f"SELECT id, label, props FROM nodes WHERE id IN ({marks})", ids).fetchall()

    def _data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def _generation(self) -> str | None:
        """Which clearing of the file this is (``clear`` counts them; None: never cleared)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return None if row is None else str(row[0])

    def _put_node(self, node_id: str, label: str, props: dict[str, Any]) -> None:
        self._stale_index(node_id)
        self._graph.add_node(node_id, label=label, props=props)
        self._by_label[label].add(node_id)

    def _add_edge(self, source: str, target: str, key: str, etype: str, props: dict[str, Any]) -> None:
        self._graph.add_edge(source, target, key=key, type=etype, props=props)
        self._typed.add(source, target, key, etype, props)

    def _remove_edge(self, source: str, target: str, key: str) -> None:
        etype = self._graph[source][target][key]["type"]
        self._graph.remove_edge(source, target, key=key)
        self._typed.remove(source, target, key, etype)

    def _drop_node(self, node_id: str) -> None:
        label = self._graph.nodes[node_id]["label"]
        self._typed.drop(node_id)
        self._stale_index(node_id)
        self._by_label[label].discard(node_id)
        self._graph.remove_node(node_id)

    # -- the search index (the caller holds the lock)

    def _stale_index(self, node_id: str) -> None:
        """Note, before ``node_id`` is written or removed, what the search index holds for it.

        Properties are replaced, never changed in place, so the dict noted here stays what was indexed.
        """
        if self._postings is None or node_id in self._stale:
            return
        if len(self._stale) >= len(self._graph) // 2:
            # Most of the graph is being written: building the index anew at the next search costs less
            # than catching up (which tokenises each node twice), and holds no old properties till then.
            self._postings, self._doc_len, self._stale = None, {}, {}
            return
        old = self._graph.nodes.get(node_id)
        self._stale[node_id] = None if old is None else old["props"]

    def _search_index(self) -> dict[str, dict[str, int]]:
        """The postings, brought up to date: built whole on the first search, then caught up on what changed."""
        postings = self._postings
        if postings is not None and not self._stale:
            return postings
        with _building():  # the index lives as long as the graph
            if postings is None:
                postings = self._postings = defaultdict(dict)
                self._doc_len = {}
                for node_id, data in self._graph.nodes.items():
                    self._index(postings, node_id, data["props"])
            else:
                for node_id, old in self._stale.items():
                    if old is not None:
                        for token in self._index_tokens(old):
                            postings[token].pop(node_id, None)
                        self._doc_len.pop(node_id, None)
                    data = self._graph.nodes.get(node_id)
                    if data is not None:
                        self._index(postings, node_id, data["props"])
            self._stale.clear()
        return postings

    def _index(self, postings: dict[str, dict[str, int]], node_id: str, props: dict[str, Any]) -> None:
        counted = Counter(self._index_tokens(props))
        for token, tf in counted.items():
            postings[token][node_id] = tf
        self._doc_len[node_id] = max(sum(counted.values()), 1)

    def _index_tokens(self, props: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for name in self.schema.searchable:
            value = props.get(name)
            for text in value if isinstance(value, list) else [value] if value else []:
                out.extend(tokens(str(text)))
        return out


class _Tx(AuditTx):
    """One SQLite transaction of the store (its lock held); in-memory changes wait in ``pending`` for the commit.

    The pending closures hold the store, never the transaction: a transaction must not be a reference
    cycle, which, once frozen by ``_building``, would keep its rows alive for good.
    """

    def __init__(self, store: EmbeddedStore, cur: sqlite3.Cursor) -> None:
        self._store = store
        self._cur = cur
        self._g = store._graph
        self.pending: list[Callable[[], None]] = []

    # -- the write path

    def put_nodes(self, rows: list[tuple[str, str, dict[str, Any], str]]) -> None:
        """Write nodes as (id, label, properties, their ``canonical`` text)."""
        self._cur.executemany(
            "INSERT INTO nodes (id, label, props) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET props = excluded.props",
            [(node_id, label, text) for node_id, label, _, text in rows],
        )
        store = self._store

        def apply() -> None:
            for node_id, label, props, _ in rows:
                store._put_node(node_id, label, props)

        self.pending.append(apply)

    def put_edges(self, rows: list[tuple[str, str, str, str, dict[str, Any], str]]) -> None:
        """Write relationships as (source, type, target, stored key, properties, their ``canonical`` text)."""
        self._cur.executemany(
            "INSERT INTO edges (source, type, target, ekey, props) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(source, type, target, ekey) DO UPDATE SET props = excluded.props",
            [(source, etype, target, key, text) for source, etype, target, key, _, text in rows],
        )
        store = self._store

        def apply() -> None:
            for source, etype, target, key, props, _ in rows:
                store._add_edge(source, target, key, etype, props)

        self.pending.append(apply)

    # -- AuditTx

    def entry(self, load_id: int) -> LoadEntry | None:
        row = self._cur.execute(f"SELECT {_LOAD_COLUMNS} FROM loads WHERE id = ?", (load_id,)).fetchone()
        return None if row is None else _entry(row)

    def later_loads(self, load_id: int) -> list[LoadEntry]:
        rows = self._cur.execute(
            f"SELECT {_LOAD_COLUMNS} FROM loads WHERE id > ? AND operation = ? AND rolled_back_by IS NULL ORDER BY id",
            (load_id, LOAD),
        ).fetchall()
        return [_entry(row) for row in rows]

    def changes(self, load_id: int) -> list[Change]:
        rows = self._cur.execute("SELECT changes FROM load_changes WHERE load = ? ORDER BY seq", (load_id,))
        return [change for (data,) in rows for change in unpack_changes(data)]

    def state(self, refs: Iterable[Ref]) -> dict[Ref, dict[str, Any] | None]:
        found: dict[Ref, dict[str, Any] | None] = {}
        for ref in refs:
            if ref.is_node:
                data = self._g.nodes.get(ref.id)
            else:
                data = self._g.get_edge_data(ref.id, ref.target, self._store._ref_key(ref))
            found[ref] = None if data is None else dict(data["props"])
        return found

    def edges_at(self, nodes: Iterable[Ref]) -> list[Ref]:
        found = []
        for node in nodes:
            if node.id not in self._g:
                continue
            for s, t, data in [*self._g.out_edges(node.id, data=True), *self._g.in_edges(node.id, data=True)]:
                found.append(Ref(data["type"], s, t, self._store._key_values(data["type"], data["props"])))
        return found

    def remove(self, refs: list[Ref]) -> None:
        store = self._store
        for ref in refs:
            if ref.is_node:
                self._cur.execute("DELETE FROM nodes WHERE id = ?", (ref.id,))
                self.pending.append(lambda r=ref: store._drop_node(r.id))
            else:
                key = store._ref_key(ref)
                self._cur.execute(
                    "DELETE FROM edges WHERE source = ? AND type = ? AND target = ? AND ekey = ?",
                    (ref.id, ref.label, ref.target, key),
                )
                self.pending.append(lambda r=ref, k=key: store._remove_edge(r.id, r.target, k))

    def restore(self, items: list[tuple[Ref, dict[str, Any]]]) -> None:
        self.put_nodes([(ref.id, ref.label, props, canonical(props)) for ref, props in items if ref.is_node])
        self.put_edges(
            [
                (ref.id, ref.label, str(ref.target), self._store._ref_key(ref), props, canonical(props))
                for ref, props in items
                if not ref.is_node
            ]
        )

    def record(
        self, stamp: Stamp, operation: str, counts: dict[str, int], changes: list[Change], reverts: int | None = None
    ) -> int:
        return self.record_sets(stamp, operation, counts, pack_change_sets(changes), reverts)

    def record_sets(
        self, stamp: Stamp, operation: str, counts: dict[str, int], sets: list[bytes], reverts: int | None = None
    ) -> int:
        """``record`` with the changes already packed in sets (``graph.audit.pack_changes``)."""
        self._cur.execute(
            "INSERT INTO loads (operation, who, source, at, counts, reverts) VALUES (?, ?, ?, ?, ?, ?)",
            (operation, stamp.who, stamp.source, stamp.at, json.dumps(counts), reverts),
        )
        load_id = int(self._cur.lastrowid or 0)
        self._cur.executemany(
            "INSERT INTO load_changes (load, seq, changes) VALUES (?, ?, ?)",
            [(load_id, seq, data) for seq, data in enumerate(sets)],
        )
        return load_id

    def mark_rolled_back(self, load_id: int, by: int) -> None:
        self._cur.execute("UPDATE loads SET rolled_back_by = ? WHERE id = ?", (by, load_id))


class _Reader(GraphReader):
    """The question primitives as walks over the in-memory graph (the caller holds the store's lock)."""

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        by_label: dict[str, set[str]],
        typed: TypedAdjacency,
        derived: Derived,
    ) -> None:
        # networkx's own node-attribute dict: ``graph.nodes.get`` reaches it through three Python calls, and
        # the walks look a label up for nearly every step (a fifth of a gaps question's profile at ×16).
        self._nodes: dict[str, dict[str, Any]] = graph._node
        self._by_label = by_label
        self._typed = typed
        self._derived = derived

    # -- walking

    def _label(self, node: str) -> str | None:
        data = self._nodes.get(node)
        return None if data is None else data["label"]

    def _is(self, node: str, label: str) -> bool:
        return self._label(node) == label

    def _out(self, node: str, etype: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(target, edge properties) of each ``etype`` relationship leaving ``node``."""
        # .get, not []: reading must never create an entry in the defaultdicts.
        for (target, _), props in self._typed.out.get(node, {}).get(etype, {}).items():
            yield target, props

    def _in(self, node: str, etype: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(source, edge properties) of each ``etype`` relationship arriving at ``node``."""
        for (source, _), props in self._typed.into.get(node, {}).get(etype, {}).items():
            yield source, props

    def _each(self, ids: Iterable[str], label: str) -> list[str]:
        return [i for i in dict.fromkeys(ids) if self._is(i, label)]

    # -- primitives

    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        ids = list(dict.fromkeys(ids))
        kept = self._kept(self._derived.nodes, ids, self._node)
        return {i: node for i in ids if (node := kept[i]) is not None}

    def _node(self, node_id: str) -> Node | None:
        data = self._nodes.get(node_id)
        return None if data is None else Node(data["label"], node_id, data["props"])

    def requirements(self, occupations: Iterable[str]) -> list[RequirementRow]:
        return self._kept_rows(self._derived.requirements, self._each(occupations, "Occupation"), self._requiring)

    def _requiring(self, occupation: str) -> list[RequirementRow]:
        rows = []
        holders = [(occupation, None)] + [(t, t) for t, _ in self._out(occupation, "HAS_TASK")]
        for holder, task in holders:
            for competency, p in self._out(holder, "REQUIRES"):
                level, importance, essential = p.get("level"), p.get("importance"), p.get("essential")
                rows.append(RequirementRow(occupation, task, competency, level, importance, essential))
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
        if programs is None:
            return self._kept_rows(self._derived.included, self._each(courses or (), "Course"), self._including)
        return [self._include(p, c, q) for p in self._each(programs, "Program") for c, q in self._out(p, "INCLUDES")]

    @staticmethod
    def _include(program: str, course: str, p: dict[str, Any]) -> IncludesRow:
        return IncludesRow(program, course, p.get("semester"), p.get("required"))

    def _including(self, course: str) -> list[IncludesRow]:
        """The INCLUDES rows of the programs that include ``course``."""
        return [self._include(p, course, q) for p, q in self._in(course, "INCLUDES")]

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
        if courses is not None:
            return self._kept_rows(self._derived.develops, self._each(courses, "Course"), self._developed_in)
        rows = []
        for competency in self._each(competencies or (), "Competency"):
            rows += self._developing(competency)
        return rows

    def _developed_in(self, course: str) -> list[DevelopsRow]:
        """The DEVELOPS rows of ``course``: its own, then its learning tasks'."""
        rows = [DevelopsRow(course, None, c, p.get("level")) for c, p in self._out(course, "DEVELOPS")]
        for lt, _ in self._out(course, "HAS_LEARNING_TASK"):
            rows += [DevelopsRow(course, lt, c, p.get("level")) for c, p in self._out(lt, "DEVELOPS")]
        return rows

    def _developing(self, competency: str) -> list[DevelopsRow]:
        """The DEVELOPS rows of ``competency``: of a course, or of a learning task with each course it is in."""
        rows = []
        for holder, p in self._in(competency, "DEVELOPS"):
            developed = p.get("level")
            if self._is(holder, "Course"):
                rows.append(DevelopsRow(holder, None, competency, developed))
                continue
            owners = [c for c, _ in self._in(holder, "HAS_LEARNING_TASK")] or [None]
            rows += [DevelopsRow(owner, holder, competency, developed) for owner in owners]
        return rows

    def developers(self, wanted: Iterable[Wanted], outside: Iterable[str], limit: int) -> dict[str, Developers]:
        outside = set(outside)
        found = {}
        wanted = [want._replace(counting=tuple(self._each(want.counting, "Competency"))) for want in wanted]
        counting = [c for want in wanted for c in want.counting]
        developments = self._kept(self._derived.developments, counting, self._development)
        for want in wanted:
            own = [developments[c] for c in want.counting if c == want.competency]
            matched = [developments[c] for c in want.counting if c != want.competency]
            # The competency itself first, then its matches merged in their common order.
            ordered = itertools.chain(
                *(d.satisfying(want.level) for d in own),
                heapq.merge(*(d.satisfying(want.level) for d in matched), key=order),
            )
            best = list(itertools.islice((r for r in ordered if r.course not in outside), limit))
            found[want.competency] = Developers(best, sum(d.count(want.level, outside) for d in own + matched))
        return found

    def _development(self, competency: str) -> Development:
        return Development(self._developing(competency))

    def _kept(self, table: dict[K, V], keys: Iterable[K], derive: Callable[[K], V]) -> dict[K, V]:
        """``table`` (one of ``graph.derived``'s) with an entry for each of ``keys``: ``derive`` makes those no
        question has wanted since the graph last changed.

        They stay until the next change, as long-lived as the graph: built with the collector paused and
        frozen with it (``graph.collector``), or each full collection would walk them — at ×16 the developers
        alone are at most one row per DEVELOPS relationship, 104 k, and took 60 ms a collection once every
        competency had been wanted.
        """
        missing = [key for key in dict.fromkeys(keys) if key not in table]
        if missing:
            with _building():
                for key in missing:
                    table[key] = derive(key)
        return table

    def _kept_rows(self, table: dict[K, list[V]], keys: list[K], derive: Callable[[K], list[V]]) -> list[V]:
        """The rows of each of ``keys``, kept in ``table`` (``_kept``), one key's after another's in their order."""
        kept = self._kept(table, keys, derive)
        return [row for key in keys for row in kept[key]]

    def learning_tasks(self, courses: Iterable[str]) -> list[LearningTaskRow]:
        rows = []
        for course in self._each(courses, "Course"):
            for lt, _ in self._out(course, "HAS_LEARNING_TASK"):
                tasks = [t for t, _ in self._out(lt, "DERIVED_FROM")] or [None]
                rows += [LearningTaskRow(course, lt, task) for task in tasks]
        return rows

    def matches(self, competencies: Iterable[str], kinds: tuple[str, ...]) -> list[MatchRow]:
        asked = [(competency, kind) for competency in self._each(competencies, "Competency") for kind in kinds]
        return self._kept_rows(self._derived.matches, asked, self._matching)

    def _matching(self, key: tuple[str, str]) -> list[MatchRow]:
        competency, kind = key
        rows = [MatchRow(competency, other, kind) for other, _ in self._out(competency, kind)]
        return rows + [MatchRow(competency, other, kind) for other, _ in self._in(competency, kind)]

    def _employers(self, employers: Iterable[str] | None, region: str | None, industry: str | None) -> set[str] | None:
        """The employers the filters keep, or None when no filter is given."""
        if employers is None and region is None and industry is None:
            return None
        if employers is not None:
            kept = set(self._each(employers, "Employer"))
            if region is not None:
                kept = {e for e in kept if any(t == region for t, _ in self._out(e, "IN_REGION"))}
        elif region is not None:
            # From the region's own IN_REGION links, not by testing every employer of the graph.
            kept = {e for e, _ in self._in(region, "IN_REGION") if self._is(e, "Employer")}
        else:
            kept = set(self._by_label.get("Employer", ()))
        if industry is not None:
            kept = {e for e in kept if any(t == industry for t, _ in self._out(e, "IN_INDUSTRY"))}
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
        return self._from_employers(occupations, "Occupation", "DEMANDS", self._derived.demands, self._demand, kept)

    @staticmethod
    def _demand(employer: str, occupation: str, p: dict[str, Any]) -> DemandRow:
        return DemandRow(employer, occupation, p["headcount"], p["year"], p.get("level"))

    def needs(
        self,
        *,
        competencies: Iterable[str] | None = None,
        employers: Iterable[str] | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> list[NeedRow]:
        kept = self._employers(employers, region, industry)
        return self._from_employers(competencies, "Competency", "NEEDS", self._derived.needs, self._need, kept)

    @staticmethod
    def _need(employer: str, competency: str, p: dict[str, Any]) -> NeedRow:
        return NeedRow(employer, competency, p.get("level"))

    def _from_employers(
        self,
        targets: Iterable[str] | None,
        label: str,
        etype: str,
        table: dict[str, list[R]],
        row: Callable[[str, str, dict[str, Any]], R],
        kept: set[str] | None,
    ) -> list[R]:
        """The rows of the ``etype`` relationships from the employers ``kept`` (None: every employer) to
        ``targets`` (``label`` nodes; None: to anything). A target's rows, from every employer, are kept in
        ``table`` (``graph.derived``) and filtered here."""
        if targets is None:
            sources = kept if kept is not None else self._by_label.get("Employer", ())
            return [row(e, t, p) for e in sources for t, p in self._out(e, etype)]
        asked = self._each(targets, label)
        rows = self._kept(table, asked, lambda t: [row(e, t, p) for e, p in self._in(t, etype)])
        return [r for t in asked for r in rows[t] if kept is None or r.employer in kept]

    def delivery(self, targets: Iterable[str]) -> list[DeliveryRow]:
        rows = []
        for target in dict.fromkeys(targets):
            if self._label(target) not in ("Course", "LearningTask"):
                continue
            for resource, _ in self._in(target, "SUPPORTS"):
                kind = self._nodes[resource]["props"].get("type")
                rows.append(DeliveryRow(target, "resource", resource, kind, None))
            rows += [DeliveryRow(target, "training_base", b, None, None) for b, _ in self._in(target, "HOSTS")]
            for teacher, _ in self._in(target, "TEACHES"):
                dual = self._nodes[teacher]["props"].get("dual_qualified")
                rows.append(DeliveryRow(target, "teacher", teacher, None, dual))
        return rows

    def supports(self, courses: Iterable[str], learning_tasks: Iterable[str] = ()) -> list[SupportRow]:
        asked = [*self._each(courses, "Course"), *self._each(learning_tasks, "LearningTask")]
        return self._kept_rows(self._derived.supports, asked, self._supporting)

    def _supporting(self, holder: str) -> list[SupportRow]:
        """The SUPPORTS rows of a course and its learning tasks, or of a learning task (asked for itself)."""
        if not self._is(holder, "Course"):
            return [SupportRow(None, holder, r) for r, _ in self._in(holder, "SUPPORTS")]
        rows = [SupportRow(holder, None, r) for r, _ in self._in(holder, "SUPPORTS")]
        for lt, _ in self._out(holder, "HAS_LEARNING_TASK"):
            rows += [SupportRow(holder, lt, r) for r, _ in self._in(lt, "SUPPORTS")]
        return rows

    def prerequisites(self, courses: Iterable[str]) -> list[PrerequisiteRow]:
        return [
            PrerequisiteRow(before, after)
            for after in self._each(courses, "Course")
            for before, _ in self._in(after, "PREREQUISITE_OF")
        ]

    # -- co-evaluation and co-research

    def _of(self, ids: Iterable[str], labels: tuple[str, ...]) -> list[str]:
        return [i for i in dict.fromkeys(ids) if self._label(i) in labels]

    def assessments(self, holders: Iterable[str]) -> list[AssessmentRow]:
        rows = []
        for holder in self._of(holders, ("Course", "LearningTask")):
            for assessment, _ in self._out(holder, "HAS_ASSESSMENT"):
                if not self._is(assessment, "Assessment"):
                    continue
                assessed = [(c, p.get("level")) for c, p in self._out(assessment, "ASSESSES")]
                rows += [AssessmentRow(holder, assessment, c, lv) for c, lv in assessed or [(None, None)]]
        return rows

    def conductors(self, assessments: Iterable[str]) -> list[ConductRow]:
        return [
            ConductRow(o, a)
            for a in self._each(assessments, "Assessment")
            for o, _ in self._in(a, "CONDUCTS")
            if self._label(o) in ("Employer", "School")
        ]

    def cohorts(self, programs: Iterable[str]) -> list[CohortRow]:
        return [
            CohortRow(p, c)
            for p in self._each(programs, "Program")
            for c, _ in self._out(p, "HAS_COHORT")
            if self._is(c, "Cohort")
        ]

    def results(self, cohorts: Iterable[str]) -> list[ResultRow]:
        return [
            ResultRow(co, props["assessment"], c, props["level"], props["share"])
            for co in self._each(cohorts, "Cohort")
            for c, props in self._out(co, "ACHIEVED")
        ]

    def projects(self) -> list[str]:
        return list(self._by_label.get("ResearchProject", ()))

    def research(self, projects: Iterable[str]) -> list[ResearchRow]:
        rows = []
        for project in self._each(projects, "ResearchProject"):
            rows += [
                ResearchRow(project, "PARTICIPATES_IN", o, None)
                for o, _ in self._in(project, "PARTICIPATES_IN")
                if self._label(o) in ("School", "Employer", "MasterStudio")
            ]
            rows += [
                ResearchRow(project, "YIELDS", x, None)
                for x, _ in self._out(project, "YIELDS")
                if self._label(x) in ("Resource", "LearningTask")
            ]
            rows += [ResearchRow(project, "CULTIVATES", c, p.get("level")) for c, p in self._out(project, "CULTIVATES")]
        return rows

    def placements(self, items: Iterable[str]) -> list[PlacementRow]:
        rows = []
        for item in self._of(items, ("Resource", "LearningTask")):
            if self._is(item, "LearningTask"):
                rows += [PlacementRow(item, c, item) for c, _ in self._in(item, "HAS_LEARNING_TASK")]
                continue
            for target, _ in self._out(item, "SUPPORTS"):
                if self._is(target, "Course"):
                    rows.append(PlacementRow(item, target, None))
                elif self._is(target, "LearningTask"):
                    courses = [c for c, _ in self._in(target, "HAS_LEARNING_TASK")] or [None]
                    rows += [PlacementRow(item, c, target) for c in courses]
        return rows


#: The store builds its graph with the collector paused and freezes it after (``graph.collector``).
_building = functools.partial(paused, freeze=True)


@dataclass
class _Changes:
    """Rows of the items other processes' loads changed, as they are now in the file (None: gone)."""

    last_load: int
    #: id -> (label, properties as stored)
    nodes: dict[str, tuple[str, str] | None]
    #: (source, target, stored key, type) -> properties as stored
    edges: dict[tuple[str, str, str, str], str | None] = field(default_factory=dict)


#: Ids looked up in one statement (SQLite allows 32,766 parameters since 3.32; older builds 999).
_IDS_PER_SELECT = 500


def _last_load(db: sqlite3.Connection | sqlite3.Cursor) -> int:
    """The id of the last load in the audit trail (0: none)."""
    return int(db.execute("SELECT coalesce(max(id), 0) FROM loads").fetchone()[0])


def _stored_key(etype: str, key: Iterable[Any]) -> str:
    return json.dumps([etype, *key], ensure_ascii=False)


def _entry(row: tuple[Any, ...]) -> LoadEntry:
    load_id, operation, who, source, at, counts, reverts, rolled_back_by = row
    return LoadEntry(load_id, operation, who, source, at, json.loads(counts), reverts, rolled_back_by)
