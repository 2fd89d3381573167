"""Schemathesis against the OpenAPI document: no 5xx, and every response matches what the document says.

Every operation of the in-process ASGI app (the demo on the embedded store) is
called with generated requests — valid and invalid — with a valid API key,
so writes go past the key check. The number of examples per operation is
bounded (``CHANJIAO_SCHEMATHESIS_EXAMPLES``, default 120) so the run takes about
a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.security import new_key
from graph.embedded import EmbeddedStore
from graph.service import Chanjiao
from graph.settings import Settings
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import load_schema

ENTRY, SECRET = new_key("schemathesis")
EXAMPLES = int(os.environ.get("CHANJIAO_SCHEMATHESIS_EXAMPLES", "120"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "demo.db"
    schema = load_schema()
    service = Chanjiao(
        EmbeddedStore(path, schema),
        Settings(store=str(path), api_keys=[ENTRY], rate_limit_per_minute=0, max_upload_bytes=200_000),
    )
    load(service, read_workbook(DEMO_PATH, schema), source="demo")
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(service=service))
    service.close()


def operations() -> list[tuple[str, str]]:
    """Every operation of the OpenAPI document (building it opens no store)."""
    paths = create_app(Settings(store="unused.db")).openapi()["paths"]
    found = [(method.upper(), path) for path, ops in paths.items() for method in ops]
    # The writes last: a generated rollback of the demo's load would leave the other operations an empty graph.
    return sorted(found, key=lambda op: op[1].startswith("/loads") and op[0] == "POST")


# schemathesis' own pytest plugin does not run under pytest 9 yet, so each operation is
# a parametrised test that draws its cases from schemathesis' strategy for it.
@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), operations())
def test_api_conforms_to_its_openapi_document(api_schema: schemathesis.BaseSchema, method: str, path: str) -> None:
    operation = api_schema[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"X-API-Key": SECRET}, checks=CHECKS)

    conforms()
