"""The HTTP API over the demo, on both stores, through an in-process client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.service import Chanjiao


@pytest.fixture
def client(demo: Chanjiao) -> TestClient:
    return TestClient(create_app(service=demo))


def test_health(client: TestClient, demo: Chanjiao) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["store"] == demo.store.kind
    assert body["reachable"] is True
    assert body["ontology"] == "1.0.0"


def test_schema_lists_classes_relationships_and_enums_in_both_languages(client: TestClient) -> None:
    body = client.get("/schema").json()
    course = next(c for c in body["classes"] if c["name"] == "Course")
    assert course["label_zh"] == "课程"
    category = next(p for p in course["properties"] if p["name"] == "category")
    assert category == {
        "name": "category",
        "label_zh": "课程类别",
        "label_en": "category",
        "type": "string",
        "required": True,
        "multi_valued": False,
        "minimum": None,
        "maximum": None,
        "enumeration": "CourseCategoryScheme",
    }
    requires = next(r for r in body["relationships"] if r["name"] == "REQUIRES")
    assert requires["from"] == ["Occupation", "TypicalWorkTask"] and requires["to"] == ["Competency"]
    dims = next(e for e in body["enumerations"] if e["name"] == "CompetencyDimensionScheme")
    assert [v["label_zh"] for v in dims["values"]] == ["专业能力", "方法能力", "社会能力", "职业素养/思政素养"]


def test_stats(client: TestClient) -> None:
    body = client.get("/stats").json()
    assert body["total_nodes"] == 182
    assert body["total_relationships"] == 514
    assert body["nodes"]["Program"] == 2


def test_list_programs_courses_and_employers(client: TestClient) -> None:
    programs = client.get("/entities/Program").json()
    assert programs["count"] == 2
    assert [p["id"] for p in programs["data"]] == ["program:EAEM", "program:IRAM"]
    courses = client.get("/entities/Course", params={"offset": 5, "limit": 5}).json()
    assert courses["count"] == 21 and len(courses["data"]) == 5 and courses["offset"] == 5
    all_ids = [c["id"] for c in client.get("/entities/Course", params={"limit": 100}).json()["data"]]
    assert [c["id"] for c in courses["data"]] == sorted(all_ids)[5:10]
    employers = client.get("/entities/Employer").json()
    assert employers["count"] == 4 and all(e["name_zh"] for e in employers["data"])


def test_get_by_class_and_by_id(client: TestClient) -> None:
    program = client.get("/entities/Program/program:IRAM").json()
    assert program["name_zh"] == "工业机器人应用与维护"
    assert client.get("/nodes/" + quote("csco:6-31-07-03", safe="")).json()["label"] == "Occupation"


@pytest.mark.parametrize(("q", "expected"), [("工业机器人应用", "program:IRAM"), ("robot maintenance", "program:IRAM")])
def test_search_zh_and_en(client: TestClient, q: str, expected: str) -> None:
    hits = client.get("/search", params={"q": q, "label": "Program"}).json()
    assert hits[0]["node"]["id"] == expected


def test_search_within_a_class(client: TestClient) -> None:
    hits = client.get("/entities/Employer/search", params={"q": "机器人系统"}).json()
    assert hits[0]["node"]["id"] == "emp:SZ-HENGTUO"
    assert all(h["node"]["label"] == "Employer" for h in hits)


def test_neighbourhood(client: TestClient) -> None:
    body = client.get("/neighbourhood/program:IRAM", params={"limit": 500}).json()
    ids = {n["id"] for n in body["nodes"]}
    assert body["nodes"][0]["id"] == "program:IRAM"
    assert {"csco:6-31-07-03", "csco:6-31-07-01"} <= ids
    assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    assert any(e["type"] == "TARGETS" for e in body["edges"])


class TestProblems:
    """Errors are RFC 9457 problem details with one shape."""

    def test_unknown_id_is_404_naming_it(self, client: TestClient) -> None:
        response = client.get("/entities/Program/program:NOPE")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "type": "about:blank",
            "title": "Not found",
            "status": 404,
            "detail": "no Program 'program:NOPE' in the graph",
            "instance": "/entities/Program/program:NOPE",
        }

    def test_unknown_class_is_422_listing_the_classes(self, client: TestClient) -> None:
        body = client.get("/entities/Lecture").json()
        assert body["status"] == 422
        assert "Course" in body["detail"] and body["problems"][0]["location"] == "path.label"

    @pytest.mark.parametrize(("params", "field"), [({"limit": 0}, "query.limit"), ({"offset": -1}, "query.offset")])
    def test_bad_paging_is_422_naming_the_field(self, client: TestClient, params: dict, field: str) -> None:
        body = client.get("/entities/Course", params=params).json()
        assert body["status"] == 422
        assert body["problems"][0]["location"] == field

    def test_depth_out_of_range(self, client: TestClient) -> None:
        body = client.get("/neighbourhood/program:IRAM", params={"depth": 9}).json()
        assert body["status"] == 422 and "less than or equal to 3" in body["detail"]

    def test_unknown_route(self, client: TestClient) -> None:
        body = client.get("/no/such/thing").json()
        assert body["status"] == 404 and body["title"] == "Not found"


def test_dependencies_run_on_the_event_loop(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain ``def`` dependency costs every request a trip to the thread pool and back (≈ 0.1 ms each, a
    quarter of what the API added to a demo coverage); only the routes, which wait on the store, go there."""
    import fastapi.dependencies.utils

    sent = []
    to_pool = fastapi.dependencies.utils.run_in_threadpool

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(func, "__qualname__", repr(func)))
        return await to_pool(func, *args, **kwargs)

    monkeypatch.setattr(fastapi.dependencies.utils, "run_in_threadpool", counted)
    coverage = "/programs/program:IRAM/coverage?occupation=csco:6-31-07-03"
    for path in ["/health", "/stats", "/entities/Program", coverage]:
        assert client.get(path).status_code == 200, path
    assert client.get("/loads").status_code == 401  # the writers' key check ran, and answered
    assert sent == []
