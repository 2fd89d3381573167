"""Uploading a workbook through the API: keys, limits, validation before writing."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import new_key
from graph.service import Chanjiao
from graph.settings import Settings

ENTRY, SECRET = new_key("registrar")
COURSES = "id,name_zh,category\ncourse:A,工业机器人编程,integrated\n".encode()


@pytest.fixture
def client(service: Chanjiao) -> TestClient:
    service.settings = Settings(store="unused", api_keys=[ENTRY], max_upload_bytes=10_000)
    return TestClient(create_app(service=service))


def post(client: TestClient, name: str, data: bytes, key: str | None = SECRET, **params: object):
    headers = {"X-API-Key": key} if key else {}
    return client.post("/loads/workbook", files={"file": (name, data)}, headers=headers, params=params)


def test_upload_needs_a_valid_key(client: TestClient, service: Chanjiao) -> None:
    for key in (None, "wrong"):
        response = post(client, "Course.csv", COURSES, key=key)
        assert response.status_code == 401
        assert response.json()["detail"] == "this needs a valid API key in the X-API-Key header"
    assert service.stats()["total_nodes"] == 0


def test_upload_a_csv_sheet(client: TestClient, service: Chanjiao) -> None:
    body = post(client, "Course.csv", COURSES).json()
    assert (body["nodes_created"], body["key_id"], body["source"]) == (1, "registrar", "workbook:Course.csv")
    assert service.get("course:A").props["source"] == "workbook:Course.csv"
    again = post(client, "Course.csv", COURSES).json()
    assert again["nodes_unchanged"] == 1


def test_dry_run_writes_nothing(client: TestClient, service: Chanjiao) -> None:
    body = post(client, "Course.csv", COURSES, dry_run=True).json()
    assert body["dry_run"] is True and body["nodes_read"] == 1
    assert service.stats()["total_nodes"] == 0


def test_upload_a_zip_of_sheets(client: TestClient, service: Chanjiao) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("school/课程.csv", COURSES)
        book.writestr("../../evil/Competency.csv", "id,dimension,kind\ncomp:1,social,skill\n")
    body = post(client, "book.zip", buffer.getvalue()).json()
    assert body["nodes_created"] == 2


def test_invalid_workbook_is_422_with_located_problems(client: TestClient, service: Chanjiao) -> None:
    response = post(client, "Course.csv", b"id,category\ncourse:A,lecture\n")
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Invalid data"
    assert body["problems"][0]["location"] == "Course.csv row 2"
    assert body["problems"][0]["field"] == "category"
    assert service.stats()["total_nodes"] == 0


def test_oversized_upload_is_413(client: TestClient) -> None:
    response = post(client, "Course.csv", COURSES + b"x" * 20_000)
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_unsupported_file_type_is_415(client: TestClient) -> None:
    assert post(client, "notes.txt", b"hello").status_code == 415


def test_reads_can_require_a_key(service: Chanjiao) -> None:
    service.settings = Settings(store="unused", api_keys=[ENTRY], read_requires_key=True)
    client = TestClient(create_app(service=service))
    assert client.get("/entities/Course").status_code == 401
    assert client.get("/entities/Course", headers={"X-API-Key": SECRET}).status_code == 200
    assert client.get("/health").status_code == 200  # health checks stay open
