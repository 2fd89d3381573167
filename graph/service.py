"""The core service: one object that answers every question over one store.

The HTTP app and the CLI are thin faces over it.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from functools import cache
from typing import Any

from graph import audit
from graph.audit import LoadEntry, Stamp
from graph.errors import InvalidInputError, NotFoundError
from graph.questions import Questions
from graph.records import Edge, EdgeRecord, Node, NodeRecord, WriteSummary
from graph.settings import NEO4J_SCHEMES, Settings
from graph.store import GraphStore
from graph.validation import validate
from ontology.schema import Schema, load_schema


def open_store(settings: Settings, schema: Schema | None = None) -> GraphStore:
    """Open the store that ``settings.store`` names: a Neo4j URI or an embedded file."""
    schema = schema or load_schema()
    if settings.store_kind == "neo4j":
        from graph.neo4j_store import Neo4jStore, open_driver

        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        driver = open_driver(settings.store, settings.neo4j_user, password, settings.neo4j_retry_seconds)
        return Neo4jStore(
            driver,
            schema,
            settings.neo4j_database,
            settings.batch_size,
            settings.query_timeout,
            settings.write_timeout,
            settings.neo4j_keep_rows,
        )
    if "://" in settings.store:  # a URI of another kind (http://, a misspelt scheme) is no file path either
        schemes = ", ".join(NEO4J_SCHEMES)
        raise InvalidInputError(f"the store {settings.store!r} is neither a Neo4j URI ({schemes}) nor a file path")
    from graph.embedded import EmbeddedStore

    return EmbeddedStore(settings.store, schema, settings.write_wait)


#: The largest offset a page may start at (well within the 64-bit integers every store takes).
MAX_OFFSET = 2**62


class Chanjiao:
    """The knowledge-graph service over one store.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from graph.embedded import EmbeddedStore
    >>> service = Chanjiao(EmbeddedStore(pathlib.Path(tempfile.mkdtemp()) / "g.db", load_schema()))
    >>> course = NodeRecord("Course", "course:X", {"name_zh": "机械制图", "category": "professional_foundation"})
    >>> summary = service.upsert([course], [])
    >>> summary.nodes_created
    1
    >>> service.get("course:X").props["name_zh"]
    '机械制图'
    """

    def __init__(self, store: GraphStore, settings: Settings | None = None) -> None:
        self.store = store
        self.schema = store.schema
        self.settings = settings or Settings(store="unused")
        #: Questions 1–9 of DESIGN §3 (coverage, gaps, curriculum map, …): see ``graph.questions``.
        self.questions = Questions(store)

    @classmethod
    def open(cls, settings: Settings) -> Chanjiao:
        return cls(open_store(settings), settings)

    def close(self) -> None:
        self.store.close()

    # -- about the service

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            **self.store.health(),
            "chanjiao": _version("chanjiao"),
            "ontology": self.schema.version,
        }

    def schema_summary(self) -> dict[str, Any]:
        """The ontology summarised: classes, relationships and enumerations, in zh and en."""

        def props(defs: dict[str, Any], required: frozenset[str]) -> list[dict[str, Any]]:
            return [
                {
                    "name": p.name,
                    "label_zh": p.label_zh,
                    "label_en": p.label_en,
                    "type": p.datatype,
                    "required": p.name in required,
                    "multi_valued": p.multi_valued,
                    "minimum": p.minimum,
                    "maximum": p.maximum,
                    "enumeration": p.enumeration.name if p.enumeration else None,
                }
                for p in defs.values()
            ]

        return {
            "iri": self.schema.iri,
            "version": self.schema.version,
            "classes": [
                {
                    "name": c.name,
                    "label_zh": c.label_zh,
                    "label_en": c.label_en,
                    "comment": c.comment,
                    "properties": props(c.properties, c.required),
                }
                for c in self.schema.classes.values()
            ],
            "relationships": [
                {
                    "name": r.name,
                    "label_zh": r.label_zh,
                    "label_en": r.label_en,
                    "comment": r.comment,
                    "from": sorted(r.sources),
                    "to": sorted(r.targets),
                    "keys": list(r.keys),
                    "properties": props(r.properties, r.required),
                }
                for r in self.schema.relationships.values()
            ],
            "enumerations": [
                {
                    "name": e.name,
                    "label_zh": e.label_zh,
                    "label_en": e.label_en,
                    "values": [{"value": v.notation, "label_zh": v.label_zh, "label_en": v.label_en} for v in e.values],
                }
                for e in self.schema.enumerations.values()
            ],
        }

    def stats(self) -> dict[str, Any]:
        labels, types = self.store.counts()
        return {
            "store": self.store.kind,
            "nodes": labels,
            "relationships": types,
            "total_nodes": sum(labels.values()),
            "total_relationships": sum(types.values()),
        }

    def apply_schema(self) -> list[str]:
        return self.store.apply_schema()

    def warm(self) -> None:
        """Build what the store builds on a first read (``GraphStore.warm``): a server's start-up."""
        self.store.warm()

    # -- writes

    def upsert(
        self,
        nodes: Iterable[NodeRecord],
        edges: Iterable[EdgeRecord],
        source: str | None = None,
        who: str = audit.LOCAL,
    ) -> WriteSummary:
        """Validate against the ontology, then write all of it atomically (or raise and write nothing).

        The write is a load of the audit trail, made by ``who`` (an API key id, ``cli`` or ``local``).
        """
        batch = validate(self.schema, nodes, edges, self.store.labels_of, source, self.store.adjacent)
        return self.store.write(batch, stamp=Stamp.now(who, source))

    def loads(self, offset: int = 0, limit: int = 50) -> tuple[list[LoadEntry], int]:
        """A page of the audit trail, newest first, and the number of loads in all."""
        self._check_page(offset, limit)
        return self.store.loads(offset, limit)

    def load_entry(self, load_id: int) -> LoadEntry:
        entry = self.store.get_load(load_id)
        if entry is None:
            raise NotFoundError(f"there is no load {load_id}")
        return entry

    def rollback(self, load_id: int, who: str = audit.LOCAL) -> LoadEntry:
        """Undo load ``load_id`` as a unit (see ``graph.audit.rollback``); returns the rollback's own entry."""
        return audit.rollback(self.store, load_id, who)

    # -- reads

    def get(self, node_id: str, label: str | None = None) -> Node:
        node = self.store.get_nodes([node_id]).get(node_id)
        if node is None or (label is not None and node.label != label):
            what = f"{label} {node_id!r}" if label else repr(node_id)
            raise NotFoundError(f"no {what} in the graph")
        return node

    def list(self, label: str, offset: int = 0, limit: int = 50) -> tuple[list[Node], int]:
        self._check_label(label)
        self._check_page(offset, limit)
        return self.store.list_nodes(label, offset, limit)

    def search(self, text: str, labels: list[str] | None = None, limit: int = 20) -> list[tuple[Node, float]]:
        for label in labels or []:
            self._check_label(label)
        self._check_page(0, limit)
        if not text.strip():
            raise InvalidInputError("the search text is empty")
        return self.store.search(text, labels or None, limit)

    def neighbourhood(self, node_id: str, depth: int = 1, limit: int = 100) -> tuple[list[Node], list[Edge]]:
        """Nodes within ``depth`` hops of ``node_id`` (either direction) and the edges among them.

        When there are more than ``limit`` nodes, the nearest are kept, ties broken by id.
        """
        if not 1 <= depth <= 3:
            raise InvalidInputError(f"depth must be between 1 and 3, not {depth}")
        self._check_page(0, limit)
        self.get(node_id)
        distance = {node_id: 0}
        frontier = [node_id]
        for hop in range(1, depth + 1):
            # the nearest nodes' ids only: a hub's thousands of relationships at ×16 are read, not sent
            frontier = self.store.neighbours(frontier, exclude=distance, limit=limit - len(distance))
            distance.update((n, hop) for n in frontier)

        def identity(e: Edge) -> tuple[str, str, str, str]:
            return e.source, e.type, e.target, repr(sorted(e.props.items()))

        kept = sorted({identity(e): e for e in self.store.edges_among(distance)}.values(), key=identity)
        nodes = self.store.get_nodes(distance)
        ordered = sorted(nodes.values(), key=lambda n: (distance[n.id], n.id))
        return ordered, kept

    # -- checks

    def _check_label(self, label: str) -> None:
        if label not in self.schema.classes:
            raise NotFoundError(f"unknown class {label!r}; known: {', '.join(self.schema.classes)}")

    def _check_page(self, offset: int, limit: int) -> None:
        largest = self.settings.max_page_size
        # Stores hold 64-bit integers: a larger offset would fail inside the store, not here.
        if not 0 <= offset <= MAX_OFFSET:
            raise InvalidInputError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")
        if not 1 <= limit <= largest:
            raise InvalidInputError(f"limit must be between 1 and {largest}, not {limit}")


@cache  # the installed version does not change while we run; looking it up costs a /health 0.1 ms
def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
