"""Response models of the HTTP API."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from graph.records import Edge, Node

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list: the items, and how many there are in all."""

    data: list[T]
    count: int = Field(description="number of items in the whole list, not just this page")
    offset: int
    limit: int


class NodeOut(BaseModel):
    """A node: its class, id, names and all its properties."""

    id: str = Field(examples=["csco:6-31-07-03"])
    label: str = Field(examples=["Occupation"])
    name_zh: str | None = Field(None, examples=["工业机器人系统操作员"])
    name_en: str | None = Field(None, examples=["Industrial robot system operator"])
    properties: dict[str, Any]

    @classmethod
    def of(cls, node: Node) -> NodeOut:
        return cls(
            id=node.id,
            label=node.label,
            name_zh=node.props.get("name_zh"),
            name_en=node.props.get("name_en"),
            properties=node.props,
        )


class EdgeOut(BaseModel):
    """A relationship between two nodes, with its properties."""

    type: str = Field(examples=["REQUIRES"])
    source: str
    target: str
    properties: dict[str, Any]

    @classmethod
    def of(cls, edge: Edge) -> EdgeOut:
        return cls(type=edge.type, source=edge.source, target=edge.target, properties=edge.props)


class SearchHit(BaseModel):
    """A search result and its relevance score (higher is better; scores differ between stores)."""

    node: NodeOut
    score: float


class Subgraph(BaseModel):
    """Nodes and the relationships among them, for a graph view."""

    nodes: list[NodeOut]
    edges: list[EdgeOut]


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    store: str = Field(examples=["embedded"])
    reachable: bool
    version: str
    chanjiao: str
    ontology: str
    model_config = {"extra": "allow"}


class Stats(BaseModel):
    store: str
    nodes: dict[str, int]
    relationships: dict[str, int]
    total_nodes: int
    total_relationships: int
