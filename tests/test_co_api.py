"""The co-evaluation faces: HTTP (``api/routes/co.py``) on both stores and the ``chanjiao co`` commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from graph.embedded import EmbeddedStore
from graph.service import Chanjiao
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema

OPERATOR = {"occupation": "csco:6-31-07-03"}


@pytest.fixture
def client(demo: Chanjiao) -> TestClient:
    return TestClient(create_app(service=demo))


class TestHttp:
    def test_assessed_coverage_is_the_engines_answer(self, client: TestClient, demo: Chanjiao) -> None:
        response = client.get("/programs/program:IRAM/assessed-coverage", params={**OPERATOR, "level": 3})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body == demo.questions.assessed_coverage("program:IRAM", "csco:6-31-07-03", 3).as_dict()
        assert body["overall"]["assessed"] == 11

    def test_outcome_gaps_with_a_cohort_and_threshold(self, client: TestClient) -> None:
        params = {**OPERATOR, "cohort": "cohort:IRAM-2025", "threshold": 70}
        body = client.get("/programs/" + quote("program:IRAM", safe="") + "/outcome-gaps", params=params).json()
        assert body["threshold"] == 70.0
        assert [(g["competency"], g["status"], g["shortfall"]) for g in body["gaps"]] == [
            ("comp:P-16", "below_level", 70.0),
            ("comp:P-11", "short", 2.0),
        ]

    def test_research_uptake_on_a_day(self, client: TestClient) -> None:
        body = client.get("/programs/program:IRAM/research-uptake", params={"on": "2026-06-01"}).json()
        assert body["on"] == "2026-06-01" and body["coverable"] == ["comp:P-15"]
        assert body["occupations"] == {"csco:6-31-01-03": 2, "csco:6-31-07-01": 3, "csco:6-31-07-03": 3}
        assert body["projects"][0]["courses"][0]["learning_tasks"] == ["lt:IR-305-3"]

    @pytest.mark.parametrize(
        ("path", "params", "status", "detail"),
        [
            ("/programs/program:NOPE/assessed-coverage", OPERATOR, 404, "no Program 'program:NOPE' in the graph"),
            ("/programs/program:IRAM/assessed-coverage", {**OPERATOR, "level": 9}, 422, "query.level: level must be"),
            ("/programs/program:IRAM/outcome-gaps", {**OPERATOR, "threshold": 101}, 422, "query.threshold"),
            ("/programs/program:IRAM/outcome-gaps", {**OPERATOR, "cohort": "course:IR-301"}, 404, "no Cohort"),
            (
                "/programs/program:EAEM/outcome-gaps",
                {**OPERATOR, "level": 3, "cohort": "cohort:IRAM-2024"},
                422,
                "not a",
            ),
            ("/programs/program:IRAM/research-uptake", {"on": "2026-02-30"}, 422, "query.on"),
        ],
    )
    def test_errors_are_problem_details(
        self, client: TestClient, path: str, params: dict, status: int, detail: str
    ) -> None:
        response = client.get(path, params=params)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status and detail in body["detail"] and body["instance"] == path

    def test_assessed_coverage_as_csv_and_xlsx(self, client: TestClient, demo: Chanjiao) -> None:
        answer = demo.questions.assessed_coverage("program:IRAM", "csco:6-31-07-03", 3)
        params = {**OPERATOR, "level": 3}
        response = client.get("/programs/program:IRAM/assessed-coverage", params={**params, "format": "csv"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert "assessed-coverage_program_IRAM_csco_6-31-07-03_L3.csv" in response.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:5] == ["能力编号", "能力名称", "维度", "考核状态", "培养状态"]
        assert [r[0] for r in rows[1:]] == [c.competency for c in answer.competencies]
        statuses = [r[3] for r in rows[1:]]
        assert statuses.count("校企共评") == 11 and statuses.count("仅学校评价") == 7
        assert statuses.count("未考核") == 10 and statuses.count("缺失") == 6
        p04 = next(r for r in rows[1:] if r[0] == "comp:P-04")
        assert p04[7] == "企业评价" and p04[8] == "assess:IR-303-E"  # who judges it, and what counts

        book = client.get("/programs/program:IRAM/assessed-coverage", params={**params, "format": "xlsx"})
        sheets = load_workbook(io.BytesIO(book.content))
        assert sheets.sheetnames == ["考核覆盖", "汇总", "考核明细"]
        overall = [c.value for c in sheets["汇总"][2]]
        assert overall[:6] == ["整体", 34, 11, 7, 10, 6] and overall[6] == pytest.approx(32.4)
        uses = sum(len(c.assessments) for c in answer.competencies)
        assert sheets["考核明细"].max_row == 1 + uses

    def test_outcome_gaps_as_csv(self, client: TestClient) -> None:
        params = {**OPERATOR, "cohort": "cohort:IRAM-2025", "threshold": 70, "format": "csv"}
        response = client.get("/programs/program:IRAM/outcome-gaps", params=params)
        assert response.status_code == 200, response.text
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:4] == ["排名", "届/班", "入学年份", "能力编号"]
        assert [(r[3], r[6], r[9]) for r in rows[1:]] == [
            ("comp:P-16", "等级不足", "70.0"),
            ("comp:P-11", "未达标", "2.0"),
        ]

    def test_documented_in_openapi(self, client: TestClient) -> None:
        paths = client.get("/openapi.json").json()["paths"]
        for name in ("assessed-coverage", "outcome-gaps", "research-uptake"):
            operation = paths[f"/programs/{{program_id}}/{name}"]["get"]
            assert operation["tags"] == ["co-evaluation"] and operation["summary"]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, schema: Schema) -> Path:
    path = tmp_path_factory.mktemp("co-cli") / "demo.db"
    store = EmbeddedStore(path, schema)
    load(Chanjiao(store), read_workbook(DEMO_PATH, schema), source="demo")
    store.close()
    return path


class TestCli:
    runner = CliRunner()

    def run(self, *args: str) -> str:
        # Rich fixes a console's width when it is created (or set, as other CLI tests do):
        # lay tables out wide for the assertions, and put the width back afterwards.
        from api import cli as cli_module

        widths = cli_module.console.width, cli_module.err.width
        cli_module.console.width = cli_module.err.width = 240
        try:
            result = self.runner.invoke(cli, list(args))
        finally:
            cli_module.console.width, cli_module.err.width = widths
        assert result.exit_code == 0, result.output
        return result.output

    def test_assessed_table_and_json(self, demo_file: Path) -> None:
        out = self.run("co", "assessed", "program:IRAM", "csco:6-31-07-03", "-l", "3", "--store", str(demo_file))
        assert "11/34 assessed by an enterprise" in out and "仅学校评价 school_only" in out
        body = json.loads(
            self.run("co", "assessed", "program:IRAM", "csco:6-31-07-03", "-f", "json", "--store", str(demo_file))
        )
        assert body["overall"]["not_assessed"] == 10

    def test_outcomes(self, demo_file: Path) -> None:
        out = self.run("co", "outcomes", "program:IRAM", "csco:6-31-07-03", "--store", str(demo_file))
        assert "10 gap(s) below 80%" in out and "below_level" in out
        body = json.loads(
            self.run(
                "co", "outcomes", "program:IRAM", "csco:6-31-07-03", "--cohort", "cohort:IRAM-2024",
                "--threshold", "75", "--format", "json", "--store", str(demo_file),
            )
        )  # fmt: skip
        assert [g["competency"] for g in body["gaps"]] == ["comp:P-12", "comp:P-19", "comp:P-05"]  # 20, 11, 4 × 2

    def test_assessed_and_outcomes_as_the_http_downloads(self, demo_file: Path, tmp_path: Path, schema: Schema) -> None:
        book = tmp_path / "assessed.xlsx"
        self.run("co", "assessed", "program:IRAM", "csco:6-31-07-03", "-o", str(book), "--store", str(demo_file))
        sheets = load_workbook(book)
        assert sheets.sheetnames == ["考核覆盖", "汇总", "考核明细"]
        assert [c.value for c in sheets["汇总"][2]][:6] == ["整体", 34, 11, 7, 10, 6]
        text = self.run(
            "co", "outcomes", "program:IRAM", "csco:6-31-07-03", "-f", "csv", "--store", str(demo_file)
        )  # fmt: skip
        store = EmbeddedStore(demo_file, schema)
        try:
            client = TestClient(create_app(service=Chanjiao(store)))
            http = client.get("/programs/program:IRAM/outcome-gaps", params={**OPERATOR, "format": "csv"})
        finally:
            store.close()
        # The same table; on a terminal without the BOM (and with the terminal's line ends).
        assert text.splitlines() == http.content.decode("utf-8-sig").splitlines()

    def test_research(self, demo_file: Path) -> None:
        out = self.run("co", "research", "program:IRAM", "--on", "2026-06-01", "--store", str(demo_file))
        assert "could close: comp:P-15" in out and "proj:VISION-SEAM" in out
        body = json.loads(
            self.run("co", "research", "program:IRAM", "--on", "2028-01-01", "-f", "json", "--store", str(demo_file))
        )
        assert body["coverable"] == [] and body["projects"][0]["running"] is False

    def test_errors_exit_1_with_a_message(self, demo_file: Path) -> None:
        result = self.runner.invoke(
            cli, ["co", "outcomes", "program:IRAM", "csco:6-31-07-03", "--threshold", "0", "--store", str(demo_file)]
        )
        assert result.exit_code == 1
        assert "threshold must be a percentage above 0 and at most 100" in result.output
