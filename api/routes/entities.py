"""Nodes: list, get and search per class; any node by id; neighbourhoods for a graph view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Limit, NodeLabel, Offset, ServiceDep
from api.models import EdgeOut, NodeOut, Page, SearchHit, Subgraph

router = APIRouter(tags=["entities"])

SearchText = Annotated[str, Query(min_length=1, max_length=200, description="words in Chinese or English")]


@router.get("/entities/{label}", response_model=Page[NodeOut])
def list_entities(label: NodeLabel, service: ServiceDep, offset: Offset = 0, limit: Limit = 50) -> Page[NodeOut]:
    """List the nodes of one class, ordered by id."""
    nodes, count = service.list(label.value, offset, limit)
    return Page(data=[NodeOut.of(n) for n in nodes], count=count, offset=offset, limit=limit)


@router.get("/entities/{label}/search", response_model=list[SearchHit])
def search_entities(label: NodeLabel, q: SearchText, service: ServiceDep, limit: Limit = 20) -> list[SearchHit]:
    """Full-text search (zh and en) within one class, best matches first."""
    return [SearchHit(node=NodeOut.of(n), score=s) for n, s in service.search(q, [label.value], limit)]


@router.get("/entities/{label}/{node_id:path}", response_model=NodeOut)
def get_entity(label: NodeLabel, node_id: str, service: ServiceDep) -> NodeOut:
    """One node of a class by id (CURIEs and ESCO URIs as they are, or percent-encoded)."""
    return NodeOut.of(service.get(node_id, label.value))


@router.get("/search", response_model=list[SearchHit])
def search(
    q: SearchText,
    service: ServiceDep,
    label: Annotated[list[NodeLabel] | None, Query(description="only these classes")] = None,
    limit: Limit = 20,
) -> list[SearchHit]:
    """Full-text search over names, descriptions and aliases of every class, in Chinese and English."""
    labels = [item.value for item in label] if label else None
    return [SearchHit(node=NodeOut.of(n), score=s) for n, s in service.search(q, labels, limit)]


@router.get("/nodes/{node_id:path}", response_model=NodeOut)
def get_node(node_id: str, service: ServiceDep) -> NodeOut:
    """Any node by id, whatever its class."""
    return NodeOut.of(service.get(node_id))


@router.get("/neighbourhood/{node_id:path}", response_model=Subgraph)
def neighbourhood(
    node_id: str,
    service: ServiceDep,
    depth: Annotated[int, Query(ge=1, le=3, description="hops from the node (1–3)")] = 1,
    limit: Limit = 100,
) -> Subgraph:
    """The node, its neighbours within ``depth`` hops (nearest first) and the relationships among them."""
    nodes, edges = service.neighbourhood(node_id, depth, limit)
    return Subgraph(nodes=[NodeOut.of(n) for n in nodes], edges=[EdgeOut.of(e) for e in edges])
