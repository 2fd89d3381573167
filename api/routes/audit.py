"""The audit trail: every write is a load (who, when, from which source), listed and rolled back as a unit.

Reading the trail needs an API key even when reads are open: it names the keys
that wrote and what they loaded.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.deps import Limit, Offset, ServiceDep
from api.models import Page
from api.security import WriterKey
from graph.audit import LoadEntry

router = APIRouter(tags=["loads"])

LoadId = Annotated[int, Path(ge=1, le=2**62, description="a load's number, from GET /loads")]


class LoadOut(BaseModel):
    """One audited write: a load, or the rollback of one."""

    id: int = Field(examples=[3])
    operation: str = Field(description="load, or rollback", examples=["load"])
    who: str = Field(description="the API key id that wrote, or cli / local", examples=["registrar"])
    source: str | None = Field(description="the dataset written", examples=["workbook:my-school.xlsx"])
    at: str = Field(description="when it was committed, UTC ISO 8601", examples=["2026-01-05T08:30:00.000Z"])
    counts: dict[str, int] = Field(description="items created, updated, unchanged (a rollback: removed, restored)")
    reverts: int | None = Field(None, description="for a rollback: the load it undid")
    rolled_back_by: int | None = Field(None, description="for a load that was rolled back: the rollback's id")

    @classmethod
    def of(cls, entry: LoadEntry) -> LoadOut:
        return cls(**entry.as_dict())


@router.get("/loads", response_model=Page[LoadOut])
def list_loads(service: ServiceDep, key_id: WriterKey, offset: Offset = 0, limit: Limit = 50) -> Page[LoadOut]:
    """The audit trail, newest first: who wrote what, when, and whether it was rolled back."""
    entries, count = service.loads(offset, limit)
    return Page(data=[LoadOut.of(e) for e in entries], count=count, offset=offset, limit=limit)


@router.get("/loads/{load_id}", response_model=LoadOut)
def get_load(load_id: LoadId, service: ServiceDep, key_id: WriterKey) -> LoadOut:
    """One load of the audit trail."""
    return LoadOut.of(service.load_entry(load_id))


@router.post("/loads/{load_id}/rollback", response_model=LoadOut)
def rollback_load(load_id: LoadId, service: ServiceDep, key_id: WriterKey) -> LoadOut:
    """Undo a load as a unit (409, changing nothing, if a later change would be lost); returns the rollback."""
    return LoadOut.of(service.rollback(load_id, who=key_id))
