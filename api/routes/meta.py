"""About the service: health, the ontology, and counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.deps import ServiceDep
from api.models import Health, Stats
from api.security import reader_key

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health)
def health(service: ServiceDep) -> dict[str, Any]:
    """Whether the store answers, which store it is, and the versions in use (open to all, for health checks)."""
    return service.health()


@router.get("/schema", dependencies=[Depends(reader_key)])
def schema(service: ServiceDep) -> dict[str, Any]:
    """The ontology summarised: classes, relationships with their endpoints, properties and enumerations (zh/en)."""
    return service.schema_summary()


@router.get("/stats", response_model=Stats, dependencies=[Depends(reader_key)])
def stats(service: ServiceDep) -> dict[str, Any]:
    """Node counts per class and relationship counts per type."""
    return service.stats()
