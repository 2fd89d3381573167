"""What is written to a store: nodes and relationships as plain records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def unchanged(current: dict[str, Any], given: dict[str, Any]) -> bool:
    """Whether writing ``given`` over the stored properties ``current`` would change nothing (every store's rule).

    >>> unchanged({"name_zh": "焊工", "level": 3}, {"level": 3})
    True
    >>> unchanged({"name_zh": "焊工"}, {"level": 3})
    False
    """
    return all(current.get(k) == v for k, v in given.items())


@dataclass
class NodeRecord:
    """A node to upsert: its class (Neo4j label), id and properties.

    ``location`` says where the record came from (file and row) so that an
    error can point at it; it is not stored.
    """

    label: str
    id: str
    props: dict[str, Any] = field(default_factory=dict)
    location: str | None = None

    def where(self) -> str:
        return self.location or f"{self.label} {self.id!r}"


@dataclass
class EdgeRecord:
    """A relationship to upsert, between two node ids."""

    type: str
    source: str
    target: str
    props: dict[str, Any] = field(default_factory=dict)
    location: str | None = None

    def where(self) -> str:
        return self.location or f"{self.type} {self.source!r} -> {self.target!r}"


@dataclass(frozen=True, slots=True)
class Node:
    """A stored node (slotted: the embedded store keeps the nodes questions read, ``graph.derived``)."""

    label: str
    id: str
    props: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, **self.props, "id": self.id}


@dataclass(frozen=True)
class Edge:
    """A stored relationship; ``key`` holds the values of its key properties."""

    type: str
    source: str
    target: str
    props: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "source": self.source, "target": self.target, "props": self.props}


@dataclass
class Batch:
    """A validated set of nodes and edges, with every edge's endpoint labels resolved."""

    nodes: list[NodeRecord]
    edges: list[EdgeRecord]
    endpoint_labels: dict[str, str]  # node id -> label, for every edge endpoint


@dataclass
class WriteSummary:
    """What an upsert did: counts of created, updated and unchanged items, and its load in the audit trail."""

    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    edges_unchanged: int = 0
    load_id: int | None = field(default=None, compare=False)

    COUNTS = (
        "nodes_created",
        "nodes_updated",
        "nodes_unchanged",
        "edges_created",
        "edges_updated",
        "edges_unchanged",
    )

    def __iadd__(self, other: WriteSummary) -> WriteSummary:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def add(self, kind: str, counts: Mapping[str, int]) -> None:
        """Add a statement's ``created`` / ``updated`` / ``unchanged`` counts of ``kind`` (``nodes`` or ``edges``).

        >>> summary = WriteSummary()
        >>> summary.add("edges", {"created": 2, "updated": 0, "unchanged": 1})
        >>> summary.edges_created, summary.edges_unchanged
        (2, 1)
        """
        for what in ("created", "updated", "unchanged"):
            name = f"{kind}_{what}"
            setattr(self, name, getattr(self, name) + counts[what])

    def as_dict(self) -> dict[str, int]:
        """The counts (the load id is reported beside them, see ``LoadReport``)."""
        return {name: getattr(self, name) for name in self.COUNTS}
