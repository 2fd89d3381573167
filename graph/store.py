"""The store interface: the few primitives every store implements.

The questions are computed once, in Python, over these primitives; each store
implements them its own way (Cypher on Neo4j, traversals on networkx).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

from graph.records import Batch, Edge, Node, WriteSummary
from ontology.schema import Schema

#: Called as a write goes: (items written so far, items in the batch).
Progress = Callable[[int, int], None]


class GraphStore(ABC):
    """A graph of the ontology's classes and relationships."""

    kind: str
    schema: Schema

    # -- lifecycle

    @abstractmethod
    def close(self) -> None:
        """Release connections and files."""

    @abstractmethod
    def health(self) -> dict[str, Any]:
        """Whether the store answers, and its version; raises ``StoreUnavailableError`` if not."""

    @abstractmethod
    def apply_schema(self) -> list[str]:
        """Create the constraints and indexes the ontology implies; return what was applied."""

    # -- writes

    @abstractmethod
    def write(self, batch: Batch, progress: Progress | None = None) -> WriteSummary:
        """Upsert a validated batch atomically: all of it or, on any failure, none of it.

        Nodes are matched by id and edges by (source, type, target, key
        properties); given properties are set, others kept. Items whose given
        properties already hold those values are counted as unchanged.
        """

    @abstractmethod
    def clear(self) -> None:
        """Delete everything (tests and explicit wipes only)."""

    # -- reads

    @abstractmethod
    def labels_of(self, ids: Iterable[str]) -> dict[str, str]:
        """The label of each of ``ids`` that exists."""

    @abstractmethod
    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The nodes with these ids (missing ids are absent from the answer)."""

    @abstractmethod
    def adjacent(self, ids: Iterable[str]) -> list[Edge]:
        """Every relationship that starts or ends at one of ``ids``."""

    @abstractmethod
    def list_nodes(self, label: str, offset: int, limit: int) -> tuple[list[Node], int]:
        """A page of the nodes of ``label`` ordered by id, and their total number."""

    @abstractmethod
    def search(self, text: str, labels: list[str] | None, limit: int) -> list[tuple[Node, float]]:
        """Full-text search over names, descriptions and alternative labels (zh and en)."""

    @abstractmethod
    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Node counts per label and relationship counts per type (zeros included)."""
