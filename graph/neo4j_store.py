"""The Neo4j store, through the official driver.

Reads run in read transactions (a cluster routes them to readers), writes in
one write transaction as ``UNWIND $rows`` batches; both as transaction functions,
which the driver retries on transient errors (for up to the driver's
``max_transaction_retry_time``, see ``open_driver``). Every read carries a
timeout (``CHANJIAO_QUERY_TIMEOUT``), so one request cannot hold the database;
writes have their own (``CHANJIAO_WRITE_TIMEOUT``, default none), since a large
load is one transaction. The driver is opened once by the caller and handed in.

Every node carries its class's label and the ontology's root label (``Entity``,
``Schema.root``), whose uniqueness constraint on ``id`` finds any node by id in
one index seek. The root label is never reported: answers, counts, search and
exports name the class.

A write records its load in the audit trail (``graph.audit``) in the same
transaction; the audit's counter node is write-locked first, which serialises
audited writes. Each batch's changes are recorded while the server writes that
batch, and stored compressed (``graph.audit.pack_changes``).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import neo4j
from neo4j import Driver, ManagedTransaction, Record, unit_of_work
from neo4j.exceptions import AuthError, IncompleteCommit, Neo4jError, ServiceUnavailable, SessionExpired

from graph import collector, cypher
from graph.audit import (
    LOAD,
    AuditTx,
    Change,
    LoadEntry,
    Ref,
    Stamp,
    canonical,
    fingerprint,
    pack_change_sets,
    pack_changes,
    unpack_changes,
)
from graph.errors import ChanjiaoError, ConflictError, StoreUnavailableError
from graph.neo4j_kept import KEEP_ROWS, Generation, Keeper
from graph.neo4j_prefetch import Prefetched, candidates_query, matches_of, prefetch_query, to_developers
from graph.questions.matches import CLOSE, EXACT
from graph.records import Batch, Edge, Node, WriteSummary, unchanged
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
#: Reads which rows of a batch to upsert are stored: (row index, stored properties, or None where the row's
#: change none of them), as ``Neo4jStore._upserts`` compares them.
_State = Callable[[list[dict[str, Any]]], Iterator[tuple[int, dict[str, Any] | None]]]


#: A write that creates at least this share of what the graph held, and at least ``REPLAN_ROWS`` rows, has the
#: cached query plans made again before the next question (planning the questions' statements takes the server a
#: while, and on a small graph a stale plan costs little).
REPLAN_SHARE = 0.25
REPLAN_ROWS = 10_000
#: An index sample is outdated past this share of updates since it was taken (the server's own rule for
#: resampling, ``db.index_sampling.update_percentage``, is 5 % by default).
SAMPLE_SHARE = 0.05
#: Seconds the plan drop waits for the indexes' new samples, at most (it drops the plans then anyway).
SAMPLE_WAIT = 30.0

#: An index, as the server's statistics and its list of indexes both name it: (entity, tokens, properties).
_Indexed = tuple[str, tuple[str, ...], tuple[str, ...]]


def numbered_groups(
    batch: Batch,
) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[str, str, str], list[dict[str, Any]]]]:
    """The batch's rows by label, and by (type, source label, target label), each numbered in its group (``i``).

    The number lets an upsert statement say which of its rows it created or updated.
    """
    node_groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for node in batch.nodes:
        group = node_groups[node.label]
        group.append({"i": len(group), "id": node.id, "props": node.props})
    edge_groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for edge in batch.edges:
        group = edge_groups[(edge.type, batch.endpoint_labels[edge.source], batch.endpoint_labels[edge.target])]
        group.append({"i": len(group), "source": edge.source, "target": edge.target, "props": edge.props})
    return node_groups, edge_groups


def _indexed(r: Record) -> _Indexed:
    return r["entity"], tuple(r["tokens"]), tuple(r["properties"])


class Neo4jStore(GraphStore):
    """A graph in a Neo4j 5.26+ database."""

    kind = "neo4j"

    def __init__(
        self,
        driver: Driver,
        schema: Schema,
        database: str = "neo4j",
        batch_size: int = 1000,
        timeout: float = 30.0,
        write_timeout: float | None = None,
        keep_rows: int = KEEP_ROWS,
    ) -> None:
        self.driver = driver
        self.schema = schema
        self.database = database
        self.batch_size = batch_size
        self.timeout = timeout  # seconds a read transaction may run
        self.write_timeout = write_timeout  # seconds a write transaction may run (None: no limit of ours)
        self._questions = cypher.question_queries(schema)
        self._search = cypher.search(schema)
        self._schema_checked = False  # see _ensure_schema
        self._keeper = Keeper(keep_rows)  # earlier questions' rows, while the database is unchanged
        self._replan_due = False  # see _replan
        self._replan_lock = threading.Lock()
        # What the process holds by now (its modules, the schema, the driver) lives as long as the store. Frozen,
        # it is no longer walked by each collection of the oldest generation: 60 k objects, 11–26 ms, once every
        # 30 or so gaps questions (bench/analysis.md, round 9). The embedded store freezes it with its graph.
        collector.freeze()

    # -- plumbing

    def _run(self, access: str, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` as a transaction function with the timeout of its ``access`` (``read`` or ``write``);
        the driver retries it on transient errors.

        What is left once the driver gives up becomes a ``StoreUnavailableError``
        (503 in the API): the server is down, the query ran out of time, or the
        outcome of a commit is unknown.
        """
        return self._marked(access, work)[0]

    def _written(self, work: Callable[[ManagedTransaction], T]) -> T:
        """``work`` run as a write transaction; the questions asked after it keep what they read from the state it
        committed (``graph.neo4j_kept``)."""
        done, bookmark = self._marked("write", work)
        self._keeper.written(bookmark)
        return done

    def _marked(self, access: str, work: Callable[[ManagedTransaction], T]) -> tuple[T, frozenset[str]]:
        """``_run``, with the bookmark the transaction ended with (``graph.neo4j_kept``)."""
        timeout = self.timeout if access == "read" else self.write_timeout
        # None: the server's own limit (db.transaction.timeout, none by default) applies.
        timed = unit_of_work(timeout=timeout)(work)
        try:
            with self.driver.session(database=self.database) as session:
                execute = session.execute_read if access == "read" else session.execute_write
                done = execute(timed)
                return done, session.last_bookmarks().raw_values
        except IncompleteCommit as exc:
            raise StoreUnavailableError(
                "the connection to Neo4j broke while committing, so whether the write took effect is unknown: "
                "see the latest loads (GET /loads, `chanjiao loads list`) and re-run it (a re-run never duplicates)"
            ) from exc
        except (ServiceUnavailable, SessionExpired, AuthError) as exc:
            raise StoreUnavailableError(f"Neo4j at {self._address()} is not available: {exc}") from exc
        except Neo4jError as exc:
            if "TransactionTimedOut" in (exc.code or ""):
                setting = "CHANJIAO_QUERY_TIMEOUT" if access == "read" else "CHANJIAO_WRITE_TIMEOUT"
                limit = f"{timeout:g} s ({setting})" if timeout is not None else "the server's db.transaction.timeout"
                raise StoreUnavailableError(f"the query ran longer than {limit} and was stopped") from exc
            if exc.is_retryable():  # still failing when the driver's retry time ran out
                raise StoreUnavailableError(f"Neo4j kept failing with a transient error: {exc}") from exc
            raise

    def _read(self, cypher_text: str, **params: Any) -> list[dict[str, Any]]:
        return self._run("read", lambda tx: [r.data() for r in tx.run(cypher_text, params)])

    def _address(self) -> str:
        try:
            return str(self.driver.get_server_info().address)
        except Exception:
            return "the configured URI"

    # -- lifecycle

    def close(self) -> None:
        self._replan()
        self.driver.close()

    def health(self) -> dict[str, Any]:
        rows = self._read(cypher.COMPONENTS)
        kernel = next((r for r in rows if r["name"] == "Neo4j Kernel"), rows[0])
        return {
            "store": self.kind,
            "reachable": True,
            "database": self.database,
            "version": f"Neo4j {kernel['version']} {kernel['edition']}",
        }

    def apply_schema(self) -> list[str]:
        """Create the constraints and indexes the ontology implies, and give the root label to the nodes
        written before it existed (idempotent; returns the statements run)."""
        statements = [*cypher.id_constraints(self.schema).values(), *cypher.AUDIT_INDEXES]
        for label, cls in self.schema.classes.items():
            statements += [
                cypher.property_index(self.schema, label, p.name) for p in cls.properties.values() if p.indexed
            ]
        wanted = cypher.fulltext_index(self.schema)
        relabel = cypher.label_roots(self.schema)
        current = self._auto(cypher.SHOW_FULLTEXT, name=cypher.FULLTEXT_INDEX)
        if current and not _same_fulltext(current[0].data(), self.schema):
            self._auto(cypher.DROP_FULLTEXT)
        for statement in [*statements, wanted, relabel]:  # relabel: CALL {} IN TRANSACTIONS, an auto-commit query
            self._auto(statement)
        self._auto(cypher.AWAIT_INDEXES, seconds=300)
        self._schema_checked = True
        return [*statements, wanted, relabel]

    def _auto(self, query: str, **params: Any) -> list[Record]:
        """The records of one auto-commit statement (schema, counts, housekeeping: not a question's read)."""
        try:
            with self.driver.session(database=self.database) as session:
                return list(session.run(query, params))
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailableError(f"Neo4j at {self._address()} is not available: {exc}") from exc

    def _ensure_schema(self) -> None:
        """Apply the schema before this store's first write if the database lacks an id constraint of it.

        Every write finds its nodes by id (MERGE), through those constraints' indexes; without them each
        row scans its label, and ESCO into a fresh database ran for twelve minutes at full CPU before it
        was stopped (seconds with them). ``chanjiao serve`` and ``chanjiao schema apply`` apply the schema,
        but a load from the command line or a script need not follow either.
        """
        if self._schema_checked:
            return
        found = {r["label"] for r in self._auto(cypher.ID_CONSTRAINED)}
        if not cypher.id_constraints(self.schema).keys() <= found:
            self.apply_schema()
        self._schema_checked = True

    def _size(self) -> int:
        """Nodes plus relationships (the count store's: no scan)."""
        return int(self._auto(cypher.GRAPH_SIZE)[0]["size"])

    def _replan(self) -> None:
        """Drop the server's cached query plans if a large write made them stale, so that the next questions
        are planned for the graph as it is.

        Neo4j plans a statement once, from the counts and the indexes' samples, and kept its plans when the
        graph changed sixteenfold: on the bench's ×1 graph, loaded where the ×16 one had been, gaps took 25 ms at
        p50 (round 6: 3.4 ms once replanned). The indexes the write outdated are sampled again first
        (``_resample``): plans made again from stale samples were as slow (round 14). A plan costs milliseconds
        to make again.

        The drop waits for this process's next question, or its close, rather than following the write: the
        write statements' plans do not depend on the graph's size (each finds its rows by id), and a load that
        follows at once would otherwise plan its statements again: CSCO's write after ESCO's took 1.41× the bare
        script's with the drop at the write, 0.94× with the drop deferred (bench/analysis.md, round 13). The drop
        is the server's, so it reaches every client; one that asks before it keeps the plans it had during the
        load.
        """
        with self._replan_lock:
            due, self._replan_due = self._replan_due, False
        if due:
            # No privilege, or the server gone since the write: the samples or the plans stay, and the answers are
            # the same.
            with contextlib.suppress(Neo4jError, StoreUnavailableError):
                self._resample()
            with contextlib.suppress(Neo4jError, StoreUnavailableError):
                self._auto(cypher.CLEAR_PLANS)

    def _resample(self) -> None:
        """Have the indexes whose samples a large write outdated sampled again, and wait for the samples
        (``SAMPLE_WAIT`` seconds at most), so that the plans made after the drop are made for the graph as it is.

        A plan is made from the indexes' samples as well as from the counts. The server samples an outdated
        index in the background, when it comes to it: on the bench's ×1 graph, loaded where the ×16 one had been
        cleared, 22 indexes still said what they had held just after the clear — none of the 4,950 courses —
        and gaps took 25–29 ms a question (p50, nothing kept) for minutes. Sampled again, 5–6 ms. At ×1 the
        samples took 0.04 s.
        """

        def updates() -> dict[_Indexed, int]:
            return {_indexed(r): r["updates"] for r in self._auto(cypher.INDEX_SAMPLES)}

        samples = self._auto(cypher.INDEX_SAMPLES)
        stale = {_indexed(r): r["updates"] for r in samples if r["updates"] > SAMPLE_SHARE * r["size"]}
        if not stale:
            return
        named = {_indexed(r): r["name"] for r in self._auto(cypher.INDEX_NAMES)}
        stale = {i: n for i, n in stale.items() if i in named}  # only those asked for are waited for
        self._auto(cypher.RESAMPLE, names=[named[i] for i in stale])
        # A new sample starts the count of updates again: fewer than when it was asked for means it was taken,
        # whatever another client writes meanwhile.
        deadline = time.monotonic() + SAMPLE_WAIT
        while time.monotonic() < deadline and any(updates().get(i, 0) >= n for i, n in stale.items()):
            time.sleep(0.01)

    # -- writes

    def write(self, batch: Batch, progress: Progress | None = None, stamp: Stamp | None = None) -> WriteSummary:
        self._ensure_schema()
        stamp = stamp or Stamp.now()
        node_groups, edge_groups = numbered_groups(batch)
        total = len(batch.nodes) + len(batch.edges)
        # The graph's size only matters to a write that may drop the plans (a statement less for the others).
        before = self._size() if total >= REPLAN_ROWS else None

        def work(tx: ManagedTransaction) -> WriteSummary:
            audit = _Audit(tx, self)  # first: takes the audit lock
            summary = WriteSummary()
            sets: list[bytes] = []  # the changes, one compressed set per batch
            done = 0
            new: set[str] = set()  # the nodes this write creates: no relationship of theirs is stored yet

            def counted(kind: str, counts: dict[str, int]) -> None:
                nonlocal done
                summary.add(kind, counts)
                done += sum(counts.values())
                if progress is not None:
                    progress(done, total)

            for label, rows in node_groups.items():
                upsert = cypher.upsert_nodes(self.schema, label)
                # Each batch is recorded while the server writes it (see ``_upserts``).
                for counts, created, updated in self._upserts(tx, self._node_state(tx, label), upsert, rows):
                    new.update(rows[i]["id"] for i in created)
                    if created or updated:
                        sets.append(pack_changes([_node_group(label, rows, created, updated)]))
                    counted("nodes", counts)
            for (rel_type, source, target), rows in edge_groups.items():
                upsert = cypher.upsert_edges(self.schema, rel_type, source, target)
                keys = self.schema.relationships[rel_type].keys
                for counts, created, updated in self._upserts(tx, self._edge_state(tx, rel_type, new), upsert, rows):
                    if created or updated:
                        group = _edge_group(rel_type, (source, target), keys, rows, created, updated)
                        sets.append(pack_changes([group]))
                    counted("edges", counts)
            summary.load_id = audit.record_sets(stamp, LOAD, summary.as_dict(), sets)
            return summary

        summary = self._written(work)
        created = summary.nodes_created + summary.edges_created
        if before is not None and created >= REPLAN_ROWS and created >= REPLAN_SHARE * before:
            self._replan_due = True
        return summary

    def _upserts(
        self, tx: ManagedTransaction, state: _State, upsert: str, rows: list[dict[str, Any]]
    ) -> Iterator[tuple[dict[str, int], list[int], list[tuple[int, dict[str, Any]]]]]:
        """Upsert ``rows`` batch by batch: read what of each batch is stored (``state``: the index of each row
        stored, with its properties where they may differ), write only the rows new or changed
        (``graph.records.unchanged``, the embedded store's rule too), and yield per batch the counts per status,
        the indexes of the rows created and the (row index, old properties) of the rows updated.

        The server reads the next batch while the client compares this one. Deciding here rather than in the
        upsert statement keeps that statement as plain as the bare script's: the server plans it in a third of
        the time, and a load of many labels and types spent more time planning than writing (round 12).
        """
        size = self.batch_size
        chunks = [rows[start : start + size] for start in range(0, len(rows), size)]
        writes: list[tuple[neo4j.Result, int]] = []
        stored = state(chunks[0]) if chunks else iter(())
        for n, chunk in enumerate(chunks):
            old = dict(stored)
            if n + 1 < len(chunks):
                stored = state(chunks[n + 1])  # sent now; the server reads it while this batch is compared
            created: list[int] = []
            updated: list[tuple[int, dict[str, Any]]] = []
            changed = []
            for row in chunk:
                i = row["i"]
                if i not in old:
                    created.append(i)
                elif (before := old[i]) is None or unchanged(before, row["props"]):
                    continue
                else:
                    updated.append((i, before))
                changed.append(row)
            if changed:
                writes.append((tx.run(upsert, rows=changed), len(changed)))
            counts = {"created": len(created), "updated": len(updated), "unchanged": len(chunk) - len(changed)}
            yield counts, created, updated
        lost = sum(sent - result.single(strict=True)["n"] for result, sent in writes)
        if lost:
            # An endpoint vanished between validation and write (a concurrent delete):
            # fail the whole transaction rather than drop rows silently.
            raise ConflictError(f"{lost} relationship(s) lost an endpoint during the write")

    def _node_state(self, tx: ManagedTransaction, label: str) -> _State:
        """What ``_upserts`` compares a batch of nodes with (``cypher.node_state``)."""
        return self._state(tx, cypher.node_state(self.schema), label=label, compare=True)

    def _edge_state(self, tx: ManagedTransaction, rel_type: str, new: set[str]) -> _State:
        """What ``_upserts`` compares a batch of relationships with. Those at a node created by this write
        (``new``) are not read: none can be stored, and a first load reads nothing."""
        read = self._edges_stored(tx, rel_type, compare=True)

        def stored(chunk: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any] | None]]:
            old = [row for row in chunk if row["source"] not in new and row["target"] not in new]
            return read(old) if old else iter(())

        return stored

    def _edges_stored(self, tx: ManagedTransaction, rel_type: str, compare: bool) -> _State:
        """A reader of the stored relationships of ``rel_type`` among a batch's rows (``cypher.edge_state``):
        for a write (``compare``: properties only where they may differ) and for the audit (all of them)."""
        keys = list(self.schema.relationships[rel_type].keys)
        return self._state(tx, cypher.edge_state(self.schema), type=rel_type, keys=keys, compare=compare)

    @staticmethod
    def _state(tx: ManagedTransaction, query: str, **params: Any) -> _State:
        """A reader of ``query``'s ``stored`` pairs for one batch at a time."""

        def read(chunk: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any] | None]]:
            result = tx.run(query, params, rows=chunk)  # sent at once, read when iterated
            return (tuple(pair) for pair in result.single(strict=True)["stored"])

        return read

    def audited(self, work: Callable[[AuditTx], T]) -> T:
        self._ensure_schema()
        return self._written(lambda tx: work(_Audit(tx, self)))

    def clear(self) -> None:
        self._auto(cypher.CLEAR)

    # -- reads

    def read(self, work: Callable[[GraphReader], T]) -> T:
        """Answer ``work`` in one read transaction, through the rows earlier questions kept
        (``graph.neo4j_kept``). When the database changed since they were read, an answer that used them is
        asked again through the rows of the state the first try found (none yet, unless another question kept
        some meanwhile); when that fails too, or the answer was an error, without any kept rows."""
        self._replan()
        for _ in range(2):
            generation = self._keeper.current()
            try:
                answer, ahead, bookmark = self._through(generation, work)
            except _Leaned:
                break
            if self._keeper.settle(generation, ahead, bookmark):
                return answer
        return self._run("read", lambda tx: work(_Reader(tx, self._questions, Prefetched())))

    def _through(
        self, generation: Generation, work: Callable[[GraphReader], T]
    ) -> tuple[T, Prefetched, frozenset[str]]:
        """``work``'s answer read through ``generation``, what it read, and its transaction's bookmark;
        ``_Leaned`` when it failed with an error that the generation's rows may have caused."""
        ahead = generation.view()

        def kept(tx: ManagedTransaction) -> T:
            nonlocal ahead
            ahead = generation.view()  # a retried transaction starts again
            return work(_Reader(tx, self._questions, ahead))

        try:
            answer, bookmark = self._marked("read", kept)
        except StoreUnavailableError:
            raise
        except ChanjiaoError as exc:
            if ahead.leaned:
                raise _Leaned from exc
            raise
        return answer, ahead, bookmark

    def labels_of(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        query = cypher.labels_of(self.schema)

        def work(tx: ManagedTransaction) -> dict[str, str]:
            found: dict[str, str] = {}
            for start in range(0, len(ids), 10 * self.batch_size):
                for record in tx.run(query, ids=ids[start : start + 10 * self.batch_size]):
                    found[record["id"]] = record["label"]
            return found

        return self._run("read", work)

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        query = cypher.get_nodes(self.schema)
        rows = self._read(query, ids=ids)
        return {r["id"]: _node(r["label"], r["props"]) for r in rows}

    def adjacent(self, ids: Iterable[str], rel_type: str | None = None, outgoing: bool = False) -> list[Edge]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        return self._edges(self._read(cypher.adjacent(self.schema, None, rel_type, outgoing), ids=ids))

    def warm(self) -> None:
        """Nothing to build: the server keeps its full-text index as it writes."""

    def neighbours(self, ids: Iterable[str], exclude: Iterable[str], limit: int) -> list[str]:
        ids = list(dict.fromkeys(ids))
        if not ids or limit <= 0:
            return []
        rows = self._read(cypher.neighbours(self.schema), ids=ids, exclude=list(exclude), limit=limit)
        return [r["other"] for r in rows]

    def edges_among(self, ids: Iterable[str]) -> list[Edge]:
        ids = list(dict.fromkeys(ids))
        return self._edges(self._read(cypher.edges_among(self.schema), ids=ids)) if ids else []

    def _edges(self, rows: Iterable[dict[str, Any]]) -> list[Edge]:
        """Rows of ``type, source, target, props`` as edges, once each (by their keys, as stored)."""
        found: dict[tuple[Any, ...], Edge] = {}
        for r in rows:
            keys = self.schema.relationships[r["type"]].keys
            identity = (r["source"], r["type"], r["target"], *(r["props"].get(k) for k in keys))
            found[identity] = Edge(r["type"], r["source"], r["target"], _plain(r["props"]))
        return list(found.values())

    def list_nodes(self, label: str, offset: int, limit: int) -> tuple[list[Node], int]:
        def work(tx: ManagedTransaction) -> tuple[list[Node], int]:
            rows = tx.run(cypher.list_nodes(self.schema, label), offset=offset, limit=limit)
            page = [_node(label, r["props"]) for r in rows]
            total = tx.run(cypher.count_label(self.schema, label)).single(strict=True)["n"]
            return page, total

        return self._run("read", work)

    def search(self, text: str, labels: list[str] | None, limit: int) -> list[tuple[Node, float]]:
        # The Lucene query is built from our own tokens (letters and digits only), so
        # no user text is ever parsed as Lucene syntax.
        terms = list(dict.fromkeys(tokens(text)))
        if not terms:
            return []
        rows = self._read(self._search, query=" OR ".join(terms), labels=labels, limit=limit)
        return [(_node(r["label"], r["props"]), round(float(r["score"]), 6)) for r in rows]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        def work(tx: ManagedTransaction) -> tuple[dict[str, int], dict[str, int]]:
            found = tx.run(cypher.counts(self.schema)).single(strict=True)
            labels, types = found["labels"], found["types"]
            return {n: labels[n] for n in self.schema.classes}, {t: types[t] for t in self.schema.relationships}

        return self._run("read", work)

    # -- the audit trail

    def loads(self, offset: int, limit: int) -> tuple[list[LoadEntry], int]:
        def work(tx: ManagedTransaction) -> tuple[list[LoadEntry], int]:
            page = [_entry(r["load"]) for r in tx.run(cypher.LIST_LOADS, offset=offset, limit=limit)]
            return page, tx.run(cypher.COUNT_LOADS).single(strict=True)["n"]

        return self._run("read", work)

    def get_load(self, load_id: int) -> LoadEntry | None:
        rows = self._read(cypher.GET_LOAD, id=load_id)
        return _entry(rows[0]["load"]) if rows else None


class _Audit(AuditTx):
    """The audit primitives inside one write transaction; making one takes the next load number (and the lock)."""

    def __init__(self, tx: ManagedTransaction, store: Neo4jStore) -> None:
        self._tx = tx
        self._store = store
        self._schema = store.schema
        self.load_id: int = tx.run(cypher.NEXT_LOAD).single(strict=True)["id"]

    def entry(self, load_id: int) -> LoadEntry | None:
        record = self._tx.run(cypher.GET_LOAD, id=load_id).single()
        return None if record is None else _entry(record["load"])

    def later_loads(self, load_id: int) -> list[LoadEntry]:
        return [_entry(r["load"]) for r in self._tx.run(cypher.LATER_LOADS, id=load_id)]

    def changes(self, load_id: int) -> list[Change]:
        return [c for r in self._tx.run(cypher.CHANGES, id=load_id) for c in unpack_changes(r["changes"])]

    def state(self, refs: Iterable[Ref]) -> dict[Ref, dict[str, Any] | None]:
        found: dict[Ref, dict[str, Any] | None] = {}
        nodes, edges = self._grouped(refs)
        for label, group in nodes.items():
            found.update(dict.fromkeys(group))
            by_id = {ref.id: ref for ref in group}
            for r in self._tx.run(cypher.get_nodes(self._schema, label), ids=list(by_id)):
                found[by_id[r["id"]]] = _without_id(r["props"])
        for (rel_type, *_), group in edges.items():
            found.update(dict.fromkeys(group))
            rows = [{**row, "props": row["key"]} for row in self._edge_rows(rel_type, group)]
            for i, props in self._store._edges_stored(self._tx, rel_type, compare=False)(rows):
                found[group[i]] = _plain(props)
        return found

    def edges_at(self, nodes: Iterable[Ref]) -> list[Ref]:
        by_label: dict[str, list[str]] = defaultdict(list)
        for ref in nodes:
            by_label[ref.label].append(ref.id)
        found = []
        for label, ids in by_label.items():
            for r in self._tx.run(cypher.adjacent(self._schema, label), ids=ids):
                keys = self._schema.relationships[r["type"]].keys
                found.append(Ref(r["type"], r["source"], r["target"], tuple(r["props"].get(k) for k in keys)))
        return found

    def remove(self, refs: list[Ref]) -> None:
        nodes, edges = self._grouped(refs)
        for (rel_type, source, target), group in edges.items():
            query = cypher.remove_edges(self._schema, rel_type, source, target)
            self._tx.run(query, rows=self._edge_rows(rel_type, group)).consume()
        for label, group in nodes.items():
            self._tx.run(cypher.remove_nodes(self._schema, label), ids=[r.id for r in group]).consume()

    def restore(self, items: list[tuple[Ref, dict[str, Any]]]) -> None:
        props = dict(items)
        nodes, edges = self._grouped(props)
        for label, group in nodes.items():
            rows = [{"id": r.id, "props": {**props[r], "id": r.id}} for r in group]
            self._tx.run(cypher.restore_nodes(self._schema, label), rows=rows).consume()
        for (rel_type, source, target), group in edges.items():
            rows = self._edge_rows(rel_type, group)
            for row, ref in zip(rows, group, strict=True):
                row["props"] = props[ref]
            self._tx.run(cypher.restore_edges(self._schema, rel_type, source, target), rows=rows).consume()

    def record(
        self, stamp: Stamp, operation: str, counts: dict[str, int], changes: list[Change], reverts: int | None = None
    ) -> int:
        return self.record_sets(stamp, operation, counts, pack_change_sets(changes), reverts)

    def record_sets(
        self, stamp: Stamp, operation: str, counts: dict[str, int], sets: list[bytes], reverts: int | None = None
    ) -> int:
        """``record`` with the changes already packed in sets (``graph.audit.pack_changes``)."""
        self._tx.run(
            cypher.CREATE_LOAD,
            id=self.load_id,
            operation=operation,
            who=stamp.who,
            source=stamp.source,
            at=stamp.at,
            counts=json.dumps(counts),
            reverts=reverts,
        ).consume()
        rows = [{"seq": n, "changes": data} for n, data in enumerate(sets)]
        for start in range(0, len(rows), 100):
            self._tx.run(cypher.CREATE_CHANGE_SETS, id=self.load_id, sets=rows[start : start + 100]).consume()
        return self.load_id

    def mark_rolled_back(self, load_id: int, by: int) -> None:
        self._tx.run(cypher.MARK_ROLLED_BACK, id=load_id, by=by).consume()

    def _grouped(self, refs: Iterable[Ref]) -> tuple[dict[str, list[Ref]], dict[tuple[str, str, str], list[Ref]]]:
        """Nodes by label and relationships by (type, start label, end label): one query per group."""
        nodes: dict[str, list[Ref]] = defaultdict(list)
        edges: dict[tuple[str, str, str], list[Ref]] = defaultdict(list)
        for ref in dict.fromkeys(refs):
            if ref.is_node:
                nodes[ref.label].append(ref)
            else:
                source, target = ref.ends or ("", "")
                edges[(ref.label, source, target)].append(ref)
        return nodes, edges

    def _edge_rows(self, rel_type: str, refs: list[Ref]) -> list[dict[str, Any]]:
        keys = self._schema.relationships[rel_type].keys
        return [
            {"i": i, "source": r.id, "target": r.target, "key": dict(zip(keys, r.key, strict=True))}
            for i, r in enumerate(refs)
        ]


class _Leaned(Exception):
    """A question failed after reading rows another question kept: the failure may be theirs."""


def _developers_params(wanted: list[Wanted], outside: list[str], limit: int) -> dict[str, Any]:
    """The parameters of the ``developers`` query."""
    rows = [{"competency": w.competency, "counting": list(w.counting), "level": w.level} for w in wanted]
    return {"wanted": rows, "outside": outside, "limit": limit}


def _developers_key(wanted: list[Wanted], outside: list[str], limit: int) -> tuple[Any, ...]:
    """What a ``developers`` call asks, as a key: its answer read ahead is the answer to the same question."""
    return tuple(wanted), frozenset(outside), limit


class _Reader(GraphReader):
    """The question primitives as Cypher, each one query inside the caller's read transaction."""

    def __init__(self, tx: ManagedTransaction, queries: cypher.QuestionQueries, ahead: Prefetched) -> None:
        self._tx = tx
        self._q = queries
        self._ahead = ahead

    def _values(self, query: str, **params: Any) -> list[list[Any]]:
        return self._tx.run(query, params).values()

    def _by_ids(self, query: str, ids: Iterable[str]) -> list[list[Any]]:
        unique = list(dict.fromkeys(ids))
        return self._values(query, ids=unique) if unique else []

    def _rows(self, primitive: str, ids: Iterable[str], read: Callable[[list[str]], list[T]]) -> list[T]:
        """The rows of ``primitive`` for ``ids``: those read ahead (or kept), and those of the other ids read now
        and kept with the question's own. A ranking at ×16 asks for the requirements of thousands of
        occupations, most of which the ranking before it read too (bench/analysis.md, round 20)."""
        ids = list(dict.fromkeys(ids))
        # Another question settling meanwhile may let kept rows go (``Prefetched.evict``): what it took is read
        # on the next turn, into the question's own rows, which nothing lets go.
        while (rows := self._ahead.get(primitive, ids)) is None:
            unread = self._ahead.missing(primitive, ids)
            self._ahead.put(primitive, unread, read(unread))
        return rows

    def prefetch(self, programs: list[str], occupations: list[str], demand: bool = False, close: bool = False) -> None:
        """Read a program × occupation question's first primitives in one statement (``graph.neo4j_prefetch``)."""
        kinds = [EXACT, CLOSE] if close else [EXACT]
        statement = ("prefetch", tuple(programs), tuple(occupations), demand, close)
        if self._ahead.done(statement):
            return
        params = {"programs": programs, "occupations": occupations, "kinds": kinds}
        if demand:
            params |= {"employers": None, "region": None, "industry": None}
        record = _fields(self._tx.run(prefetch_query(self._q, demand), params).single(strict=True))
        self._ahead.fill(programs, occupations, kinds, record, _node)
        self._ahead.mark(statement)

    def prefetch_candidates(self, wanted: list[Wanted], outside: list[str], limit: int, with_nodes: list[str]) -> None:
        """Read a question's candidates and what it shows of them in one statement (``graph.neo4j_prefetch``)."""
        if not wanted:
            return
        key = _developers_key(wanted, outside, limit)
        statement = ("candidates", key, tuple(with_nodes))
        if self._ahead.done(statement):
            return
        params = {**_developers_params(wanted, outside, limit), "nodes": with_nodes}
        record = _fields(self._tx.run(candidates_query(self._q), params).single(strict=True))
        self._ahead.fill_candidates(key, record, _node)
        self._ahead.mark(statement)

    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        def read(wanted: list[str]) -> list[Node]:
            return [_node(label, props) for label, props in self._by_ids(self._q.nodes, wanted)]

        return {n.id: n for n in self._rows("nodes", ids, read)}

    def requirements(self, occupations: Iterable[str]) -> list[RequirementRow]:
        def read(ids: list[str]) -> list[RequirementRow]:
            return [RequirementRow(o, *row) for o, rows in self._by_ids(self._q.requirements, ids) for row in rows]

        return self._rows("requirements", occupations, read)

    def requirers(self, competencies: Iterable[str]) -> list[str]:
        return [v[0] for v in self._by_ids(self._q.requirers, competencies)]

    def tasks(self, occupations: Iterable[str]) -> list[TaskRow]:
        return self._rows("tasks", occupations, lambda ids: [TaskRow(*v) for v in self._by_ids(self._q.tasks, ids)])

    def targets(self, programs: Iterable[str]) -> list[TargetRow]:
        return self._rows("targets", programs, lambda ids: [TargetRow(*v) for v in self._by_ids(self._q.targets, ids)])

    def includes(
        self, *, programs: Iterable[str] | None = None, courses: Iterable[str] | None = None
    ) -> list[IncludesRow]:
        if programs is not None:
            query, primitive, ids = self._q.includes_of_programs, "includes", programs
        else:
            query, primitive, ids = self._q.includes_of_courses, "includes_of_courses", courses or ()
        return self._rows(primitive, ids, lambda i: [IncludesRow(*v) for v in self._by_ids(query, i)])

    def programs(self, region: str | None = None) -> list[str]:
        if region is None:
            return [v[0] for v in self._values(self._q.all_programs)]
        return [v[0] for v in self._values(self._q.programs_in_region, region=region)]

    def develops(
        self, *, courses: Iterable[str] | None = None, competencies: Iterable[str] | None = None
    ) -> list[DevelopsRow]:
        if courses is not None:

            def read(ids: list[str]) -> list[DevelopsRow]:
                found = self._by_ids(self._q.develops_of_courses, ids)
                return [DevelopsRow(course, lt, c, level) for course, rows in found for lt, c, level in rows]

            return self._rows("develops", courses, read)
        found = self._by_ids(self._q.develops_of_competencies, competencies or ())
        return [DevelopsRow(course, lt, c, level) for c, rows in found for course, lt, level in rows]

    def developers(self, wanted: Iterable[Wanted], outside: Iterable[str], limit: int) -> dict[str, Developers]:
        asked, kept_out = list(wanted), list(outside)
        if not asked:
            return {}
        ahead = self._ahead.developers(_developers_key(asked, kept_out, limit))
        if ahead is not None:
            return ahead
        return to_developers(self._values(self._q.developers, **_developers_params(asked, kept_out, limit)))

    def learning_tasks(self, courses: Iterable[str]) -> list[LearningTaskRow]:
        return [LearningTaskRow(*v) for v in self._by_ids(self._q.learning_tasks, courses)]

    def matches(self, competencies: Iterable[str], kinds: tuple[str, ...]) -> list[MatchRow]:
        unique = list(dict.fromkeys(competencies))
        if not unique or not kinds:
            return []
        ahead = [self._ahead.get(matches_of(kind), unique) for kind in dict.fromkeys(kinds)]
        if all(rows is not None for rows in ahead):
            return [m for rows in ahead for m in rows or ()]
        return [MatchRow(*v) for v in self._values(self._q.matches, ids=unique, kinds=list(kinds))]

    def demands(
        self,
        *,
        occupations: Iterable[str] | None = None,
        employers: Iterable[str] | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> list[DemandRow]:
        if occupations is not None and employers is None and region is None and industry is None:
            occupations = list(occupations)
            ahead = self._ahead.get("demands", occupations)
            if ahead is not None:
                return ahead
        # Starting from the most selective filter given: the employers, the region's employers, the
        # occupations, else every employer (each query applies every filter).
        values = self._values(
            self._q.demands_from.pick(employers, region, occupations),
            occupations=_listed(occupations),
            employers=_listed(employers),
            region=region,
            industry=industry,
        )
        return [DemandRow(*v) for v in values]

    def needs(
        self,
        *,
        competencies: Iterable[str] | None = None,
        employers: Iterable[str] | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> list[NeedRow]:
        if competencies is not None and employers is None and region is None and industry is None:
            competencies = list(competencies)
            ahead = self._ahead.get("needs", competencies)
            if ahead is not None:
                return ahead
        values = self._values(
            self._q.needs_from.pick(employers, region, competencies),
            competencies=_listed(competencies),
            employers=_listed(employers),
            region=region,
            industry=industry,
        )
        return [NeedRow(*v) for v in values]

    def delivery(self, targets: Iterable[str]) -> list[DeliveryRow]:
        return [DeliveryRow(*v) for v in self._by_ids(self._q.delivery, targets)]

    def supports(self, courses: Iterable[str], learning_tasks: Iterable[str] = ()) -> list[SupportRow]:
        def read(query: str) -> Callable[[list[str]], list[SupportRow]]:
            return lambda ids: [SupportRow(*v) for v in self._by_ids(query, ids)]

        return [
            *self._rows("supports_of_courses", courses, read(self._q.supports_of_courses)),
            *self._rows("supports_of_learning_tasks", learning_tasks, read(self._q.supports_of_learning_tasks)),
        ]

    def prerequisites(self, courses: Iterable[str]) -> list[PrerequisiteRow]:
        return [PrerequisiteRow(*v) for v in self._by_ids(self._q.prerequisites, courses)]

    # -- co-evaluation and co-research

    def assessments(self, holders: Iterable[str]) -> list[AssessmentRow]:
        return [AssessmentRow(*v) for v in self._by_ids(self._q.assessments, holders)]

    def conductors(self, assessments: Iterable[str]) -> list[ConductRow]:
        return [ConductRow(*v) for v in self._by_ids(self._q.conductors, assessments)]

    def cohorts(self, programs: Iterable[str]) -> list[CohortRow]:
        return [CohortRow(*v) for v in self._by_ids(self._q.cohorts, programs)]

    def results(self, cohorts: Iterable[str]) -> list[ResultRow]:
        return [ResultRow(*v) for v in self._by_ids(self._q.results, cohorts)]

    def projects(self) -> list[str]:
        return [v[0] for v in self._values(self._q.projects)]

    def research(self, projects: Iterable[str]) -> list[ResearchRow]:
        return [ResearchRow(*v) for v in self._by_ids(self._q.research, projects)]

    def placements(self, items: Iterable[str]) -> list[PlacementRow]:
        return [PlacementRow(*v) for v in self._by_ids(self._q.placements, items)]


def _listed(ids: Iterable[str] | None) -> list[str] | None:
    return None if ids is None else list(dict.fromkeys(ids))


def open_driver(uri: str, user: str | None, password: str | None, retry_seconds: float = 5.0) -> Driver:
    """Open a driver (it connects lazily) for ``uri``; auth only when a password is given.

    ``retry_seconds`` bounds how long a transaction function is retried on
    transient errors (a restarting server, a deadlock) before the error is
    reported: long enough to ride out a blip, short enough for an HTTP request.
    """
    auth = neo4j.basic_auth(user or "neo4j", password) if password else None
    # Counting a relationship type that no data uses yet is normal here (an empty graph, a new
    # ontology type); the server's "unrecognized type" notices would only flood the logs.
    return neo4j.GraphDatabase.driver(
        uri,
        auth=auth,
        notifications_disabled_classifications=[neo4j.NotificationDisabledClassification.UNRECOGNIZED],
        max_transaction_retry_time=retry_seconds,
    )


def _fields(record: Record) -> dict[str, Any]:
    """A record's fields as they came: ``Record.data()`` walks every nested value again to turn graph types
    into dicts, which these queries never return (at ×16 that walk was 40 % of a gaps question's time)."""
    return dict(record.items())


def _node(label: str, props: dict[str, Any]) -> Node:
    props = _plain(props)
    return Node(label, props.pop("id"), props)


def _without_id(props: dict[str, Any]) -> dict[str, Any]:
    props = _plain(props)
    props.pop("id", None)
    return props


# ---------------------------------------------------------------- change sets
#
# A load's changes are stored as ``ChanjiaoChangeSet`` nodes, one set per write batch, in the format of
# ``graph.audit.pack_changes``.


def _node_group(
    label: str, rows: list[dict[str, Any]], created: list[int], updated: list[tuple[int, dict[str, Any]]]
) -> dict[str, Any]:
    """The changes of a batch of upserted nodes (``rows[i]``: ``{id, props}``)."""
    written = [rows[i] for i in created] + [rows[i] for i, _ in updated]
    old = [_without_id(before) for _, before in updated]
    group: dict[str, Any] = {"label": label, "ids": [r["id"] for r in written]}
    return _with_digests(group, written, old)


def _edge_group(
    rel_type: str,
    ends: tuple[str, str],
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
    created: list[int],
    updated: list[tuple[int, dict[str, Any]]],
) -> dict[str, Any]:
    """The changes of a batch of upserted relationships (``rows[i]``: ``{source, target, props}``)."""
    written = [rows[i] for i in created] + [rows[i] for i, _ in updated]
    old = [_plain(before) for _, before in updated]
    group: dict[str, Any] = {
        "label": rel_type,
        "ends": list(ends),
        "ids": [r["source"] for r in written],
        "targets": [r["target"] for r in written],
    }
    if keys:
        group["keys"] = [[r["props"].get(k) for k in keys] for r in written]
    return _with_digests(group, written, old)


def _with_digests(group: dict[str, Any], written: list[dict[str, Any]], old: list[dict[str, Any]]) -> dict[str, Any]:
    """Add to ``group`` the digests after the write (``written``: the created rows, then the updated ones)
    and, if any was updated, the properties before (``old``, of the updated rows)."""
    created = len(written) - len(old)
    after = [fingerprint(canonical(r["props"])) for r in written[:created]]
    after += [fingerprint(canonical({**o, **r["props"]})) for o, r in zip(old, written[created:], strict=True)]
    group["after"] = after
    if old:
        group["before"] = [None] * created + old
    return group


def _entry(props: dict[str, Any]) -> LoadEntry:
    return LoadEntry(
        props["id"],
        props["operation"],
        props["who"],
        props.get("source"),
        props["at"],
        json.loads(props["counts"]),
        props.get("reverts"),
        props.get("rolled_back_by"),
    )


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in props.items()}


def _same_fulltext(current: dict[str, Any], schema: Schema) -> bool:
    return set(current["labelsOrTypes"]) == set(schema.classes) and list(current["properties"]) == list(
        schema.searchable
    )
