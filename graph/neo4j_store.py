"""The Neo4j store, through the official driver.

Reads run in read transactions (a cluster routes them to readers), writes in
one write transaction as ``UNWIND $rows`` batches; both as transaction functions,
which the driver retries on transient errors. The driver is opened once by the
caller and handed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import neo4j
from neo4j import Driver, ManagedTransaction, unit_of_work
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

from graph import cypher
from graph.errors import ConflictError, StoreUnavailableError
from graph.records import Batch, Edge, Node, WriteSummary
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
        timed = unit_of_work(timeout=self.timeout)(work)
        try:
            with self.driver.session(database=self.database) as session:
                if access == "read":
                    return session.execute_read(timed)
                return session.execute_write(timed)
        except (ServiceUnavailable, SessionExpired, AuthError) as exc:
            raise StoreUnavailableError(f"Neo4j at {self._address()} is not available: {exc}") from exc

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
        statements = [cypher.unique_id(self.schema, label) for label in self.schema.classes]
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

    def write(self, batch: Batch, progress: Progress | None = None) -> WriteSummary:
        node_groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for node in batch.nodes:
            node_groups[node.label].append({"id": node.id, "props": node.props})
        edge_groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for edge in batch.edges:
            group = (edge.type, batch.endpoint_labels[edge.source], batch.endpoint_labels[edge.target])
            edge_groups[group].append({"source": edge.source, "target": edge.target, "props": edge.props})

        total = len(batch.nodes) + len(batch.edges)

        def work(tx: ManagedTransaction) -> WriteSummary:
            summary = WriteSummary()
            done = 0
            for label, rows in node_groups.items():
                query = cypher.upsert_nodes(self.schema, label)
                for counts in self._chunks(tx, query, rows):
                    summary.nodes_created += counts.get("created", 0)
                    summary.nodes_updated += counts.get("updated", 0)
                    summary.nodes_unchanged += counts.get("unchanged", 0)
                    done += sum(counts.values())
                    if progress is not None:
                        progress(done, total)
            for (rel_type, source, target), rows in edge_groups.items():
                query = cypher.upsert_edges(self.schema, rel_type, source, target)
                for counts in self._chunks(tx, query, rows):
                    summary.edges_created += counts.get("created", 0)
                    summary.edges_updated += counts.get("updated", 0)
                    summary.edges_unchanged += counts.get("unchanged", 0)
                    done += sum(counts.values())
                    if progress is not None:
                        progress(done, total)
            return summary

        return self._run("write", work)

    def _chunks(self, tx: ManagedTransaction, query: str, rows: list[dict[str, Any]]) -> Iterable[dict[str, int]]:
        for start in range(0, len(rows), self.batch_size):
            chunk = rows[start : start + self.batch_size]
            counts = {r["status"]: r["n"] for r in tx.run(query, rows=chunk)}
            if sum(counts.values()) != len(chunk):
                # An endpoint vanished between validation and write (a concurrent delete):
                # fail the whole transaction rather than drop rows silently.
                raise ConflictError(
                    f"{len(chunk) - sum(counts.values())} relationship(s) lost an endpoint during the write"
                )
            yield counts

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

    def _group_by_label(self, ids: Iterable[str]) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for node_id, label in self.labels_of(ids).items():
            groups[label].append(node_id)
        return groups


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


def _listed(ids: Iterable[str] | None) -> list[str] | None:
    return None if ids is None else list(dict.fromkeys(ids))


def open_driver(uri: str, user: str | None, password: str | None) -> Driver:
    """Open a driver (it connects lazily) for ``uri``; auth only when a password is given."""
    auth = neo4j.basic_auth(user or "neo4j", password) if password else None
    # Counting a relationship type that no data uses yet is normal here (an empty graph, a new
    # ontology type); the server's "unrecognized type" notices would only flood the logs.
    return neo4j.GraphDatabase.driver(
        uri, auth=auth, notifications_disabled_classifications=[neo4j.NotificationDisabledClassification.UNRECOGNIZED]
    )


def _node(label: str, props: dict[str, Any]) -> Node:
    props = _plain(props)
    return Node(label, props.pop("id"), props)


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in props.items()}


def _same_fulltext(current: dict[str, Any], schema: Schema) -> bool:
    return set(current["labelsOrTypes"]) == set(schema.classes) and list(current["properties"]) == list(
        schema.searchable
    )
