"""Bad input, generated: broken workbooks and uploads get a located error, never a crash, and write nothing.

Hypothesis builds workbooks from the ontology's own sheet and column names
mixed with junk — wrong headers, ragged rows, quotes, NULs, huge and
non-finite numbers, dates, formulas, odd encodings, truncated files — and
checks the one promise that covers them all: either the workbook is valid and
is written as one load, or it is refused with problems that each say where and
why, and the graph and its audit trail are exactly as before.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from api.app import create_app
from api.security import new_key
from graph.errors import ValidationError
from graph.service import Chanjiao
from graph.settings import Settings
from loaders.pipeline import load
from loaders.workbook import read_workbook
from ontology.schema import load_schema

SCHEMA = load_schema()
ENTRY, SECRET = new_key("fuzzer")
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- the pieces a workbook is made of: real names (so many examples get past the first check) and junk

SHEETS = [*SCHEMA.classes, *SCHEMA.relationships, "培养矩阵", "DEVELOPS grid", "课程", "说明"]
HEADERS = sorted(
    {p for c in SCHEMA.classes.values() for p in c.properties}
    | {p for r in SCHEMA.relationships.values() for p in r.properties}
    | {"id", "from", "to", "中文名称", "能力维度", "起点", "终点"}
)
IDS = ["course:IR-101", "comp:P-01", "csco:6-31-07-03", "program:IRAM", "emp:A", "course:NEW", "x:1", "a b"]
NUMBERS = ["3", "0", "-1", "6", "1e99999999", "99999999999999999999", "Infinity", "NaN", "3.5", "1,000", "１２"]
WORDS = ["是", "否", "true", "√", "2025-02-30", "2025-03-01", "http://x", "a|b|a"]
ENUMS = sorted({str(v) for e in SCHEMA.enumerations.values() for v in e.notations})
JUNK = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
cells = st.one_of(st.sampled_from(IDS + NUMBERS + WORDS + ENUMS + [""]), JUNK)
headers = st.lists(st.one_of(st.sampled_from(HEADERS), JUNK), min_size=0, max_size=6)
rows = st.lists(st.lists(cells, max_size=7), max_size=6)
file_names = st.one_of(
    st.sampled_from(SHEETS), st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12)
)


@st.composite
def plausible_sheet(draw: st.DrawFn) -> tuple[str, list[str], list[list[str]]]:
    """A sheet that looks right — a real class or relationship and its real columns — with wrong values in it."""
    name = draw(st.sampled_from([*SCHEMA.classes, *SCHEMA.relationships]))
    if name in SCHEMA.classes:
        ends, props = ["id"], [p for p in SCHEMA.classes[name].properties if p != "id"]
    else:
        ends, props = ["from", "to"], list(SCHEMA.relationships[name].properties)
    header = [e for e in ends if draw(st.integers(0, 19))]  # now and then without its id or ends
    header += draw(st.lists(st.sampled_from(props), max_size=5, unique=True)) if props else []
    if draw(st.integers(0, 9)) == 0:
        header.append(draw(st.one_of(JUNK, st.sampled_from(HEADERS))))
    width = len(header) + draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
    body = draw(st.lists(st.lists(cells, min_size=max(width, 0), max_size=max(width, 0)), min_size=1, max_size=6))
    return name, header, body


def csv_text(header: list[str], body: list[list[str]], by_hand: bool = True) -> str:
    """Rows as CSV: by hand, quotes and separators inside cells break the rows, as people break them."""
    if by_hand:
        return "\n".join(",".join(row) for row in [header, *body]) + "\n"
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    return out.getvalue()


@st.composite
def csv_books(draw: st.DrawFn) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 3)):
            name, header, body = draw(plausible_sheet())
            text = csv_text(header, body, by_hand=draw(st.integers(0, 4)) == 0)
        else:
            name, text = draw(file_names), csv_text(draw(headers), draw(rows))
        encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "gb18030", "utf-16", "big5", "raw"]))
        data = draw(st.binary(max_size=200)) if encoding == "raw" else text.encode(encoding, errors="replace")
        files[name + ".csv"] = data
    return files


xlsx_cells = st.one_of(
    cells,
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=1/0", "=SUM(A1:A2)", "#N/A", None]),
)


@st.composite
def xlsx_books(draw: st.DrawFn) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for n in range(draw(st.integers(1, 3))):
        title = draw(st.sampled_from(SHEETS))[:31] if draw(st.booleans()) else f"sheet {n}"
        if title in book.sheetnames:
            continue
        sheet = book.create_sheet(title)
        if draw(st.integers(0, 2)):
            name, header, body = draw(plausible_sheet())
            sheet.title = f"{name}"[:31] if name not in book.sheetnames else sheet.title
            typed = [[draw(st.one_of(st.just(v), xlsx_cells)) for v in row] for row in body]
            table = [header, *typed]
        else:
            table = [draw(headers), *draw(st.lists(st.lists(xlsx_cells, max_size=7), max_size=6))]
        for row in table:
            sheet.append([_excel_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    cut = draw(st.sampled_from([None, None, None, "truncate", "flip"]))
    if cut == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif cut == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    return data


def _excel_safe(value: object) -> object:
    """openpyxl refuses control characters in cells; a person's workbook cannot hold them either."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)  # Excel keeps numbers as doubles: a huge integer is typed as text
    return value


# -- the property


def state(service: Chanjiao) -> tuple:
    return service.stats(), service.loads(0, 1)


def check_refused_or_written(service: Chanjiao, path: Path) -> None:
    before = state(service)
    try:
        parsed = read_workbook(path, SCHEMA)
        event("read")
        report = load(service, parsed, source="fuzz")
    except ValidationError as exc:
        event(f"refused: {exc.problems[0].reason[:40]}")
        assert exc.problems, "a refusal names at least one problem"
        for problem in exc.problems:
            assert problem.location and problem.reason, problem
        assert "nothing was written" in str(exc)
        assert state(service) == before
        return
    event("written")
    assert report.load_id is not None and service.loads(0, 1)[0][0].id == report.load_id


@pytest.fixture
def service(demo: Chanjiao) -> Chanjiao:  # the demo, on the embedded store only: hundreds of examples each
    return demo


@pytest.fixture(params=["embedded"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    from tests.conftest import make_store

    made = make_store(request.param, request, tmp_path, SCHEMA)
    yield made
    made.close()


@settings(FUZZ, max_examples=300)
@given(book=csv_books())
@example(book={"Course.csv": b"id,category,hours\ncourse:Z,integrated,1e99999999\n"})
@example(book={"Course.csv": b"id,category,hours\ncourse:Z,integrated,Infinity\n"})
@example(book={"Course.csv": b"id,category,hours\ncourse:Z,integrated,99999999999999999999\n"})
@example(book={"Course.csv": b'id,category\n"course:Z,integrated\n'})
@example(book={"DEVELOPS.csv": b"from,to,level\n\x00,\x00,\x00\n"})
def test_broken_csv_workbooks(
    book: dict[str, bytes], service: Chanjiao, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("book")
    for name, data in book.items():
        (folder / name).write_bytes(data)
    check_refused_or_written(service, folder)


@settings(FUZZ, max_examples=150)
@given(data=xlsx_books())
def test_broken_xlsx_workbooks(data: bytes, service: Chanjiao, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("xlsx") / "book.xlsx"
    path.write_bytes(data)
    check_refused_or_written(service, path)


@st.composite
def uploads(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["csv", "xlsx", "zip", "junk"]))
    if kind == "csv":
        name, header, body = draw(plausible_sheet())
        return name + ".csv", csv_text(header, body, by_hand=draw(st.booleans())).encode()
    if kind == "xlsx":
        return "book.xlsx", draw(xlsx_books())
    if kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in draw(csv_books()).items():
                archive.writestr(draw(st.sampled_from(["", "../", "a/b/", "/abs/"])) + name, content)
        data = buffer.getvalue()
        return "book.zip", data[: draw(st.integers(0, len(data)))]
    return draw(st.text(max_size=20)), draw(st.binary(max_size=300))


@settings(FUZZ, max_examples=150)
@given(upload=uploads(), keep_valid=st.booleans())
def test_broken_uploads_are_4xx_and_write_nothing(
    upload: tuple[str, bytes], keep_valid: bool, service: Chanjiao
) -> None:
    name, data = upload
    service.settings = Settings(store="unused", api_keys=[ENTRY], max_upload_bytes=200_000, rate_limit_per_minute=0)
    client = TestClient(create_app(service=service))
    before = state(service)
    response = client.post(
        "/loads/workbook",
        files={"file": (name, data)},
        params={"keep_valid": keep_valid},
        headers={"X-API-Key": SECRET},
    )
    assert response.status_code in (200, 413, 415, 422), (response.status_code, response.text)
    event(f"HTTP {response.status_code}")
    if response.status_code != 200:
        body = response.json()
        assert body["status"] == response.status_code and body["detail"]
        assert response.headers["content-type"] == "application/problem+json"
        assert state(service) == before
