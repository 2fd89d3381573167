"""Dependencies shared by the routers, declared once as ``Annotated`` aliases."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import Depends, Query, Request

from graph.service import Chanjiao
from ontology.schema import load_schema


async def get_service(request: Request) -> Chanjiao:
    return request.app.state.service


ServiceDep = Annotated[Chanjiao, Depends(get_service)]

#: The node classes, as an enum for path and query parameters: derived from the ontology.
NodeLabel = Enum("NodeLabel", {name: name for name in load_schema().classes}, type=str)

Offset = Annotated[int, Query(ge=0, description="how many items to skip")]
Limit = Annotated[int, Query(ge=1, le=500, description="how many items to return (1–500)")]
