"""The Neo4j Browser guide gives the API's answers, and it and the style sheet are what the Browser can read.

The key test (marked ``neo4j``) reads the guide as the Browser does — the ``<slide>`` elements, the
text of each ``pre.runnable`` block, ``:param name => value`` evaluated as ``RETURN value`` on the
server — runs every query on Neo4j and compares its rows with the engine's answer to the same
question, for the guide's own parameters and for others, on the demo and on the demo plus edge cases
(an EXACT_MATCH chain written both ways, a CLOSE_MATCH, level-agnostic developments, a learning task
outside any course, a course and a task with no semester or order, a requirement with no importance).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.browser import build
from api.routes import browser
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema
from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "api" / "browser" / "guide.html"
STYLE = ROOT / "api" / "browser" / "style.grass"
NEO4J_SH = ROOT / "scripts" / "neo4j.sh"

#: Every query of the guide and what it is checked against; a new query must be added here.
COMPARED = {
    "coverage",
    "coverage_totals",
    "gaps",
    "curriculum_map",
    "orphans",
    "untaught_tasks",
    "demand",
    "labels",
    "relationship_types",
    "occupation_tasks",
    "course_neighbourhood",
}
RUN_ONLY = {"schema"}  # db.schema.visualization(): nothing of the engine's to compare with

#: Parameter sets besides the guide's own (program:IRAM vs csco:6-31-07-03 at level 3, region Suzhou).
OTHER_PARAMS = {
    "EAEM vs electrician at 2, every region": {
        "program": "program:EAEM",
        "occupation": "csco:6-31-01-03",
        "level": 2,
        "region": None,
        "course": "course:EA-301",
    },
    "IRAM vs operator at 4, Kunshan": {
        "program": "program:IRAM",
        "occupation": "csco:6-31-07-03",
        "level": 4,
        "region": "region:320583",
        "course": "course:IR-306",
    },
    "IRAM vs maintenance technician at 3, Wuxi": {
        "program": "program:IRAM",
        "occupation": "csco:6-31-07-01",
        "level": 3,
        "region": "region:320200",
        "course": "course:IR-304",
    },
}


# ---------------------------------------------------------------- reading the guide as the Browser does


@dataclass
class Block:
    """A ``pre.runnable`` block: what a click puts in the Browser's editor (its text content, trimmed)."""

    attrs: dict[str, str]
    text: str = ""


@dataclass
class ParsedGuide:
    title: str = ""
    slides: int = 0
    blocks: list[Block] = field(default_factory=list)
    outside_slides: int = 0  # runnable blocks the Browser would never show
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def queries(self) -> dict[str, str]:
        return {b.attrs["data-query"]: b.text for b in self.blocks if "data-query" in b.attrs}

    def params(self) -> dict[str, str]:
        """name → the Cypher expression the Browser evaluates for ``:param name => expression``."""
        found = {}
        for block in self.blocks:
            if block.text.startswith(":param"):
                match = re.fullmatch(r":param\s+(\w+)\s*=>\s*(.+)", block.text, re.S)
                assert match, f"not a :param the Browser understands: {block.text!r}"
                found[match.group(1)] = match.group(2).strip()
        return found


class GuideParser(HTMLParser):
    """Collects the slides and their runnable blocks (``pre.runnable`` and ``.runnable pre``, as the Browser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # textContent has the entities decoded
        self.guide = ParsedGuide()
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._block: Block | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.guide.tags.append((tag, attributes))
        classes = attributes.get("class", "").split()
        runnable_parent = any("runnable" in a.get("class", "").split() for _, a in self._stack)
        if tag == "slide":
            self.guide.slides += 1
        if tag == "pre" and ("runnable" in classes or runnable_parent):
            self._block = Block(attributes)
            if not any(t == "slide" for t, _ in self._stack):
                self.guide.outside_slides += 1
        self._in_title = tag == "title"
        if tag not in {"meta", "br", "img", "hr", "input"}:
            self._stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self._block is not None:
            self._block.text = self._block.text.strip()
            self.guide.blocks.append(self._block)
            self._block = None
        self._in_title = False
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._block is not None:
            self._block.text += data
        if self._in_title:
            self.guide.title += data


def parse_guide(text: str) -> ParsedGuide:
    parser = GuideParser()
    parser.feed(text)
    parser.close()
    return parser.guide


def browser_clean_html(text: str) -> str:
    """The Browser's ``cleanHtml`` (neo4j-browser src/shared/services/remoteUtils.ts), applied to every guide."""
    text = re.sub(r"""(\s+(on[^\s=]+)[^\s=]*\s*=\s*("[^"]*"|'[^']*'|[\w\-.:]+\s*))""", "", text, flags=re.I)
    text = re.sub(r"<script\b[^<]*(?:(?!</script>)<[^<]*)*(</script>)?", "", text, flags=re.I)
    text = re.sub(r'href=".*javascript:[^"]*"', 'href=""', text, count=1)
    return re.sub(r"href='.*javascript:[^']*'", "href=''", text, count=1)


def parse_grass(text: str) -> dict[str, dict[str, str]]:
    """The Browser's ``:style`` parser (neo4j-browser src/shared/services/grassUtils.ts), JSON first."""
    try:
        return json.loads(text)  # type: ignore[no-any-return]
    except ValueError:
        pass
    rules: dict[str, dict[str, str]] = {}
    for selector, body in _grass_blocks(text).items():
        rules[selector] = {}
        for prop in body.split(";"):
            parts = prop.split(":")
            if len(parts) == 2:
                rules[selector][parts[0].strip()] = parts[1].strip()
    return rules


def _grass_blocks(text: str) -> dict[str, str]:
    """Each selector of a grass text with its block's text, scanned character by character as the Browser does."""
    in_string = in_props = in_binding = False
    keyword = props = ""
    raw: dict[str, str] = {}
    for c in text:
        skip = True
        if c == "{":
            if in_string:
                skip = False
            elif in_props:
                in_binding = True
            else:
                in_props = True
        elif c == "}":
            if in_string:
                skip = False
            elif in_binding:
                in_binding = False
            else:
                in_props = False
                raw[keyword] = props
                keyword = props = ""
        elif c in "'\"":
            in_string = not in_string
        else:
            skip = False
        if skip:
            continue
        if in_props:
            props += c
        elif not c.isspace():
            keyword += c
    return raw


@pytest.fixture(scope="module")
def guide() -> ParsedGuide:
    return parse_guide(GUIDE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the files (no Neo4j needed)


def test_committed_files_are_what_the_ontology_builds(schema: Schema) -> None:
    for path, text in build.build(schema).items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run `python -m api.browser.build`"


def test_guide_has_the_browser_guide_structure(guide: ParsedGuide) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert ("article", {"class": "guide"}) in guide.tags
    assert ("carousel", {"class": "deck container-fluid"}) in guide.tags
    assert guide.slides >= 10 and all(a == {"class": "row-fluid"} for t, a in guide.tags if t == "slide")
    assert guide.title.startswith("产教") and "chanjiao" in guide.title
    assert re.search(r"<title>(.*?)</title>", text)  # the Browser's own title regex (single line)
    assert guide.outside_slides == 0
    assert browser_clean_html(text) == text, "the Browser would strip something from the guide"
    for block in guide.blocks:
        assert block.attrs["class"].split() == ["pre-scrollable", "code", "runnable"]


def test_guide_queries_are_all_known_and_params_all_set(guide: ParsedGuide) -> None:
    queries, params = guide.queries(), guide.params()
    assert set(queries) == COMPARED | RUN_ONLY
    used = {name for text in queries.values() for name in re.findall(r"\$(\w+)", text)}
    assert used <= set(params), f"queries use parameters the guide never sets: {used - set(params)}"
    assert set(params) <= used, f"the guide sets parameters no query uses: {set(params) - used}"
    commands = [b.text for b in guide.blocks if "data-query" not in b.attrs and not b.text.startswith(":param")]
    assert commands == [f":style {build.API_BASE}/browser/style.grass"]


def test_guide_names_only_the_ontologys_labels_and_types(schema: Schema, guide: ParsedGuide) -> None:
    for text in guide.queries().values():
        build.check_names(text, schema)
    with pytest.raises(KeyError, match="Curriculum"):
        build.check_names("MATCH (c:Curriculum) RETURN c", schema)
    with pytest.raises(KeyError, match="TEACHES_AT"):
        build.check_names("MATCH (t)-[:TEACHES_AT]->(s) RETURN s", schema)


def test_guide_lists_every_class_and_relationship_type_with_its_zh_name(schema: Schema) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for cls in schema.classes.values():
        assert f"<td><code>{cls.name}</code></td><td>{cls.label_zh}</td>" in text
    for rel in schema.relationships.values():
        assert f"<td><code>{rel.name}</code></td><td>{rel.label_zh}</td>" in text


def test_style_names_every_class_with_a_distinct_colour_and_every_type(schema: Schema) -> None:
    rules = parse_grass(STYLE.read_text(encoding="utf-8"))
    assert set(rules) == {"node", "relationship"} | {f"node.{c}" for c in schema.classes} | {
        f"relationship.{r}" for r in schema.relationships
    }
    colours = [rules[f"node.{c}"]["color"] for c in schema.classes]
    assert len(set(colours)) == len(colours) == len(schema.classes)
    for name in schema.classes:
        rule = rules[f"node.{name}"]
        assert rule["caption"] == "{name_zh}"
        assert re.fullmatch(r"#[0-9A-F]{6}", rule["color"]) and re.fullmatch(r"#[0-9A-F]{6}", rule["border-color"])
        assert rule["text-color-internal"] in {"#FFFFFF", "#2A2C34"}
    assert rules["relationship.REQUIRES"]["caption"] == "<type> {level}"
    assert rules["relationship.HAS_TASK"]["caption"] == "<type>"


def test_style_captions_fall_back_to_id_for_a_class_without_name_zh(schema: Schema) -> None:
    from dataclasses import replace

    course = schema.classes["Course"]
    bare = replace(course, properties={k: v for k, v in course.properties.items() if k != "name_zh"})
    rules = parse_grass(build.style_grass(replace(schema, classes={**schema.classes, "Course": bare})))
    assert rules["node.Course"]["caption"] == "{id}"


def test_label_colours_stay_distinct_beyond_the_palette() -> None:
    names = [f"L{i}" for i in range(40)]
    assert len(set(build.label_colours(names).values())) == 40


# ---------------------------------------------------------------- the routes


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from graph.embedded import EmbeddedStore
    from ontology.schema import load_schema

    store = EmbeddedStore(tmp_path_factory.mktemp("browser") / "g.db", load_schema())
    yield TestClient(create_app(service=Chanjiao(store)))
    store.close()


@pytest.mark.parametrize(
    ("path", "media_type", "source"),
    [("/browser/guide.html", "text/html", GUIDE), ("/browser/style.grass", "text/plain", STYLE)],
)
def test_routes_serve_the_files_cross_origin(client: TestClient, path: str, media_type: str, source: Path) -> None:
    origin = "http://127.0.0.1:7474"
    response = client.get(path, headers={"Origin": origin, "Pragma": "no-cache", "Cache-Control": "no-cache"})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.content == source.read_bytes()
    assert response.headers["access-control-allow-origin"] in {"*", origin}
    # The Browser fetches guides with Pragma and Cache-Control, which are not CORS-safelisted: a preflight first.
    preflight = client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "cache-control,pragma",
        },
    )
    assert preflight.status_code in {200, 204}
    assert preflight.headers["access-control-allow-origin"] in {"*", origin}
    assert "GET" in preflight.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"cache-control", "pragma"} <= allowed


def test_guide_preflight_passes_when_cors_origins_name_only_a_front_end(tmp_path: Path) -> None:
    """The origins a deployment lists for its front end do not include the Browser's, yet ``:guide`` works;
    the rest of the API still answers only the listed origins."""
    from graph.embedded import EmbeddedStore
    from graph.settings import Settings
    from ontology.schema import load_schema

    browser_origin = "http://127.0.0.1:7474"
    store = EmbeddedStore(tmp_path / "g.db", load_schema())
    settings = Settings(store=str(tmp_path / "g.db"), cors_origins=["https://curriculum.example.edu"])
    ask = {"Origin": browser_origin, "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(settings=settings, service=Chanjiao(store, settings))) as client:
        preflight = client.options(
            "/browser/guide.html", headers={**ask, "Access-Control-Request-Headers": "cache-control,pragma"}
        )
        fetched = client.get("/browser/guide.html", headers={"Origin": browser_origin})
        api_preflight = client.options("/stats", headers=ask)
        api_read = client.get("/health", headers={"Origin": browser_origin})
    store.close()
    assert preflight.status_code in {200, 204}, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert fetched.headers["access-control-allow-origin"] == "*"
    assert api_preflight.status_code == 400
    assert "access-control-allow-origin" not in api_preflight.headers
    assert "access-control-allow-origin" not in api_read.headers


def test_routes_need_no_api_key(tmp_path: Path) -> None:
    from graph.embedded import EmbeddedStore
    from graph.settings import Settings
    from ontology.schema import load_schema

    store = EmbeddedStore(tmp_path / "g.db", load_schema())
    settings = Settings(store=str(tmp_path / "g.db"), read_requires_key=True, api_keys=["k:" + "0" * 64])
    with TestClient(create_app(settings=settings, service=Chanjiao(store, settings))) as client:
        assert client.get("/browser/guide.html").status_code == 200  # the Browser cannot send a key
        assert client.get("/stats").status_code == 401
    store.close()


def test_a_missing_file_is_a_404_problem(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: TestClient) -> None:
    monkeypatch.setattr(browser, "ASSETS", tmp_path)
    response = client.get("/browser/style.grass")
    assert response.status_code == 404 and response.json()["detail"] == "style.grass is not installed with this API"


# ---------------------------------------------------------------- neo4j.sh allows the guide's host


def test_neo4j_sh_allows_the_api_host_in_the_browser() -> None:
    script = NEO4J_SH.read_text(encoding="utf-8")
    conf = script.split('cat >"$CONF_DIR/neo4j.conf" <<EOF', 1)[1].split("\nEOF", 1)[0]
    line = next(x for x in conf.splitlines() if x.startswith("browser.remote_content_hostname"))
    key, value = line.split("=", 1)
    # 5.26 only knows the old name (strict config validation would refuse the server start on any other)
    assert key == "browser.remote_content_hostname_whitelist"
    assert "127.0.0.1" in value.split(",") and "localhost" in value.split(",")


@pytest.mark.neo4j
def test_the_running_neo4j_allows_the_api_host(neo4j_driver) -> None:
    with neo4j_driver.session(database="neo4j") as session:
        config = {r["name"]: r["value"] for r in session.run("CALL dbms.listConfig() YIELD name, value")}
    if config.get("db.tx_log.preallocate") != "false":  # scripts/neo4j.sh sets it: another server is running
        unavailable("the Neo4j under test was not started by scripts/neo4j.sh")
    allowed = config["browser.remote_content_hostname_whitelist"]
    assert "127.0.0.1" in allowed.split(","), f"{allowed!r}: a server started before neo4j.sh allowed it? restart it"
    # The Browser itself reads it through dbms.clientConfig() on the system database.
    with neo4j_driver.session(database="system") as session:
        client = {r["name"]: r["value"] for r in session.run("CALL dbms.clientConfig()")}
    assert "127.0.0.1" in client["browser.remote_content_hostname_whitelist"].split(",")


# ---------------------------------------------------------------- the key test: the guide's answers are the API's


def edge_cases() -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Additions to the demo that exercise the rules the demo leaves untouched."""

    def comp(i: str, **props: Any) -> NodeRecord:
        return NodeRecord("Competency", i, {"name_zh": i, "dimension": "professional", "kind": "skill", **props})

    nodes = [
        comp("comp:EDGE-A"),
        comp("comp:EDGE-B"),
        comp("comp:EDGE-C"),
        comp("comp:EDGE-D", dimension="social"),
        NodeRecord("Course", "course:EDGE-NS", {"name_zh": "无学期课程", "category": "professional_foundation"}),
        NodeRecord("LearningTask", "lt:EDGE-LONE", {"name_zh": "不属于任何课程的学习任务"}),
        NodeRecord("LearningTask", "lt:EDGE-303", {"name_zh": "不标等级的学习任务"}),
        NodeRecord("TypicalWorkTask", "task:EDGE-T", {"name_zh": "无序号任务"}),
    ]
    E = EdgeRecord
    edges = [
        # P-13 ≡ EDGE-B ≡ EDGE-A, written in both directions: IR-301 covers P-13 through a two-step chain
        E("DEVELOPS", "course:IR-301", "comp:EDGE-A", {"level": 3}),
        E("EXACT_MATCH", "comp:EDGE-A", "comp:EDGE-B"),
        E("EXACT_MATCH", "comp:P-13", "comp:EDGE-B"),
        # CLOSE_MATCH is not followed: P-14 stays missing
        E("CLOSE_MATCH", "comp:P-14", "comp:EDGE-C"),
        E("DEVELOPS", "course:IR-302", "comp:EDGE-C", {"level": 3}),
        # own development below the match: the map cell keeps the course's own level
        E("DEVELOPS", "course:IR-301", "comp:P-04", {"level": 1}),
        # no semester anywhere, develops nothing: an orphan, ordered first
        E("INCLUDES", "program:IRAM", "course:EDGE-NS", {"required": False}),
        # a learning task of no course is a candidate by itself
        E("DEVELOPS", "lt:EDGE-LONE", "comp:P-20", {"level": 3}),
        # a level-agnostic development covers any level; its task is then taught
        E("HAS_LEARNING_TASK", "course:IR-303", "lt:EDGE-303"),
        E("DEVELOPS", "lt:EDGE-303", "comp:P-07"),
        E("DERIVED_FROM", "lt:EDGE-303", "task:IRO-07"),
        # a task with no order; a requirement with no importance; an employer that NEEDS it but hires for others
        E("HAS_TASK", "csco:6-31-07-03", "task:EDGE-T"),
        E("REQUIRES", "task:EDGE-T", "comp:EDGE-D", {"level": 3, "essential": True}),
        E("REQUIRES", "csco:6-31-01-03", "comp:EDGE-D", {"level": 2}),
        E("NEEDS", "emp:WX-LANXIN", "comp:EDGE-D", {"level": 3}),
        E("NEEDS", "emp:SZ-HENGCHUAN", "comp:EDGE-D", {"level": 2}),
    ]
    return nodes, edges


@pytest.fixture(scope="module", params=["demo", "demo + edge cases"])
def graph(request: pytest.FixtureRequest, neo4j_driver, neo4j_schema_applied, schema: Schema) -> Chanjiao:
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore(neo4j_driver, schema, batch_size=500)
    store.clear()
    service = Chanjiao(store)
    load(service, read_workbook(DEMO_PATH, schema), source="demo")
    if request.param != "demo":
        service.upsert(*edge_cases(), source="edge-cases")
    return service


@pytest.fixture(scope="module")
def guide_params(neo4j_driver, guide: ParsedGuide) -> dict[str, Any]:
    """The guide's :param values, evaluated the way the Browser does: ``RETURN <expression>`` on the server."""
    with neo4j_driver.session(database="neo4j") as session:
        evaluate = lambda expr: session.run(f"RETURN {expr} AS value").single(strict=True)["value"]  # noqa: E731
        return {name: evaluate(expr) for name, expr in guide.params().items()}


def run(service: Chanjiao, cypher: str, params: dict[str, Any]) -> list[Any]:
    store = service.store
    with store.driver.session(database=store.database) as session:  # type: ignore[attr-defined]
        return session.execute_read(lambda tx: list(tx.run(cypher, params)))


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12))


def check_coverage(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    answer = service.questions.coverage(p["program"], p["occupation"], p["level"])
    expected = [(c.competency, c.status, c.required_level, c.developed_level, c.tasks) for c in answer.competencies]
    got = [(r["competency"], r["status"], r["required_level"], r["developed_level"], r["tasks"]) for r in rows]
    assert got == expected
    assert [r["dimension"] for r in rows] == [c.dimension for c in answer.competencies]


def check_coverage_totals(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    answer = service.questions.coverage(p["program"], p["occupation"], p["level"])
    expected = [(d, t) for d, t in answer.by_dimension.items()] + [(None, answer.overall)]
    assert [r["dimension"] for r in rows] == [d for d, _ in expected]
    for row, (_, tally) in zip(rows, expected, strict=True):
        assert (row["total"], row["covered"], row["under_level"], row["missing"]) == tally.as_tuple()[:4]
        assert close(row["ratio"], tally.ratio)


def check_gaps(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    answer = service.questions.gaps(p["program"], p["occupation"], p["level"])
    fields = ("rank", "competency", "status", "required_level", "developed_level", "tasks", "importance", "demand")
    expected = [
        (*(getattr(g, f) for f in fields), len(g.tasks), sorted({c.course or c.learning_task for c in g.candidates}))
        for g in answer.gaps
    ]
    got = [(*(r[f] for f in fields), r["task_count"], r["candidates"]) for r in rows]
    assert got == expected


def check_curriculum_map(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    answer = service.questions.curriculum_map(p["program"], p["occupation"], p["level"])
    required = {c.competency: c.required for c in answer.columns}
    expected = [
        (c.course, c.competency, c.level, c.learning_tasks, c.via, required[c.competency]) for c in answer.cells
    ]
    got = [(r["course"], r["competency"], r["level"], r["learning_tasks"], r["via"], r["required"]) for r in rows]
    assert got == expected
    semesters = {row.course: row.semester for row in answer.rows}
    assert all(r["semester"] == semesters[r["course"]] for r in rows)


def check_orphans(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    answer = service.questions.orphans(p["program"], p["occupation"], p["level"])
    expected = [(o.course, o.develops, o.required) for o in answer.orphan_courses]
    assert [(r["course"], r["develops"], r["required"]) for r in rows] == expected


def check_untaught_tasks(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    answer = service.questions.orphans(p["program"], p["occupation"], p["level"])
    assert [(r["task"], r["order"]) for r in rows] == [(t.task, t.order) for t in answer.untaught_tasks]


def check_demand(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    answer = service.questions.demand(region=p["region"])
    expected = {o.occupation: (o.headcount, o.employers, o.level) for o in answer.occupations}
    top = max(service.schema.level_labels())
    got = {
        r["occupation"]: (r["headcount"], {e["employer"]: e["headcount"] for e in r["employers"]}, r["level"] or top)
        for r in rows
    }
    assert got == expected
    assert [r["occupation"] for r in rows] == sorted(expected, key=lambda o: (-expected[o][0], o))


def check_labels(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    counts = {k: v for k, v in service.stats()["nodes"].items() if v}
    assert {r["label"]: r["nodes"] for r in rows} == counts
    assert all(r["name_zh"] == service.schema.classes[r["label"]].label_zh for r in rows)


def check_relationship_types(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    counts = {k: v for k, v in service.stats()["relationships"].items() if v}
    assert {r["type"]: r["relationships"] for r in rows} == counts
    assert all(r["name_zh"] == service.schema.relationships[r["type"]].label_zh for r in rows)


def check_occupation_tasks(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    requirements = service.questions.read(lambda reader: reader.requirements([p["occupation"]]))
    tasks = service.questions.read(lambda reader: reader.tasks([p["occupation"]]))
    assert {r["t"]["id"] for r in rows} == {t.task for t in tasks}
    expected = {(x.task, x.competency) for x in requirements if x.task and (x.level is None or x.level <= p["level"])}
    assert {(r["t"]["id"], r["c"]["id"]) for r in rows if r["c"] is not None} == expected


def check_course_neighbourhood(rows: list[Any], service: Chanjiao, p: dict[str, Any]) -> None:
    course = p["course"]
    edges = service.store.adjacent([course])
    expected = {(e.type, e.target if e.source == course else e.source) for e in edges}
    assert {(r["r"].type, r["n"]["id"]) for r in rows} == expected
    assert expected


CHECKS: dict[str, Callable[[list[Any], Chanjiao, dict[str, Any]], None]] = {
    "coverage": check_coverage,
    "coverage_totals": check_coverage_totals,
    "gaps": check_gaps,
    "curriculum_map": check_curriculum_map,
    "orphans": check_orphans,
    "untaught_tasks": check_untaught_tasks,
    "demand": check_demand,
    "labels": check_labels,
    "relationship_types": check_relationship_types,
    "occupation_tasks": check_occupation_tasks,
    "course_neighbourhood": check_course_neighbourhood,
}


def test_every_compared_query_has_a_check() -> None:
    assert set(CHECKS) == COMPARED


@pytest.mark.neo4j
@pytest.mark.parametrize("name", sorted(COMPARED))
@pytest.mark.parametrize("params_name", ["the guide's own", *OTHER_PARAMS])
def test_guide_query_gives_the_engines_answer(
    name: str, params_name: str, graph: Chanjiao, guide: ParsedGuide, guide_params: dict[str, Any]
) -> None:
    params = guide_params if params_name == "the guide's own" else OTHER_PARAMS[params_name]
    rows = run(graph, guide.queries()[name], params)
    CHECKS[name](rows, graph, params)


@pytest.mark.neo4j
def test_guide_params_are_the_demos_and_answer_as_documented(
    graph: Chanjiao, guide: ParsedGuide, guide_params: dict[str, Any]
) -> None:
    assert guide_params == {
        "program": "program:IRAM",
        "occupation": "csco:6-31-07-03",
        "level": 3,
        "region": "region:320500",
        "course": "course:IR-301",
    }
    assert type(guide_params["level"]) is int  # `=>` is evaluated by Neo4j: an integer, not a float
    rows = run(graph, guide.queries()["coverage_totals"], guide_params)
    if graph.questions.coverage("program:IRAM", "csco:6-31-07-03", 3).overall.total == 34:  # the plain demo
        assert (rows[-1]["total"], rows[-1]["covered"], rows[-1]["under_level"], rows[-1]["missing"]) == (34, 23, 5, 6)


@pytest.mark.neo4j
def test_queries_that_are_only_run_run(graph: Chanjiao, guide: ParsedGuide, guide_params: dict[str, Any]) -> None:
    for name in RUN_ONLY:
        rows = run(graph, guide.queries()[name], guide_params)
        assert len(rows) == 1 and rows[0]["nodes"]


@pytest.mark.neo4j
def test_edge_cases_reach_the_rules(graph: Chanjiao) -> None:
    """The edge cases do what they are for (so the comparisons above exercise them)."""
    coverage = graph.questions.coverage("program:IRAM", "csco:6-31-07-03", 3)
    if "comp:EDGE-D" not in {c.competency for c in coverage.competencies}:
        pytest.skip("plain demo")
    assert coverage.get("comp:P-13").status == "covered"  # two EXACT_MATCH steps, both directions
    assert coverage.get("comp:P-14").status == "missing"  # CLOSE_MATCH not followed
    assert coverage.get("comp:P-07").status == "covered"  # level-agnostic development
    gaps = {g.competency: g for g in graph.questions.gaps("program:IRAM", "csco:6-31-07-03", 3).gaps}
    assert gaps["comp:EDGE-D"].importance is None
    assert any(c.learning_task == "lt:EDGE-LONE" and c.course is None for c in gaps["comp:P-20"].candidates)
    orphans = graph.questions.orphans("program:IRAM", "csco:6-31-07-03", 3)
    assert orphans.orphan_courses[0].course == "course:EDGE-NS"
    assert orphans.untaught_tasks[0].task == "task:EDGE-T"
    cells = {
        (c.course, c.competency): c for c in graph.questions.curriculum_map("program:IRAM", "csco:6-31-07-03", 3).cells
    }
    assert cells[("course:IR-301", "comp:P-04")].level == 1 and cells[("course:IR-301", "comp:P-13")].via == [
        "comp:EDGE-A"
    ]
