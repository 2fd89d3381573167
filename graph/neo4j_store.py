"""The Neo4j store, through the official driver.

Reads run in read transactions (a cluster routes them to readers), writes in
one write transaction as ``UNWIND $rows`` batches; both as transaction functions,
which the driver retries on transient errors (for up to the driver's
``max_transaction_retry_time``, see ``open_driver``). Every transaction carries a
timeout, so one request cannot hold the database. The driver is opened once by
the caller and handed in.

A write records its load in the audit trail (``graph.audit``) in the same
transaction; the audit's counter node is write-locked first, which serialises
audited writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import neo4j
from neo4j import Driver, ManagedTransaction, unit_of_work
from neo4j.exceptions import AuthError, IncompleteCommit, Neo4jError, ServiceUnavailable, SessionExpired

from graph import cypher
from graph.audit import LOAD, AuditTx, Change, LoadEntry, Ref, Stamp, digest, dump_changes, load_changes
from graph.errors import ConflictError, StoreUnavailableError
from graph.records import Batch, Edge, Node, WriteSummary
from graph.store import (
    AssessmentRow,
    CohortRow,
    ConductRow,
    DeliveryRow,
    DemandRow,
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
    TargetRow,
    TaskRow,
)
from graph.text import tokens
from ontology.schema import Schema

T = TypeVar("T")


class Neo4jStore(GraphStore):
    """A graph in a Neo4j 5.26+ database."""

    kind = "neo4j"

    def __init__(
        self, driver: Driver, schema: Schema, database: str = "neo4j", batch_size: int = 1000, timeout: float = 30.0
    ) -> None:
        self.driver = driver
        self.schema = schema
        self.database = database
        self.batch_size = batch_size
        self.timeout = timeout
        self._questions = cypher.question_queries(schema)

    # -- plumbing

    def _run(self, access: str, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` as a transaction function with the timeout; the driver retries it on transient errors.

        What is left once the driver gives up becomes a ``StoreUnavailableError``
        (503 in the API): the server is down, the query ran out of time, or the
        outcome of a commit is unknown.
        """
        timed = unit_of_work(timeout=self.timeout)(work)
        try:
            with self.driver.session(database=self.database) as session:
                if access == "read":
                    return session.execute_read(timed)
                return session.execute_write(timed)
        except IncompleteCommit as exc:
            raise StoreUnavailableError(
                "the connection to Neo4j broke while committing, so whether the write took effect is unknown: "
                "see the latest loads (GET /loads, `chanjiao loads list`) and re-run it (a re-run never duplicates)"
            ) from exc
        except (ServiceUnavailable, SessionExpired, AuthError) as exc:
            raise StoreUnavailableError(f"Neo4j at {self._address()} is not available: {exc}") from exc
        except Neo4jError as exc:
            if "TransactionTimedOut" in (exc.code or ""):
                raise StoreUnavailableError(
                    f"the query ran longer than {self.timeout:g} s (CHANJIAO_QUERY_TIMEOUT) and was stopped"
                ) from exc
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
        statements = [cypher.unique_id(self.schema, label) for label in self.schema.classes] + cypher.AUDIT_SCHEMA
        for label, cls in self.schema.classes.items():
            statements += [
                cypher.property_index(self.schema, label, p.name) for p in cls.properties.values() if p.indexed
            ]
        wanted = cypher.fulltext_index(self.schema)
        try:
            with self.driver.session(database=self.database) as session:
                current = session.run(cypher.SHOW_FULLTEXT, name=cypher.FULLTEXT_INDEX).data()
                if current and not _same_fulltext(current[0], self.schema):
                    session.run(cypher.DROP_FULLTEXT).consume()
                for statement in [*statements, wanted]:
                    session.run(statement).consume()
                session.run(cypher.AWAIT_INDEXES, seconds=300).consume()
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailableError(f"Neo4j is not available: {exc}") from exc
        return [*statements, wanted]

    # -- writes

    def write(self, batch: Batch, progress: Progress | None = None, stamp: Stamp | None = None) -> WriteSummary:
        stamp = stamp or Stamp.now()
        # Each row carries its index (``i``) so that the query can say which rows it changed.
        node_groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for node in batch.nodes:
            group = node_groups[node.label]
            group.append({"i": len(group), "id": node.id, "props": node.props})
        edge_groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for edge in batch.edges:
            group = edge_groups[(edge.type, batch.endpoint_labels[edge.source], batch.endpoint_labels[edge.target])]
            group.append({"i": len(group), "source": edge.source, "target": edge.target, "props": edge.props})

        total = len(batch.nodes) + len(batch.edges)

        def work(tx: ManagedTransaction) -> WriteSummary:
            audit = _Audit(tx, self)  # first: takes the audit lock
            summary = WriteSummary()
            changes: list[Change] = []
            done = 0
            for label, rows in node_groups.items():
                query = cypher.upsert_nodes(self.schema, label)
                for counts, changed in self._chunks(tx, query, rows):
                    summary.nodes_created += counts.get("created", 0)
                    summary.nodes_updated += counts.get("updated", 0)
                    summary.nodes_unchanged += counts.get("unchanged", 0)
                    for i, before in changed:
                        row = rows[i]
                        changes.append(_change(Ref(label, row["id"]), before, row["props"]))
                    done += sum(counts.values())
                    if progress is not None:
                        progress(done, total)
            for (rel_type, source, target), rows in edge_groups.items():
                query = cypher.upsert_edges(self.schema, rel_type, source, target)
                keys = self.schema.relationships[rel_type].keys
                for counts, changed in self._chunks(tx, query, rows):
                    summary.edges_created += counts.get("created", 0)
                    summary.edges_updated += counts.get("updated", 0)
                    summary.edges_unchanged += counts.get("unchanged", 0)
                    for i, before in changed:
                        row = rows[i]
                        key = tuple(row["props"].get(k) for k in keys)
                        ref = Ref(rel_type, row["source"], row["target"], key, (source, target))
                        changes.append(_change(ref, before, row["props"]))
                    done += sum(counts.values())
                    if progress is not None:
                        progress(done, total)
            summary.load_id = audit.record(stamp, LOAD, summary.as_dict(), changes)
            return summary

        return self._run("write", work)

    def _chunks(
        self, tx: ManagedTransaction, query: str, rows: list[dict[str, Any]]
    ) -> Iterator[tuple[dict[str, int], list[tuple[int, dict[str, Any] | None]]]]:
        """Run ``query`` over ``rows`` batch by batch; yield the counts per status, and the
        (row index, old properties) of each row written."""
        for start in range(0, len(rows), self.batch_size):
            chunk = rows[start : start + self.batch_size]
            counts: dict[str, int] = {}
            changed: list[tuple[int, dict[str, Any] | None]] = []
            for record in tx.run(query, rows=chunk):
                counts[record["status"]] = record["n"]
                changed += [(i, before) for i, before in record["changed"]]
            if sum(counts.values()) != len(chunk):
                # An endpoint vanished between validation and write (a concurrent delete):
                # fail the whole transaction rather than drop rows silently.
                raise ConflictError(
                    f"{len(chunk) - sum(counts.values())} relationship(s) lost an endpoint during the write"
                )
            yield counts, changed

    def audited(self, work: Callable[[AuditTx], T]) -> T:
        return self._run("write", lambda tx: work(_Audit(tx, self)))

    def clear(self) -> None:
        try:
            with self.driver.session(database=self.database) as session:
                session.run(cypher.CLEAR).consume()
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailableError(f"Neo4j is not available: {exc}") from exc

    # -- reads

    def read(self, work: Callable[[GraphReader], T]) -> T:
        return self._run("read", lambda tx: work(_Reader(tx, self._questions)))

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
        by_label = self._group_by_label(ids)

        def work(tx: ManagedTransaction) -> dict[str, Node]:
            found = {}
            for label, group in by_label.items():
                for record in tx.run(cypher.get_nodes(self.schema, label), ids=group):
                    found[record["id"]] = _node(label, record["props"])
            return found

        return self._run("read", work) if by_label else {}

    def adjacent(self, ids: Iterable[str], rel_type: str | None = None, outgoing: bool = False) -> list[Edge]:
        by_label = self._group_by_label(ids)

        def work(tx: ManagedTransaction) -> list[Edge]:
            found: dict[tuple[Any, ...], Edge] = {}
            for label, group in by_label.items():
                for r in tx.run(cypher.adjacent(self.schema, label, rel_type, outgoing), ids=group):
                    keys = self.schema.relationships[r["type"]].keys
                    identity = (r["source"], r["type"], r["target"], *(r["props"].get(k) for k in keys))
                    found[identity] = Edge(r["type"], r["source"], r["target"], _plain(r["props"]))
            return list(found.values())

        return self._run("read", work) if by_label else []

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
        rows = self._read(cypher.SEARCH, query=" OR ".join(terms), labels=labels, limit=limit)
        return [(_node(r["label"], r["props"]), round(float(r["score"]), 6)) for r in rows]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        def work(tx: ManagedTransaction) -> tuple[dict[str, int], dict[str, int]]:
            labels = {
                n: tx.run(cypher.count_label(self.schema, n)).single(strict=True)["n"] for n in self.schema.classes
            }
            types = {
                t: tx.run(cypher.count_type(self.schema, t)).single(strict=True)["n"] for t in self.schema.relationships
            }
            return labels, types

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

    def _group_by_label(self, ids: Iterable[str]) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for node_id, label in self.labels_of(ids).items():
            groups[label].append(node_id)
        return groups


class _Audit(AuditTx):
    """The audit primitives inside one write transaction; making one takes the next load number (and the lock)."""

    def __init__(self, tx: ManagedTransaction, store: Neo4jStore) -> None:
        self._tx = tx
        self._schema = store.schema
        self.load_id: int = tx.run(cypher.NEXT_LOAD).single(strict=True)["id"]

    def entry(self, load_id: int) -> LoadEntry | None:
        record = self._tx.run(cypher.GET_LOAD, id=load_id).single()
        return None if record is None else _entry(record["load"])

    def later_loads(self, load_id: int) -> list[LoadEntry]:
        return [_entry(r["load"]) for r in self._tx.run(cypher.LATER_LOADS, id=load_id)]

    def changes(self, load_id: int) -> list[Change]:
        return load_changes(r["changes"] for r in self._tx.run(cypher.CHANGES, id=load_id))

    def state(self, refs: Iterable[Ref]) -> dict[Ref, dict[str, Any] | None]:
        found: dict[Ref, dict[str, Any] | None] = {}
        nodes, edges = self._grouped(refs)
        for label, group in nodes.items():
            found.update(dict.fromkeys(group))
            by_id = {ref.id: ref for ref in group}
            for r in self._tx.run(cypher.get_nodes(self._schema, label), ids=list(by_id)):
                found[by_id[r["id"]]] = _without_id(r["props"])
        for (rel_type, source, target), group in edges.items():
            found.update(dict.fromkeys(group))
            rows = self._edge_rows(rel_type, group)
            for r in self._tx.run(cypher.edge_state(self._schema, rel_type, source, target), rows=rows):
                found[group[r["i"]]] = _plain(r["props"])
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
        sets = [{"seq": n, "changes": text} for n, text in enumerate(dump_changes(changes))]
        for start in range(0, len(sets), 100):
            self._tx.run(cypher.CREATE_CHANGE_SETS, id=self.load_id, sets=sets[start : start + 100]).consume()
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


class _Reader(GraphReader):
    """The question primitives as Cypher, each one query inside the caller's read transaction."""

    def __init__(self, tx: ManagedTransaction, queries: cypher.QuestionQueries) -> None:
        self._tx = tx
        self._q = queries

    def _values(self, query: str, **params: Any) -> list[list[Any]]:
        return self._tx.run(query, params).values()

    def _by_ids(self, query: str, ids: Iterable[str]) -> list[list[Any]]:
        unique = list(dict.fromkeys(ids))
        return self._values(query, ids=unique) if unique else []

    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        found = [_node(label, props) for label, props in self._by_ids(self._q.nodes, ids)]
        return {n.id: n for n in found}

    def requirements(self, occupations: Iterable[str]) -> list[RequirementRow]:
        return [RequirementRow(o, *row) for o, rows in self._by_ids(self._q.requirements, occupations) for row in rows]

    def requirers(self, competencies: Iterable[str]) -> list[str]:
        return [v[0] for v in self._by_ids(self._q.requirers, competencies)]

    def tasks(self, occupations: Iterable[str]) -> list[TaskRow]:
        return [TaskRow(*v) for v in self._by_ids(self._q.tasks, occupations)]

    def targets(self, programs: Iterable[str]) -> list[TargetRow]:
        return [TargetRow(*v) for v in self._by_ids(self._q.targets, programs)]

    def includes(
        self, *, programs: Iterable[str] | None = None, courses: Iterable[str] | None = None
    ) -> list[IncludesRow]:
        if programs is not None:
            return [IncludesRow(*v) for v in self._by_ids(self._q.includes_of_programs, programs)]
        return [IncludesRow(*v) for v in self._by_ids(self._q.includes_of_courses, courses or ())]

    def programs(self, region: str | None = None) -> list[str]:
        if region is None:
            return [v[0] for v in self._values(self._q.all_programs)]
        return [v[0] for v in self._values(self._q.programs_in_region, region=region)]

    def develops(
        self, *, courses: Iterable[str] | None = None, competencies: Iterable[str] | None = None
    ) -> list[DevelopsRow]:
        if courses is not None:
            found = self._by_ids(self._q.develops_of_courses, courses)
            return [DevelopsRow(course, lt, c, level) for course, rows in found for lt, c, level in rows]
        found = self._by_ids(self._q.develops_of_competencies, competencies or ())
        return [DevelopsRow(course, lt, c, level) for c, rows in found for course, lt, level in rows]

    def learning_tasks(self, courses: Iterable[str]) -> list[LearningTaskRow]:
        return [LearningTaskRow(*v) for v in self._by_ids(self._q.learning_tasks, courses)]

    def matches(self, competencies: Iterable[str], kinds: tuple[str, ...]) -> list[MatchRow]:
        unique = list(dict.fromkeys(competencies))
        if not unique or not kinds:
            return []
        return [MatchRow(*v) for v in self._values(self._q.matches, ids=unique, kinds=list(kinds))]

    def demands(
        self,
        *,
        occupations: Iterable[str] | None = None,
        employers: Iterable[str] | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> list[DemandRow]:
        values = self._values(
            self._q.demands,
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
        values = self._values(
            self._q.needs,
            competencies=_listed(competencies),
            employers=_listed(employers),
            region=region,
            industry=industry,
        )
        return [NeedRow(*v) for v in values]

    def delivery(self, targets: Iterable[str]) -> list[DeliveryRow]:
        return [DeliveryRow(*v) for v in self._by_ids(self._q.delivery, targets)]

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


def _node(label: str, props: dict[str, Any]) -> Node:
    props = _plain(props)
    return Node(label, props.pop("id"), props)


def _without_id(props: dict[str, Any]) -> dict[str, Any]:
    props = _plain(props)
    props.pop("id", None)
    return props


def _change(ref: Ref, before: dict[str, Any] | None, written: dict[str, Any]) -> Change:
    """The audit record of one upserted item: ``written`` was set over ``before`` (None: created)."""
    old = None if before is None else (_without_id(before) if ref.is_node else _plain(before))
    return Change(ref, old, digest({**(old or {}), **written}))


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
