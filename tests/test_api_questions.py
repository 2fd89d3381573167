"""The question endpoints over the demo, on both stores: each answer is the engine's, pages and downloads of it.

HTTP adds nothing and loses nothing: every body equals ``service.questions.<q>(...).as_dict()`` for the
same arguments, once the paged lists are put back together.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote

import pytest
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api import question_models, routes
from api.app import create_app
from api.responses import AnswerResponse
from graph.embedded import EmbeddedStore
from graph.questions import Questions
from graph.questions.coverage import WEIGHTS
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from ontology.schema import Schema
from tests.test_store_contract import snapshot

IRAM, OPERATOR = "program:IRAM", "csco:6-31-07-03"  # the demo program and the occupation it targets
NEW_COURSE = {"name": "机器视觉应用", "develops": [{"competency": "comp:P-15", "level": 3}], "hours": 64}
PROFILE = {"comp:P-01": 3, "comp:P-35": 3, "comp:Q-01": 3, "comp:P-02": 3, "comp:P-33": 3, "comp:M-02": None}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client(demo: Chanjiao) -> TestClient:
    return TestClient(create_app(service=demo))


@pytest.fixture
def bare(tmp_path: Path, schema: Schema) -> Iterator[TestClient]:
    """A client over an empty embedded store, for requests refused before any question is asked."""
    store = EmbeddedStore(tmp_path / "empty.db", schema)
    yield TestClient(create_app(service=Chanjiao(store)))
    store.close()


def unpage(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``body`` with each paged list (``{data, count, offset, limit}``) back as the plain list, checked whole."""
    for key in keys:
        page = body[key]
        assert set(page) == {"data", "count", "offset", "limit"}
        assert page["offset"] == 0 and len(page["data"]) == page["count"], "the test asks for whole lists"
        body[key] = page["data"]
    return body


# (name, method, url, query or JSON body, the same question asked of the engine, paged lists)
Case = tuple[str, str, str, dict[str, Any], Callable[[Questions], Any], tuple[str, ...]]
CASES: list[Case] = [
    (
        "coverage",
        "GET",
        f"/programs/{IRAM}/coverage",
        {"occupation": OPERATOR, "level": 3},
        lambda q: q.coverage(IRAM, OPERATOR, 3),
        (),
    ),
    (
        "coverage-options",
        "GET",
        f"/programs/{IRAM}/coverage",
        {"occupation": OPERATOR, "level": 4, "include_optional": "true", "close_match": "true", "weight": "demand"},
        lambda q: q.coverage(IRAM, OPERATOR, 4, include_optional=True, close_match=True, weight="demand"),
        (),
    ),
    (
        "coverage-targeted-level",
        "GET",
        f"/programs/{IRAM}/coverage",
        {"occupation": OPERATOR},
        lambda q: q.coverage(IRAM, OPERATOR),
        (),
    ),
    (
        "gaps",
        "GET",
        f"/programs/{IRAM}/gaps",
        {"occupation": OPERATOR, "level": 3, "limit": 500},
        lambda q: q.gaps(IRAM, OPERATOR, 3),
        ("gaps",),
    ),
    (
        "gaps-close-match",
        "GET",
        f"/programs/{IRAM}/gaps",
        {"occupation": OPERATOR, "close_match": "true", "limit": 500},
        lambda q: q.gaps(IRAM, OPERATOR, close_match=True),
        ("gaps",),
    ),
    (
        "map",
        "GET",
        f"/programs/{IRAM}/map",
        {"occupation": OPERATOR, "level": 3},
        lambda q: q.curriculum_map(IRAM, OPERATOR, 3),
        (),
    ),
    ("map-alone", "GET", f"/programs/{IRAM}/map", {}, lambda q: q.curriculum_map(IRAM), ()),
    ("orphans", "GET", f"/programs/{IRAM}/orphans", {}, lambda q: q.orphans(IRAM), ()),
    (
        "orphans-one-occupation",
        "GET",
        f"/programs/{IRAM}/orphans",
        {"occupation": OPERATOR, "level": 3, "threshold": 2},
        lambda q: q.orphans(IRAM, OPERATOR, 3, threshold=2),
        (),
    ),
    (
        "whatif",
        "POST",
        f"/programs/{IRAM}/whatif",
        {
            "occupation": OPERATOR,
            "level": 3,
            "add_courses": ["course:EA-201"],
            "remove_courses": ["course:IR-206"],
            "new_courses": [NEW_COURSE],
            "weight": "importance",
        },
        lambda q: q.whatif(
            IRAM,
            OPERATOR,
            3,
            add_courses=["course:EA-201"],
            remove_courses=["course:IR-206"],
            new_courses=[NEW_COURSE],
            weight="importance",
        ),
        (),
    ),
    (
        "demand-region",
        "GET",
        "/demand",
        {"region": "region:320500", "limit": 500},
        lambda q: q.demand("region:320500"),
        ("occupations", "competencies"),
    ),
    (
        "demand-everywhere",
        "GET",
        "/demand",
        {"industry": "ind:C34", "year": 2026, "level": 3, "local_programs": "false", "limit": 500},
        lambda q: q.demand(None, "ind:C34", 2026, level=3, local_programs=False),
        ("occupations", "competencies"),
    ),
    (
        "match-occupations",
        "GET",
        f"/programs/{IRAM}/occupations",
        {"level": 3, "limit": 500},
        lambda q: q.match_occupations(IRAM, 3),
        ("entries",),
    ),
    (
        "match-programs",
        "GET",
        f"/occupations/{OPERATOR}/programs",
        {"level": 2, "close_match": "true", "limit": 500},
        lambda q: q.match_programs(OPERATOR, 2, close_match=True),
        ("entries",),
    ),
    (
        "match-employer",
        "GET",
        "/employers/emp:WX-LANXIN/programs",
        {"limit": 500},
        lambda q: q.match_programs_for_employer("emp:WX-LANXIN"),
        ("entries",),
    ),
    ("delivery", "GET", f"/programs/{IRAM}/delivery", {}, lambda q: q.delivery(IRAM), ()),
    ("summary", "GET", f"/programs/{IRAM}/summary", {}, lambda q: q.summary(IRAM), ()),
    (
        "delivery-typed",
        "GET",
        f"/programs/{IRAM}/delivery",
        {"resource_type": "micro_video"},
        lambda q: q.delivery(IRAM, "micro_video"),
        (),
    ),
    (
        "learning-path",
        "POST",
        "/learning-path",
        {"profile": PROFILE, "occupation": OPERATOR, "level": 3},
        lambda q: q.learning_path(PROFILE, OPERATOR, 3),
        (),
    ),
    (
        "learning-path-in-program",
        "POST",
        "/learning-path",
        {"profile": {"comp:P-01": 3}, "occupation": OPERATOR, "level": 3, "program": IRAM, "close_match": True},
        lambda q: q.learning_path({"comp:P-01": 3}, OPERATOR, 3, IRAM, close_match=True),
        (),
    ),
]


def ask(client: TestClient, method: str, url: str, args: dict[str, Any]) -> Any:
    response = client.get(url, params=args) if method == "GET" else client.post(url, json=args)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


@pytest.mark.parametrize(
    ("method", "url", "args", "question", "paged"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_answer_is_the_engines(
    client: TestClient,
    demo: Chanjiao,
    method: str,
    url: str,
    args: dict[str, Any],
    question: Callable[[Questions], Any],
    paged: tuple[str, ...],
) -> None:
    assert unpage(ask(client, method, url, args), *paged) == question(demo.questions).as_dict()


@pytest.mark.parametrize("question", [c[4] for c in CASES], ids=[c[0] for c in CASES])
def test_answers_are_written_byte_for_byte_as_json_would_write_their_dicts(
    demo: Chanjiao, question: Callable[[Questions], Any]
) -> None:
    # api.responses writes the dataclasses with orjson; clients must see what as_dict + json.dumps gave.
    answer = question(demo.questions)
    assert AnswerResponse(answer).body == JSONResponse(answer.as_dict()).body


CO_CASES = [
    ("GET", f"/programs/{IRAM}/assessed-coverage", {"occupation": OPERATOR, "level": 3}),
    ("GET", f"/programs/{IRAM}/outcome-gaps", {"occupation": OPERATOR, "cohort": "cohort:IRAM-2025"}),
    ("GET", f"/programs/{IRAM}/research-uptake", {"on": "2026-06-01"}),
]


@pytest.mark.parametrize(
    ("method", "url", "args"),
    [c[1:4] for c in CASES] + CO_CASES,
    ids=[c[0] for c in CASES] + ["assessed-coverage", "outcome-gaps", "research-uptake"],
)
def test_every_answer_is_what_its_response_model_documents(
    client: TestClient, method: str, url: str, args: dict[str, Any]
) -> None:
    # The routes send the engine's dict as it is (no re-validation), so this is where drift between the
    # engine's answers and the documented models is caught: nothing missing, nothing extra, same values.
    body = ask(client, method, url, args)
    path = url.split("?")[0]
    (model,) = [
        r.response_model
        for r in [*routes.questions.router.routes, *routes.co.router.routes]
        if isinstance(r, APIRoute) and method in r.methods and r.path_regex.match(path)
    ]
    assert model.model_validate(body).model_dump(mode="json") == body


class TestDemoFacts:
    def test_coverage_of_iram_at_level_3(self, client: TestClient) -> None:
        body = client.get(f"/programs/{IRAM}/coverage", params={"occupation": OPERATOR, "level": 3}).json()
        overall = body["overall"]
        assert (overall["total"], overall["covered"], overall["under_level"], overall["missing"]) == (34, 23, 5, 6)
        assert list(body["by_dimension"]) == ["professional", "methodological", "social", "quality"]
        missing = [c["competency"] for c in body["competencies"] if c["status"] == "missing"]
        assert missing == ["comp:P-13", "comp:P-14", "comp:P-15", "comp:P-20", "comp:S-03", "comp:Q-05"]

    def test_level_omitted_is_the_targeted_level(self, client: TestClient) -> None:
        assert client.get(f"/programs/{IRAM}/coverage", params={"occupation": OPERATOR}).json()["level"] == 3

    def test_top_gap_and_its_candidates(self, client: TestClient) -> None:
        body = client.get(f"/programs/{IRAM}/gaps", params={"occupation": OPERATOR, "level": 3}).json()
        gaps = body["gaps"]["data"]
        assert body["gaps"]["count"] == 11
        assert [g["competency"] for g in gaps[:3]] == ["comp:P-15", "comp:M-03", "comp:P-07"]
        assert gaps[0]["name_zh"] == "视觉系统配置与标定" and gaps[0]["status"] == "missing"
        p14 = next(g for g in gaps if g["competency"] == "comp:P-14")
        assert [(c["course"], c["programs"]) for c in p14["candidates"]] == [("course:EA-201", ["program:EAEM"])]

    def test_orphan_course(self, client: TestClient) -> None:
        body = client.get(f"/programs/{IRAM}/orphans", params={"occupation": OPERATOR, "level": 3}).json()
        assert [c["course"] for c in body["orphan_courses"]] == ["course:IR-206"]
        assert body["orphan_courses"][0]["develops"] == ["comp:P-32"]

    def test_demand_ranks_occupations_by_unmet_headcount(self, client: TestClient) -> None:
        body = client.get("/demand", params={"region": "region:320500"}).json()
        occupations = body["occupations"]["data"]
        assert [(o["occupation"], o["headcount"]) for o in occupations] == [(OPERATOR, 22), ("csco:6-31-07-01", 10)]
        weights = [c["weight"] for c in body["competencies"]["data"]]
        assert weights == sorted(weights, reverse=True)

    def test_matching(self, client: TestClient) -> None:
        employer = client.get("/employers/emp:WX-LANXIN/programs").json()
        assert [e["id"] for e in employer["entries"]["data"]] == ["program:EAEM", "program:IRAM"]
        assert employer["entries"]["data"][0]["occupations"][0]["occupation"] == "csco:6-31-01-03"
        programs = client.get("/occupations/csco:6-31-01-03/programs", params={"level": 2}).json()
        assert [e["id"] for e in programs["entries"]["data"]] == ["program:EAEM", "program:IRAM"]

    def test_delivery_and_learning_path(self, client: TestClient) -> None:
        delivery = client.get(f"/programs/{IRAM}/delivery").json()
        assert "course:IR-306" in delivery["without_dual_qualified_teacher"]
        path = client.post("/learning-path", json={"profile": PROFILE, "occupation": OPERATOR, "level": 3}).json()
        assert [(s["course"], s["reason"]) for s in path["steps"]][-1] == ("course:IR-306", "gap")


class TestPages:
    def test_gap_pages_make_up_the_ranked_list(self, client: TestClient) -> None:
        url, args = f"/programs/{IRAM}/gaps", {"occupation": OPERATOR, "level": 3}
        whole = client.get(url, params={**args, "limit": 500}).json()["gaps"]["data"]
        pages = [client.get(url, params={**args, "offset": o, "limit": 4}).json()["gaps"] for o in (0, 4, 8, 12)]
        assert [len(p["data"]) for p in pages] == [4, 4, 3, 0]
        assert all(p["count"] == 11 and p["limit"] == 4 for p in pages)
        assert [g for p in pages for g in p["data"]] == whole
        assert [g["rank"] for g in whole] == list(range(1, 12))

    def test_ranking_pages_keep_their_ranks(self, client: TestClient) -> None:
        page = client.get(f"/programs/{IRAM}/occupations", params={"level": 3, "offset": 1, "limit": 1}).json()
        assert page["entries"]["count"] == 3 and page["entries"]["offset"] == 1
        assert [(e["rank"], e["id"]) for e in page["entries"]["data"]] == [(2, "csco:6-31-01-03")]

    def test_demand_pages_both_ranked_lists(self, client: TestClient) -> None:
        body = client.get("/demand", params={"region": "region:320500", "offset": 1, "limit": 1}).json()
        assert [o["occupation"] for o in body["occupations"]["data"]] == ["csco:6-31-07-01"]
        assert body["competencies"]["count"] > 2 and len(body["competencies"]["data"]) == 1
        # Competencies rank by demand weight, met or not: P-14 (covered by program:EAEM) is second.
        assert body["competencies"]["data"][0]["competency"] == "comp:P-14"

    def test_the_same_question_twice_gives_the_same_order(self, client: TestClient) -> None:
        url = "/demand"
        assert client.get(url).json() == client.get(url).json()


def rows_of_csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def utf8_name(disposition: str) -> str:
    assert disposition.startswith(("attachment;", "inline;"))
    return unquote(disposition.split("filename*=UTF-8''")[1])


class TestExports:
    def test_coverage_as_csv(self, client: TestClient) -> None:
        response = client.get(
            f"/programs/{IRAM}/coverage", params={"occupation": OPERATOR, "level": 3, "format": "csv"}
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert utf8_name(response.headers["content-disposition"]) == "课程覆盖_program_IRAM_csco_6-31-07-03_3级.csv"
        assert 'filename="coverage_program_IRAM_csco_6-31-07-03_L3.csv"' in response.headers["content-disposition"]
        header, *rows = rows_of_csv(response.content)
        assert header[:6] == ["能力编号", "能力名称", "维度", "要求等级", "培养等级", "状态"]
        assert header[-1] == "英文名称"
        assert len(rows) == 34
        p15 = next(r for r in rows if r[0] == "comp:P-15")
        assert p15[1:7] == ["视觉系统配置与标定", "专业能力", "3", "", "缺失", "是"]
        assert p15[-1] == "Machine vision configuration and calibration"
        assert sum(r[5] == "已覆盖" for r in rows) == 23

    def test_coverage_as_xlsx_has_totals_and_tasks(self, client: TestClient) -> None:
        response = client.get(
            f"/programs/{IRAM}/coverage", params={"occupation": OPERATOR, "level": 3, "format": "xlsx"}
        )
        assert response.headers["content-type"] == XLSX
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["能力覆盖", "汇总", "典型工作任务"]
        totals = list(book["汇总"].iter_rows(values_only=True))
        assert totals[1] == ("整体", 34, 23, 5, 6, 67.6)
        assert [r[0] for r in totals[1:]] == ["整体", "专业能力", "方法能力", "社会能力", "职业素养/思政素养"]
        assert book["典型工作任务"].cell(2, 1).value == "task:IRO-01"

    def test_gaps_by_accept_header_hold_every_gap(self, client: TestClient) -> None:
        response = client.get(
            f"/programs/{IRAM}/gaps", params={"occupation": OPERATOR, "level": 3, "limit": 2}, headers={"Accept": XLSX}
        )
        assert response.headers["content-type"] == XLSX
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["能力差距", "候选课程"]
        rows = list(book["能力差距"].iter_rows(values_only=True))
        assert rows[0][:3] == ("排名", "能力编号", "能力名称")
        assert len(rows) == 1 + 11, "a download holds the whole ranked list, not one page"
        assert rows[1][:3] == (1, "comp:P-15", "视觉系统配置与标定")
        candidates = list(book["候选课程"].iter_rows(values_only=True))
        assert ("comp:P-14", "course:EA-201") in {r[:2] for r in candidates}

    def test_csv_by_accept_header(self, client: TestClient) -> None:
        response = client.get(f"/programs/{IRAM}/orphans", headers={"Accept": "text/csv"})
        header, *rows = rows_of_csv(response.content)
        assert header == ["类别", "编号", "名称", "职业", "相关", "英文名称"]
        assert rows[0][:3] == ["孤立课程", "course:IR-206", "3D打印技术"]
        assert {r[0] for r in rows} == {"孤立课程", "重复培养能力", "无学习任务的典型工作任务"}

    def test_map_as_csv_matrix(self, client: TestClient, demo: Chanjiao) -> None:
        response = client.get(f"/programs/{IRAM}/map", params={"occupation": OPERATOR, "level": 3, "format": "csv"})
        header, *rows = rows_of_csv(response.content)
        m = demo.questions.curriculum_map(IRAM, OPERATOR, 3)
        assert header[:4] == ["课程编号", "课程名称", "英文名称", "学期"]
        assert header[4:] == [f"{c.competency} {c.name_zh or ''}".strip() for c in m.columns]
        assert [r[0] for r in rows] == [r.course for r in m.rows]
        ge101 = dict(zip(header, rows[0], strict=True))
        q07 = next(c.name_zh for c in m.columns if c.competency == "comp:Q-07")
        assert ge101["课程名称"] == "思想政治" and ge101[f"comp:Q-07 {q07}"] == "✓"  # level-agnostic
        grid = m.grid()
        assert [r[4:] for r in rows] == [["" if v is None else str(v) for v in line] for line in grid]

    def test_map_as_xlsx(self, client: TestClient, demo: Chanjiao) -> None:
        response = client.get(f"/programs/{IRAM}/map", params={"occupation": OPERATOR, "format": "xlsx"})
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["课程×能力", "能力", "课程", "课程×任务"]
        m = demo.questions.curriculum_map(IRAM, OPERATOR)
        matrix = list(book["课程×能力"].iter_rows(values_only=True))
        assert [r[0] for r in matrix[1:]] == [r.course for r in m.rows]
        tasks = list(book["课程×任务"].iter_rows(values_only=True))
        cell = m.task_cells[0]
        row = dict(zip(tasks[0], next(r for r in tasks if r[0] == cell.course), strict=True))
        column = next(f"{t.task} {t.name_zh}" for t in m.task_columns if t.task == cell.task)
        assert row[column] == "; ".join(cell.learning_tasks)

    def test_demand_and_delivery_downloads(self, client: TestClient, demo: Chanjiao) -> None:
        demand = client.get("/demand", params={"region": "region:320500", "format": "csv"})
        assert utf8_name(demand.headers["content-disposition"]) == "需求对接_region_320500.csv"
        header, *rows = rows_of_csv(demand.content)
        assert header[:5] == ["排名", "职业编号", "职业名称", "等级", "需求人数"]
        answer = demo.questions.demand("region:320500")
        assert [r[1:5] for r in rows] == [
            [o.occupation, o.name_zh, str(o.level), str(o.headcount)] for o in answer.occupations
        ]
        assert [(r[1], r[4]) for r in rows] == [(OPERATOR, "22"), ("csco:6-31-07-01", "10")]
        delivery = client.get(f"/programs/{IRAM}/delivery", params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(delivery.content))["教学条件"]
        rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert len(rows) == len(demo.questions.delivery(IRAM).items)
        assert rows["course:IR-306"][8] == "教学资源; 实训基地; 双师型教师"
        assert rows["lt:IR-301-1"][0] == "学习任务"

    def test_no_download_where_none_is_offered(self, client: TestClient) -> None:
        body = client.get(f"/programs/{IRAM}/gaps", params={"occupation": OPERATOR, "format": "png"}).json()
        assert body["status"] == 422 and body["problems"][0]["location"] == "query.format"
        # An Accept header the route cannot answer falls back to JSON.
        response = client.get(f"/programs/{IRAM}/delivery", headers={"Accept": "image/png"})
        assert response.headers["content-type"] == "application/json"

    @pytest.mark.parametrize("fmt", ["png", "svg"])
    def test_pictures(self, client: TestClient, fmt: str) -> None:
        pytest.importorskip("api.pictures")
        for path, params in (
            (f"/programs/{IRAM}/map", {"occupation": OPERATOR}),
            (f"/programs/{IRAM}/coverage", {"occupation": OPERATOR}),
        ):
            response = client.get(path, params={**params, "format": fmt})
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith(f"image/{fmt}")
            assert response.headers["content-disposition"].startswith("inline;")
            assert response.content.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in response.content[:2000]


def test_whatif_writes_nothing(client: TestClient, demo: Chanjiao) -> None:
    before, stats = snapshot(demo.store), demo.stats()
    body = client.post(
        f"/programs/{IRAM}/whatif",
        json={"occupation": OPERATOR, "add_courses": ["course:EA-201"], "new_courses": [NEW_COURSE]},
    ).json()
    assert body["delta"]["missing"] == -3
    assert [c["competency"] for c in body["changes"]] == ["comp:P-13", "comp:P-14", "comp:P-15"]
    assert body["new_courses"][0]["id"] == "new:1" and "new:1" in body["after"]["courses"]
    assert demo.stats() == stats
    assert snapshot(demo.store) == before


class TestIdsInPaths:
    ESCO: ClassVar[list[str]] = [
        "esco:occupation/5001506f-dd7d-4801-92ac-6f7e93b45133",
        "http://data.europa.eu/esco/occupation/7833d5cd-873d-4fdd-b2f8-9762d68494a7",
    ]

    @pytest.fixture
    def esco(self, demo: Chanjiao) -> Chanjiao:
        nodes = [NodeRecord("Occupation", i, {"name_en": f"ESCO occupation {n}"}) for n, i in enumerate(self.ESCO)]
        edges = [EdgeRecord("REQUIRES", i, c, {"level": 3}) for i in self.ESCO for c in ("comp:P-01", "comp:P-15")]
        demo.upsert(nodes, edges, source="test")
        return demo

    @pytest.mark.parametrize("occupation", ESCO)
    @pytest.mark.parametrize("encoded", [False, True], ids=["raw", "percent-encoded"])
    def test_esco_ids_with_slashes(self, client: TestClient, esco: Chanjiao, occupation: str, encoded: bool) -> None:
        in_path = quote(occupation, safe="") if encoded else occupation
        body = client.get(f"/occupations/{in_path}/programs", params={"level": 3}).json()
        assert body["subject"] == occupation
        assert unpage(body, "entries") == esco.questions.match_programs(occupation, 3).as_dict()
        assert [e["id"] for e in body["entries"]] == ["program:IRAM"]
        coverage = client.get(f"/programs/{IRAM}/coverage", params={"occupation": occupation, "level": 3}).json()
        assert [(c["competency"], c["status"]) for c in coverage["competencies"]] == [
            ("comp:P-01", "covered"),
            ("comp:P-15", "missing"),
        ]

    def test_percent_encoded_program(self, client: TestClient) -> None:
        encoded = client.get(f"/programs/{quote(IRAM, safe='')}/coverage", params={"occupation": OPERATOR}).json()
        assert encoded == client.get(f"/programs/{IRAM}/coverage", params={"occupation": OPERATOR}).json()

    def test_an_unknown_id_with_slashes_is_named(self, client: TestClient) -> None:
        response = client.get("/occupations/esco:occupation/no-such/programs", params={"level": 3})
        assert response.status_code == 404
        assert "'esco:occupation/no-such'" in response.json()["detail"]


class TestProblems:
    @pytest.mark.parametrize(
        ("method", "url", "args"),
        [
            ("GET", "/programs/program:NOPE/coverage", {"occupation": OPERATOR}),
            ("GET", "/programs/program:NOPE/gaps", {"occupation": OPERATOR}),
            ("GET", "/programs/program:NOPE/map", {}),
            ("GET", "/programs/program:NOPE/orphans", {}),
            ("POST", "/programs/program:NOPE/whatif", {"occupation": OPERATOR}),
            ("GET", "/programs/program:NOPE/occupations", {"level": 3}),
            ("GET", "/programs/program:NOPE/delivery", {}),
        ],
    )
    def test_unknown_program_is_404_naming_it(self, client: TestClient, method: str, url: str, args: dict) -> None:
        response = client.get(url, params=args) if method == "GET" else client.post(url, json=args)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "type": "about:blank",
            "title": "Not found",
            "status": 404,
            "detail": "no Program 'program:NOPE' in the graph",
            "instance": url,
        }

    def test_an_id_of_another_class_is_404_saying_so(self, client: TestClient) -> None:
        body = client.get("/programs/course:IR-101/coverage", params={"occupation": OPERATOR}).json()
        assert body["status"] == 404 and body["detail"] == "no Program 'course:IR-101' (it is a Course) in the graph"

    @pytest.mark.parametrize("level", [0, 6, 7])
    def test_level_out_of_range_is_422_stating_the_range(self, bare: TestClient, level: int) -> None:
        response = bare.get(f"/programs/{IRAM}/coverage", params={"occupation": OPERATOR, "level": level})
        assert response.status_code == 422
        body = response.json()
        assert "from 1 to 5" in body["detail"] and f"not {level}" in body["detail"]
        assert body["problems"][0]["location"] == "query.level"

    @pytest.mark.parametrize(
        ("url", "args", "where"),
        [
            (f"/programs/{IRAM}/whatif", {"occupation": OPERATOR, "level": 9}, "body.level"),
            ("/learning-path", {"profile": {}, "occupation": OPERATOR, "level": 9}, "body.level"),
            (
                "/learning-path",
                {"profile": {"comp:P-01": 8}, "occupation": OPERATOR, "level": 3},
                "body.profile.comp:P-01",
            ),
            (
                f"/programs/{IRAM}/whatif",
                {
                    "occupation": OPERATOR,
                    "new_courses": [{"name": "x", "develops": [{"competency": "comp:P-01", "level": 6}]}],
                },
                "body.new_courses.0.develops.0.level",
            ),
        ],
    )
    def test_levels_in_bodies(self, bare: TestClient, url: str, args: dict, where: str) -> None:
        body = bare.post(url, json=args).json()
        assert body["status"] == 422 and "from 1 to 5" in body["detail"]
        assert body["problems"][0]["location"] == where

    def test_a_level_the_engine_cannot_infer_is_422(self, client: TestClient) -> None:
        body = client.get(f"/programs/{IRAM}/coverage", params={"occupation": "csco:6-31-07-00"}).json()
        assert body["status"] == 422 and body["title"] == "Invalid input"
        assert body["detail"].startswith("give a level from 1 to 5")

    def test_a_level_is_needed_to_match(self, bare: TestClient) -> None:
        body = bare.get(f"/programs/{IRAM}/occupations").json()
        assert body["status"] == 422 and body["problems"][0]["location"] == "query.level"

    def test_engine_invalid_input_is_422(self, client: TestClient) -> None:
        body = client.post(
            f"/programs/{IRAM}/whatif", json={"occupation": OPERATOR, "add_courses": ["course:IR-301"]}
        ).json()
        assert body["status"] == 422 and body["title"] == "Invalid input"
        assert body["detail"] == "'course:IR-301' already in 'program:IRAM': nothing to add"

    def test_unknown_profile_competency_is_404(self, client: TestClient) -> None:
        body = client.post(
            "/learning-path", json={"profile": {"comp:NOPE": 2}, "occupation": OPERATOR, "level": 3}
        ).json()
        assert body["status"] == 404 and "'comp:NOPE'" in body["detail"]

    def test_enums_come_from_the_ontology_and_engine(self, bare: TestClient, schema: Schema) -> None:
        body = bare.get(f"/programs/{IRAM}/delivery", params={"resource_type": "video"}).json()
        assert body["status"] == 422
        for notation in schema.enumeration("ResourceTypeScheme").notations:
            assert f"'{notation}'" in body["detail"]
        body = bare.get(f"/programs/{IRAM}/coverage", params={"occupation": OPERATOR, "weight": "money"}).json()
        assert body["status"] == 422 and all(f"'{w}'" in body["detail"] for w in WEIGHTS)

    def test_unknown_fields_in_a_body_are_refused(self, bare: TestClient) -> None:
        body = bare.post(f"/programs/{IRAM}/whatif", json={"occupation": OPERATOR, "add": ["course:EA-201"]}).json()
        assert body["status"] == 422 and body["problems"][0]["location"] == "body.add"

    def test_threshold_below_two(self, bare: TestClient) -> None:
        body = bare.get(f"/programs/{IRAM}/orphans", params={"threshold": 1}).json()
        assert body["status"] == 422 and body["problems"][0]["location"] == "query.threshold"


QUESTION_ROUTES = [
    ("get", "/programs/{program_id}/coverage"),
    ("get", "/programs/{program_id}/gaps"),
    ("get", "/programs/{program_id}/map"),
    ("get", "/programs/{program_id}/orphans"),
    ("post", "/programs/{program_id}/whatif"),
    ("get", "/demand"),
    ("get", "/programs/{program_id}/occupations"),
    ("get", "/occupations/{occupation_id}/programs"),
    ("get", "/employers/{employer_id}/programs"),
    ("get", "/programs/{program_id}/delivery"),
    ("post", "/learning-path"),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app().openapi()


class TestOpenAPI:
    @staticmethod
    def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    @pytest.mark.parametrize(("method", "path"), QUESTION_ROUTES)
    def test_each_question_route_has_a_summary_and_examples(self, spec: dict, method: str, path: str) -> None:
        operation = spec["paths"][path][method]
        assert operation["summary"] and operation["description"]
        answer = self.resolve(spec, operation["responses"]["200"]["content"]["application/json"]["schema"])
        assert answer["examples"], f"{path}: no example answer"
        if method == "post":
            request = self.resolve(spec, operation["requestBody"]["content"]["application/json"]["schema"])
            assert request["examples"], f"{path}: no example request"
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"]["examples"], f"{path}: no example id"

    def test_levels_and_enums_in_the_schema(self, spec: dict, schema: Schema) -> None:
        parameters = {p["name"]: p for p in spec["paths"]["/programs/{program_id}/coverage"]["get"]["parameters"]}
        level = parameters["level"]["schema"]["anyOf"][0]
        assert (level["minimum"], level["maximum"]) == (1, 5)
        assert "1–5" in parameters["level"]["description"]
        weight = self.resolve(spec, parameters["weight"]["schema"]["anyOf"][0])
        assert weight["enum"] == list(WEIGHTS)
        delivery = {p["name"]: p for p in spec["paths"]["/programs/{program_id}/delivery"]["get"]["parameters"]}
        resource = self.resolve(spec, delivery["resource_type"]["schema"]["anyOf"][0])
        assert resource["enum"] == list(schema.enumeration("ResourceTypeScheme").notations)
        formats = self.resolve(spec, parameters["format"]["schema"]["anyOf"][0])
        assert formats["enum"] == ["json", "csv", "xlsx", "png", "svg"]
        assert set(spec["paths"]["/programs/{program_id}/coverage"]["get"]["responses"]["200"]["content"]) >= {
            "application/json",
            "text/csv",
            XLSX,
            "image/png",
            "image/svg+xml",
        }

    @pytest.mark.parametrize(
        "model",
        [
            question_models.Coverage,
            question_models.Gaps,
            question_models.CurriculumMap,
            question_models.Orphans,
            question_models.WhatIfRequest,
            question_models.WhatIf,
            question_models.DemandAlignment,
            question_models.Ranking,
            question_models.Delivery,
            question_models.LearningPathRequest,
            question_models.LearningPath,
        ],
    )
    def test_examples_are_valid(self, model: type) -> None:
        for example in model.model_config["json_schema_extra"]["examples"]:
            model.model_validate(example)
