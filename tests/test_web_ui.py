"""The web page end to end: headless Chromium drives /ui on a real server over the demo (docs/web.md).

A real ``chanjiao serve`` (a subprocess on a free port of 127.0.0.1) over an embedded store loaded by
``chanjiao demo``; Debian's Chromium (``apt-get install chromium``), driven by Playwright for Python
with ``executable_path`` (no ``playwright install``). Every figure the page shows is checked against
what the API answers for the same question. Without Chromium (or Playwright) the suite is skipped,
except in CI (``CI=true``), where it fails.

``CHANJIAO_UI_SCREENSHOTS=docs/img`` keeps the screenshots (docs/img/ui-*.png); otherwise they go to a
temporary folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from openpyxl import load_workbook

from api.security import new_key
from tests.conftest import serving, unavailable

IRAM, OPERATOR = "program:IRAM", "csco:6-31-07-03"  # the demo's program and the occupation it targets
ENTRY, SECRET = new_key("ui-tester")
CHROMIUM = os.environ.get("CHANJIAO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BAD_COURSES = "id,name_zh,category\ncourse:UI-BAD,坏课程,lecture\n"
VISION = {"competency": "comp:P-15", "level": 3}  # machine vision, missing in the demo program
GOOD_COURSES = "id,name_zh,category\ncourse:UI-NEW,界面导入的课程,integrated\n"


# ------------------------------------------------------------------ the server and the browser


def chanjiao_command() -> str:
    beside = Path(sys.executable).with_name("chanjiao")
    found = str(beside) if beside.exists() else shutil.which("chanjiao")
    if not found:
        pytest.fail("the chanjiao command is not installed (pip install -e .)")
    return found


class Api:
    """The running server, asked directly (the answers the page must show)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def url(self, path: str, **params: Any) -> str:
        query = urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
        return f"{self.base}{path}" + (f"?{query}" if query else "")

    def get(self, path: str, **params: Any) -> Any:
        with urllib.request.urlopen(self.url(path, **params), timeout=30) as response:
            return json.load(response)

    def status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url(path), timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.url(path), json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("ui-server")
    store = folder / "demo.db"
    command = chanjiao_command()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANJIAO_")}
    env["CHANJIAO_API_KEYS"] = json.dumps([ENTRY])
    loaded = subprocess.run([command, "demo", "--store", str(store)], env=env, capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    with serving([command, "serve", "--store", str(store)], env, folder / "serve.log") as url:
        yield Api(url)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium with a fresh profile; skipped (or failed, in CI) when it cannot be had."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
            locale="zh-CN",
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        yield context
        context.close()


@pytest.fixture
def page(browser: Any, server: Api) -> Iterator[Any]:
    """A new tab (its own sessionStorage); fails the test on any script error in the page."""
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert not errors, f"script errors in the page: {errors}"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get("CHANJIAO_UI_SCREENSHOTS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        return Path(kept)
    return tmp_path_factory.mktemp("screenshots")


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def pct(ratio: float) -> str:
    """As the page writes a ratio (JavaScript's toFixed(1) of the percentage)."""
    return f"{ratio * 100:.1f}%"


def open_coverage(page: Any, server: Api) -> None:
    """Open /ui, choose the program, then the occupation, as a person would."""
    page.goto(f"{server.base}/ui/")
    page.select_option("#program", IRAM)
    expect(page.locator(f'#occupation option[value="{OPERATOR}"]')).to_have_count(1)
    page.select_option("#occupation", OPERATOR)
    expect(page.locator("#overall-ratio")).to_be_visible()


# ------------------------------------------------------------------ the tests


def test_coverage_figure_is_the_apis(page: Any, server: Api, shots: Path) -> None:
    open_coverage(page, server)
    # The level defaults to the level at which the program TARGETS the occupation (3 in the demo).
    expect(page.locator("#level")).to_have_value("3")
    answer = server.get(f"/programs/{IRAM}/coverage", occupation=OPERATOR, level=3)
    overall = answer["overall"]
    assert (overall["covered"], overall["total"]) == (23, 34)  # loaders/demo/README.md, hand-checked
    expect(page.locator("#overall-count")).to_have_text("23 / 34")
    expect(page.locator("#overall-ratio")).to_have_text(pct(overall["ratio"]))
    for status in ("covered", "under_level", "missing"):
        expect(page.locator(f"#count-{status}")).to_have_text(str(overall[status]))
    # Per dimension (all four, in the ontology's order) and per typical work task.
    rows = page.locator(".dims .bar-row")
    expect(rows).to_have_count(len(answer["by_dimension"]))
    for i, (dimension, tally) in enumerate(answer["by_dimension"].items()):
        expect(rows.nth(i)).to_have_attribute("data-dimension", dimension)
        expect(rows.nth(i).locator(".bar-figure")).to_contain_text(f"{tally['covered']}/{tally['total']}")
    tasks = page.locator(".tasks .bar-row")
    expect(tasks).to_have_count(len(answer["by_task"]))
    for i, task in enumerate(answer["by_task"]):
        expect(tasks.nth(i)).to_contain_text(task["name_zh"])
        expect(tasks.nth(i).locator(".bar-figure")).to_contain_text(
            f"{task['tally']['covered']}/{task['tally']['total']}"
        )
    # The ranked gaps, with the tasks and employers behind each and the candidates elsewhere.
    gaps = server.get(f"/programs/{IRAM}/gaps", occupation=OPERATOR, level=3, limit=500)["gaps"]["data"]
    expect(page.locator("#tab-gaps")).to_contain_text(str(len(gaps)))
    rows = page.locator("#gap-table tbody tr")
    expect(rows).to_have_count(len(gaps))
    assert [rows.nth(i).get_attribute("data-competency") for i in range(len(gaps))] == [g["competency"] for g in gaps]
    first = rows.nth(0)
    expect(first).to_contain_text(gaps[0]["name_zh"])
    for employer in gaps[0]["employers"]:
        expect(first).to_contain_text(employer["name_zh"])
    p14 = page.locator('#gap-table tr[data-competency="comp:P-14"]')
    expect(p14).to_contain_text("工业网络与人机界面")  # course:EA-201 of the other program develops it
    page.screenshot(path=str(shots / "ui-coverage.png"))


def test_co_evaluation_tabs_are_the_apis(page: Any, server: Api, shots: Path) -> None:
    open_coverage(page, server)
    page.click("#tab-assessed")
    answer = server.get(f"/programs/{IRAM}/assessed-coverage", occupation=OPERATOR, level=3)
    overall = answer["overall"]
    assert (overall["assessed"], overall["school_only"], overall["total"]) == (11, 7, 34)  # tests/test_co_api.py
    panel = page.locator("#panel-assessed")
    expect(panel).to_contain_text(f"{overall['total']} 项要求的能力中，{overall['assessed']} 项有企业参与评价")
    expect(panel).to_contain_text(pct(overall["judged_ratio"]))
    rows = page.locator("#assessed-table tbody tr")
    expect(rows).to_have_count(len(answer["competencies"]))
    assert [rows.nth(i).get_attribute("data-key") for i in range(rows.count())] == [
        c["competency"] for c in answer["competencies"]
    ]
    for status in ("assessed", "school_only", "not_assessed", "missing"):  # the third column: assessment status
        expect(page.locator(f"#assessed-table tbody td:nth-child(3) .st-{status}")).to_have_count(overall[status])
    p04 = next(c for c in answer["competencies"] if c["competency"] == "comp:P-04")
    row = page.locator('#assessed-table tr[data-key="comp:P-04"]')
    for use in p04["assessments"]:
        expect(row).to_contain_text(use["name_zh"])
    expect(row).to_contain_text(f"考核对应能力 {p04['assessments'][0]['competency']}")  # it assesses a match
    expect(panel.locator('a.dl[data-format="xlsx"]')).to_have_count(1)
    page.screenshot(path=str(shots / "ui-assessed.png"))

    page.click("#tab-outcomes")
    outcomes = server.get(f"/programs/{IRAM}/outcome-gaps", occupation=OPERATOR, level=3)
    assert outcomes["gaps"] and outcomes["cohorts"]
    gaps = page.locator("#outcome-table tbody tr")
    expect(gaps).to_have_count(len(outcomes["gaps"]))
    assert [gaps.nth(i).get_attribute("data-key") for i in range(gaps.count())] == [
        f"{g['cohort']} {g['competency']}" for g in outcomes["gaps"]
    ]
    first = outcomes["gaps"][0]
    expect(gaps.nth(0).locator("td").nth(6)).to_have_text(f"{first['shortfall']:g}")  # JavaScript writes 80.0 as 80
    expect(gaps.nth(0)).to_contain_text(first["name_zh"])
    cohorts = page.locator("#cohort-table tbody tr")
    expect(cohorts).to_have_count(len(outcomes["cohorts"]))
    for i, cohort in enumerate(outcomes["cohorts"]):
        cells = cohorts.nth(i).locator("td")
        expect(cells.nth(3)).to_have_text(str(len(cohort["met"])))
        expect(cells.nth(4)).to_have_text(str(len(cohort["short"])))
    page.screenshot(path=str(shots / "ui-outcomes.png"))

    page.click("#tab-research")
    research = server.get(f"/programs/{IRAM}/research-uptake", occupation=OPERATOR, level=3)
    assert research["projects"]
    projects = page.locator("#project-table tbody tr")
    expect(projects).to_have_count(len(research["projects"]))
    project = research["projects"][0]
    expect(projects.nth(0)).to_contain_text(project["name_zh"])
    for course in project["courses"]:
        expect(projects.nth(0)).to_contain_text(course["name_zh"])
    offered = [g["competency"] for g in research["gaps"] if g["offers"]]
    assert offered, research["gaps"]
    rows = page.locator("#offer-table tbody tr")
    expect(rows).to_have_count(len(offered))
    assert [rows.nth(i).get_attribute("data-key") for i in range(rows.count())] == offered
    expect(page.locator("#panel-research")).to_contain_text(f"可补足本专业 {len(research['coverable'])} 项差距")
    page.locator("#panel-research").screenshot(path=str(shots / "ui-research.png"))


def test_whatif_toggling_a_course_changes_the_figure(page: Any, server: Api, shots: Path) -> None:
    open_coverage(page, server)
    expect(page.locator("#overall-count")).to_have_text("23 / 34")
    # Untick a course: the figure becomes the API's what-if answer, and the graph is not changed.
    page.uncheck('input[data-course="course:IR-301"]')
    removed = server.post(
        f"/programs/{IRAM}/whatif", {"occupation": OPERATOR, "level": 3, "remove_courses": ["course:IR-301"]}
    )["after"]["overall"]
    assert removed["covered"] < 23
    expect(page.locator("#overall-count")).to_have_text(f"{removed['covered']} / {removed['total']}")
    expect(page.locator("#overall-ratio")).to_have_text(pct(removed["ratio"]))
    expect(page.locator(".overall")).to_have_attribute("data-state", "whatif")
    expect(page.locator("#overall-delta")).to_contain_text("67.6%")
    # Tick it again: back to the program as it is.
    page.check('input[data-course="course:IR-301"]')
    expect(page.locator("#overall-count")).to_have_text("23 / 34")
    expect(page.locator(".overall")).to_have_attribute("data-state", "base")
    # Try a candidate course from the gap list (EA-201 develops P-13 and P-14) …
    page.click('#gap-table button[data-try="course:EA-201"]')
    added = server.post(
        f"/programs/{IRAM}/whatif", {"occupation": OPERATOR, "level": 3, "add_courses": ["course:EA-201"]}
    )["after"]["overall"]
    expect(page.locator("#overall-count")).to_have_text(f"{added['covered']} / {added['total']}")
    expect(page.locator('#gap-table tr[data-competency="comp:P-14"] .whatif-mark')).to_contain_text("已覆盖")
    # … and describe a new course that develops machine vision (P-15) at level 3.
    page.click("details.wi-block > summary")
    page.fill("#nc-name", "机器视觉应用")
    page.fill("#nc-hours", "64")
    page.click("text=添加一项能力")
    page.select_option(".develop-row .nc-comp", "comp:P-15")
    page.select_option(".develop-row .nc-level", "3")
    page.click("text=加入试算")
    both = server.post(
        f"/programs/{IRAM}/whatif",
        {
            "occupation": OPERATOR,
            "level": 3,
            "add_courses": ["course:EA-201"],
            "new_courses": [{"name": "机器视觉应用", "hours": 64, "develops": [VISION]}],
        },
    )["after"]["overall"]
    assert both["covered"] == added["covered"] + 1
    expect(page.locator("#overall-count")).to_have_text(f"{both['covered']} / {both['total']}")
    expect(page.locator("#wi-status")).to_contain_text("视觉系统配置与标定")
    page.screenshot(path=str(shots / "ui-whatif.png"))
    # Nothing was written: the API still answers 23 / 34.
    assert server.get(f"/programs/{IRAM}/coverage", occupation=OPERATOR, level=3)["overall"]["covered"] == 23
    page.click("#wi-reset")
    expect(page.locator("#overall-count")).to_have_text("23 / 34")
    # A course of another program found by name (the API's search), not picked from a list of them all.
    page.fill("#wi-add", "人机界面")
    page.click('#wi-found button[data-add="course:EA-201"]')
    expect(page.locator("#overall-count")).to_have_text(f"{added['covered']} / {added['total']}")
    expect(page.locator("#wi-added")).to_contain_text("工业网络与人机界面")
    hits = [hit["node"]["id"] for hit in server.get("/search", q="机器人", label="Course", limit=10)]
    own = [c for c in hits if c.startswith("course:IR-")]
    assert own, hits
    page.fill("#wi-add", "机器人")  # the program's own courses are not offered
    expect(page.locator('#wi-found button[data-add="course:EA-201"]')).to_have_count(0)  # the new answer is in
    for course in own:
        expect(page.locator(f'#wi-found button[data-add="{course}"]')).to_have_count(0)
    page.click("#wi-reset")


def test_search_in_chinese_and_open_a_detail_page(page: Any, server: Api, shots: Path) -> None:
    page.goto(f"{server.base}/ui/")
    page.fill("#quick-q", "示教")
    page.press("#quick-q", "Enter")
    hits = server.get("/search", q="示教", limit=50)
    results = page.locator(".results > li")
    expect(results).to_have_count(len(hits))
    expect(results.nth(0)).to_contain_text(hits[0]["node"]["name_zh"])
    assert hits[0]["node"]["id"] == "comp:P-33"
    page.click(f'.results a[href="#/entity/{quote("comp:P-33", safe="")}"]')
    expect(page.locator("#entity-title")).to_have_text("机器人示教编程")
    # The neighbourhood as a small graph: one node link per node the API gives, labelled with name_zh.
    hood = server.get(f"/neighbourhood/{quote('comp:P-33', safe='')}", depth=1, limit=40)
    nodes = page.locator("svg.graph a.node")
    expect(nodes).to_have_count(len(hood["nodes"]))
    assert set(nodes.evaluate_all("els => els.map(e => e.dataset.id)")) == {n["id"] for n in hood["nodes"]}
    expect(page.locator("svg.graph a.node.centre text")).to_have_text("机器人示教编程")
    expect(page.locator(".rels")).to_contain_text("搬运工作站示教编程")
    page.screenshot(path=str(shots / "ui-entity.png"), full_page=True)
    # A node of the graph opens its own page, with the keyboard too.
    page.focus('svg.graph a.node[data-id="lt:IR-301-3"]')
    page.keyboard.press("Enter")
    expect(page.locator("#entity-title")).to_have_text("搬运工作站示教编程")
    # English words find the same things.
    page.goto(f"{server.base}/ui/#/search?q=teach%20pendant")
    expect(page.locator(".results > li").first).to_contain_text("示教器操作与坐标系选择")


def test_export_the_gap_list_and_the_map(page: Any, server: Api) -> None:
    open_coverage(page, server)
    gaps = server.get(f"/programs/{IRAM}/gaps", occupation=OPERATOR, level=3, limit=500)["gaps"]["data"]
    with page.expect_download() as caught:
        page.click('#panel-gaps a.dl[data-format="csv"]')
    download = caught.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["能力编号"] for r in rows] == [g["competency"] for g in gaps]
    assert rows[0]["状态"] == "缺失"
    # The same export as XLSX, fetched with the API key when one is set (links cannot send headers).
    page.evaluate(f"sessionStorage.setItem('chanjiao.apiKey', {json.dumps(SECRET)})")
    with page.expect_download() as caught:
        page.click('#panel-gaps a.dl[data-format="xlsx"]')
    download = caught.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    sheet = book["能力差距"]
    ids = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]]
    assert ids == [g["competency"] for g in gaps]
    book.close()
    page.evaluate("sessionStorage.removeItem('chanjiao.apiKey')")
    # The curriculum map: the heat map on screen (the API's PNG), and its downloads.
    page.click("#tab-map")
    picture = page.locator(".map-figure img")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth > 400")
    with page.expect_download() as caught:
        page.click('#panel-map a.dl[data-format="svg"]')
    assert Path(caught.value.path()).read_bytes().lstrip().startswith(b"<?xml")
    with page.expect_download() as caught:
        page.click('#panel-map a.dl[data-format="xlsx"]')
    assert "课程×能力" in load_workbook(io.BytesIO(Path(caught.value.path()).read_bytes())).sheetnames
    href = page.locator('#panel-map a.dl[data-format="png"]').get_attribute("href")
    assert href.startswith(f"{server.base}/programs/") and "format=png" in href


def test_upload_shows_the_located_error_before_anything_is_written(
    page: Any, server: Api, tmp_path: Path, shots: Path
) -> None:
    bad = tmp_path / "Course.csv"
    bad.write_text(BAD_COURSES, encoding="utf-8")
    page.goto(f"{server.base}/ui/#/upload")
    page.fill("#api-key", SECRET)
    page.set_input_files("#workbook", str(bad))
    page.click("#check")
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.nth(0)).to_contain_text("Course.csv row 2")
    expect(problems.nth(0)).to_contain_text("category")
    expect(problems.nth(0)).to_contain_text("lecture")
    expect(page.locator("#load-for-real")).to_have_count(0)  # nothing to load
    page.screenshot(path=str(shots / "ui-upload.png"))
    assert server.status(f"/nodes/{quote('course:UI-BAD', safe='')}") == 404
    # The key lives in this tab's sessionStorage only.
    stored = page.evaluate("[sessionStorage.getItem('chanjiao.apiKey'), JSON.stringify(localStorage), document.cookie]")
    assert stored[0] == SECRET and SECRET not in stored[1] and SECRET not in stored[2]
    # A clean file: checked first (nothing written), then loaded for real with the button.
    good = tmp_path / "good" / "Course.csv"
    good.parent.mkdir()
    good.write_text(GOOD_COURSES, encoding="utf-8")
    page.set_input_files("#workbook", str(good))
    page.click("#check")
    expect(page.locator("#load-for-real")).to_be_visible()
    expect(page.locator('[data-count="nodes_read"]')).to_have_text("1")
    assert server.status(f"/nodes/{quote('course:UI-NEW', safe='')}") == 404
    page.click("#load-for-real")
    expect(page.locator('[data-count="nodes_created"]')).to_have_text("1")
    assert server.get(f"/nodes/{quote('course:UI-NEW', safe='')}")["name_zh"] == "界面导入的课程"
    # A wrong key is refused, and said so.
    page.fill("#api-key", "not-the-key")
    page.click("#check")
    expect(page.locator(".report.bad")).to_contain_text("API")


def test_english_switch_and_keyboard(page: Any, server: Api) -> None:
    open_coverage(page, server)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.click('button[data-lang="en"]')
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#cov-title")).to_have_text("Coverage")
    expect(page.locator(".dims .bar-row").first).to_contain_text("professional")  # the ontology's English label
    expect(page.locator("#overall-count")).to_have_text("23 / 34")  # same answer, other words
    page.click('button[data-lang="zh"]')
    expect(page.locator("#cov-title")).to_have_text("覆盖分析")
    # The keyboard: the skip link comes first; arrow keys move between the result tabs.
    page.goto(f"{server.base}/ui/#/coverage?program={quote(IRAM)}&occupation={quote(OPERATOR)}")
    page.reload()  # a fresh load from a bookmark: the same answer, focus at the start
    expect(page.locator("#overall-count")).to_have_text("23 / 34")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.focus("#tab-gaps")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-map")).to_be_focused()
    expect(page.locator("#tab-map")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-map")).to_be_visible()
    expect(page.locator("#panel-gaps")).to_be_hidden()


def test_narrow_screen(page: Any, server: Api, shots: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_coverage(page, server)
    expect(page.locator("#overall-count")).to_have_text("23 / 34")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    expect(page.locator("#whatif")).to_be_visible()
    page.screenshot(path=str(shots / "ui-narrow.png"))


def test_every_program_is_offered_beyond_a_page(page: Any, server: Api, tmp_path: Path) -> None:
    # Last in the file: it adds 520 programs (with no targets) to the demo the other tests read.
    rows = "".join(f"program:UI-{n:03d},界面测试专业{n}\n" for n in range(520))
    programs = tmp_path / "Program.csv"
    programs.write_text("id,name_zh\n" + rows, encoding="utf-8")
    page.goto(f"{server.base}/ui/#/upload")
    page.fill("#api-key", SECRET)
    page.set_input_files("#workbook", str(programs))
    page.click("#check")
    page.click("#load-for-real")
    expect(page.locator('[data-count="nodes_created"]')).to_have_text("520")
    total = server.get("/entities/Program", limit=1)["count"]
    assert total > 500  # more than one page of the API's listing
    page.goto(f"{server.base}/ui/#/coverage")
    expect(page.locator("#program option")).to_have_count(total + 1)  # and "choose a program"
    page.select_option("#program", "program:UI-519")  # on the second page, in id order
    expect(page.locator("#result")).to_contain_text("还没有填写面向的职业")
