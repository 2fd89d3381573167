"""The store contract: every store answers these the same way.

Each test runs once per store (see ``tests/conftest.py``) on a tiny graph whose
answers are worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from graph.errors import InvalidInputError, NotFoundError, ValidationError
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from graph.store import (
    DemandRow,
    Developers,
    DevelopsRow,
    GraphStore,
    IncludesRow,
    MatchRow,
    NeedRow,
    SupportRow,
    Wanted,
)

OCC = NodeRecord(
    "Occupation",
    "csco:6-31-07-03",
    {"name_zh": "工业机器人系统操作员", "name_en": "Industrial robot system operator", "csco_code": "6-31-07-03"},
)
TASK = NodeRecord(
    "TypicalWorkTask", "task:T1", {"name_zh": "工业机器人示教编程", "order": "1", "origin": "classification"}
)
SKILL = NodeRecord(
    "Competency",
    "comp:P1",
    {"name_zh": "示教器操作", "name_en": "Teach pendant operation", "dimension": "professional", "kind": "skill"},
)
SAFETY = NodeRecord(
    "Competency",
    "comp:Q1",
    {
        "name_zh": "安全生产意识",
        "name_en": "Safety awareness",
        "dimension": "quality",
        "kind": "attitude",
        "alt_labels": ["安全意识", "safety first"],
    },
)
COURSE = NodeRecord(
    "Course",
    "course:IR-101",
    {"name_zh": "工业机器人基本操作", "name_en": "Basic robot operation", "category": "integrated", "hours": 96},
)
EMPLOYER = NodeRecord("Employer", "emp:A", {"name_zh": "苏州某自动化公司"})

NODES = [OCC, TASK, SKILL, SAFETY, COURSE, EMPLOYER]
EDGES = [
    EdgeRecord("HAS_TASK", "csco:6-31-07-03", "task:T1"),
    EdgeRecord("REQUIRES", "task:T1", "comp:P1", {"level": 3, "importance": 4.5, "essential": True}),
    EdgeRecord("REQUIRES", "csco:6-31-07-03", "comp:Q1", {"level": "2"}),
    EdgeRecord("DEVELOPS", "course:IR-101", "comp:P1", {"level": 2}),
    EdgeRecord("DEMANDS", "emp:A", "csco:6-31-07-03", {"headcount": 12, "year": 2025}),
    EdgeRecord("DEMANDS", "emp:A", "csco:6-31-07-03", {"headcount": 20, "year": 2026}),
]


@pytest.fixture
def small(service: Chanjiao) -> Chanjiao:
    service.upsert(NODES, EDGES, source="contract")
    return service


def snapshot(store: GraphStore) -> tuple[dict[str, int], dict[str, int], dict[str, dict], list[tuple]]:
    """Everything in a small store: counts, every node's properties, every edge."""
    labels, types = store.counts()
    nodes = {}
    for label in store.schema.classes:
        page, _ = store.list_nodes(label, 0, 1000)
        nodes.update({n.id: (n.label, n.props) for n in page})
    edges = sorted((e.source, e.type, e.target, sorted(e.props.items())) for e in store.adjacent(list(nodes)))
    return labels, types, nodes, edges


class TestUpsert:
    def test_counts(self, small: Chanjiao) -> None:
        stats = small.stats()
        assert stats["total_nodes"] == 6
        assert stats["relationships"]["DEMANDS"] == 2  # keyed by year: two years, two relationships
        assert stats["relationships"]["REQUIRES"] == 2
        assert stats["total_relationships"] == 6

    def test_values_are_typed_and_sourced(self, small: Chanjiao) -> None:
        task = small.get("task:T1")
        assert task.props["order"] == 1
        assert task.props["source"] == "contract"
        requires = [e for e in small.store.adjacent(["csco:6-31-07-03"]) if e.type == "REQUIRES"]
        assert requires[0].props == {"level": 2, "source": "contract"}

    def test_same_items_twice_change_nothing(self, small: Chanjiao) -> None:
        before = snapshot(small.store)
        summary = small.upsert(NODES, EDGES, source="contract")
        assert summary.as_dict() == {
            "nodes_created": 0,
            "nodes_updated": 0,
            "nodes_unchanged": 6,
            "edges_created": 0,
            "edges_updated": 0,
            "edges_unchanged": 6,
        }
        assert snapshot(small.store) == before

    def test_update_sets_given_properties_and_keeps_others(self, small: Chanjiao) -> None:
        summary = small.upsert(
            [NodeRecord("Course", "course:IR-101", {"hours": 120})],
            [EdgeRecord("DEMANDS", "emp:A", "csco:6-31-07-03", {"headcount": 25, "year": 2026})],
        )
        assert (summary.nodes_updated, summary.edges_updated) == (1, 1)
        course = small.get("course:IR-101")
        assert course.props["hours"] == 120
        assert course.props["name_zh"] == "工业机器人基本操作"
        demands = sorted(
            (e.props["year"], e.props["headcount"]) for e in small.store.adjacent(["emp:A"]) if e.type == "DEMANDS"
        )
        assert demands == [(2025, 12), (2026, 25)]

    def test_edge_to_a_node_already_in_the_graph(self, small: Chanjiao) -> None:
        summary = small.upsert([], [EdgeRecord("DEVELOPS", "course:IR-101", "comp:Q1", {"level": 1})])
        assert summary.edges_created == 1


class TestReads:
    def test_get_by_id(self, small: Chanjiao) -> None:
        node = small.get("csco:6-31-07-03")
        assert node.label == "Occupation"
        assert node.props["name_zh"] == "工业机器人系统操作员"

    def test_get_with_wrong_class_or_unknown_id(self, small: Chanjiao) -> None:
        with pytest.raises(NotFoundError, match="no Course 'csco:6-31-07-03'"):
            small.get("csco:6-31-07-03", "Course")
        with pytest.raises(NotFoundError, match="nope"):
            small.get("nope")

    def test_list_is_ordered_and_paged(self, small: Chanjiao) -> None:
        page, total = small.list("Competency", 0, 1)
        assert total == 2
        assert [n.id for n in page] == ["comp:P1"]
        page, _ = small.list("Competency", 1, 10)
        assert [n.id for n in page] == ["comp:Q1"]

    def test_list_orders_ids_by_code_point(self, small: Chanjiao) -> None:
        # Python's order. Neo4j orders stored text so too, but text it holds as Java strings (parameters) by
        # UTF-16 code unit, where a character beyond the BMP comes before a fullwidth one.
        skill = {"dimension": "professional", "kind": "skill"}
        small.upsert([NodeRecord("Competency", "comp:（", skill), NodeRecord("Competency", "comp:𠀀", skill)], [])
        page, _ = small.list("Competency", 0, 10)
        assert [n.id for n in page] == ["comp:P1", "comp:Q1", "comp:（", "comp:𠀀"]

    def test_list_rejects_bad_paging(self, small: Chanjiao) -> None:
        with pytest.raises(InvalidInputError, match="limit must be between 1 and"):
            small.list("Course", 0, 0)
        with pytest.raises(NotFoundError, match="unknown class 'Courses'"):
            small.list("Courses")

    def test_neighbourhood_one_hop(self, small: Chanjiao) -> None:
        nodes, edges = small.neighbourhood("task:T1")
        assert [n.id for n in nodes] == ["task:T1", "comp:P1", "csco:6-31-07-03"]
        assert [(e.source, e.type, e.target) for e in edges] == [
            ("csco:6-31-07-03", "HAS_TASK", "task:T1"),
            ("task:T1", "REQUIRES", "comp:P1"),
        ]

    def test_neighbourhood_two_hops_with_limit(self, small: Chanjiao) -> None:
        nodes, edges = small.neighbourhood("task:T1", depth=2)
        assert [n.id for n in nodes] == ["task:T1", "comp:P1", "csco:6-31-07-03", "comp:Q1", "course:IR-101", "emp:A"]
        assert len(edges) == 6
        nodes, edges = small.neighbourhood("task:T1", depth=2, limit=4)
        assert [n.id for n in nodes] == ["task:T1", "comp:P1", "csco:6-31-07-03", "comp:Q1"]
        assert all(e.source in {n.id for n in nodes} and e.target in {n.id for n in nodes} for e in edges)

    def test_neighbours_are_the_other_ends_either_way(self, small: Chanjiao) -> None:
        assert small.store.neighbours(["task:T1"], [], 10) == ["comp:P1", "csco:6-31-07-03"]
        assert small.store.neighbours(["csco:6-31-07-03", "nope"], [], 10) == ["comp:Q1", "emp:A", "task:T1"]
        assert small.store.neighbours(["csco:6-31-07-03", "task:T1"], ["comp:Q1", "task:T1"], 2) == [
            "comp:P1",
            "csco:6-31-07-03",
        ]
        assert small.store.neighbours([], [], 10) == small.store.neighbours(["task:T1"], [], 0) == []

    def test_edges_among_are_those_with_both_ends_given(self, small: Chanjiao) -> None:
        edges = small.store.edges_among(["csco:6-31-07-03", "emp:A", "task:T1", "task:T1"])
        assert sorted((e.source, e.type, e.target, e.props.get("year")) for e in edges) == [
            ("csco:6-31-07-03", "HAS_TASK", "task:T1", None),
            ("emp:A", "DEMANDS", "csco:6-31-07-03", 2025),
            ("emp:A", "DEMANDS", "csco:6-31-07-03", 2026),
        ]
        assert small.store.edges_among(["comp:P1", "nope"]) == []

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("机器人", "csco:6-31-07-03"),
            ("示教器", "comp:P1"),
            ("robot operation", "course:IR-101"),
            ("Safety", "comp:Q1"),
            ("安全意识", "comp:Q1"),  # an alternative label
            ("teach pendant", "comp:P1"),
        ],
    )
    def test_search_zh_and_en(self, small: Chanjiao, text: str, expected: str) -> None:
        hits = small.search(text)
        assert expected in [n.id for n, _ in hits[:3]]

    def test_search_within_classes(self, small: Chanjiao) -> None:
        hits = small.search("机器人", ["Course"])
        assert [n.id for n, _ in hits] == ["course:IR-101"]

    def test_search_text_that_is_all_syntax_finds_nothing(self, small: Chanjiao) -> None:
        assert small.search('"*?:\\') == []

    def test_nodes_a_question_reads_follow_every_write(self, small: Chanjiao) -> None:
        """The embedded store keeps the nodes questions read (``graph.derived``), an unknown id as unknown too: an
        update, a node that was unknown when asked, a rollback and a clear must reach the next read."""

        def nodes() -> dict[str, tuple[str, dict]]:
            found = small.store.read(lambda r: r.nodes(["course:IR-101", "course:NEW", "course:IR-101"]))
            return {i: (n.label, n.props) for i, n in found.items()}

        assert nodes() == {"course:IR-101": ("Course", {**COURSE.props, "source": "contract"})}
        changed = small.upsert(
            [
                NodeRecord("Course", "course:IR-101", {"hours": 120}),
                NodeRecord("Course", "course:NEW", {"name_zh": "新课程", "category": "integrated"}),
            ],
            [],
            source="more",
        )
        assert nodes() == {
            "course:IR-101": ("Course", {**COURSE.props, "hours": 120, "source": "more"}),
            "course:NEW": ("Course", {"name_zh": "新课程", "category": "integrated", "source": "more"}),
        }
        assert changed.load_id is not None
        small.rollback(changed.load_id)
        assert nodes() == {"course:IR-101": ("Course", {**COURSE.props, "source": "contract"})}
        small.store.clear()
        assert nodes() == {}

    def test_requirements_a_question_reads_follow_every_write(self, small: Chanjiao) -> None:
        """The embedded store keeps each occupation's REQUIRES rows (``graph.derived``): a changed level, a new
        requirement of one of its tasks, a rollback and a clear must reach the next read."""

        def requirements() -> list[tuple]:
            rows = small.store.read(lambda r: r.requirements(["csco:6-31-07-03"]))
            return sorted((r.task or "", r.competency, r.level) for r in rows)

        assert requirements() == [("", "comp:Q1", 2), ("task:T1", "comp:P1", 3)]
        changed = small.upsert(
            [],
            [
                EdgeRecord("REQUIRES", "csco:6-31-07-03", "comp:Q1", {"level": 4}),
                EdgeRecord("REQUIRES", "task:T1", "comp:Q1", {"level": 1}),
            ],
            source="more",
        )
        assert requirements() == [("", "comp:Q1", 4), ("task:T1", "comp:P1", 3), ("task:T1", "comp:Q1", 1)]
        assert changed.load_id is not None
        small.rollback(changed.load_id)
        assert requirements() == [("", "comp:Q1", 2), ("task:T1", "comp:P1", 3)]
        small.store.clear()
        assert requirements() == []

    def test_what_a_course_develops_follows_every_write(self, small: Chanjiao) -> None:
        """The embedded store keeps each course's DEVELOPS rows, its own and its learning tasks' (``graph.derived``):
        a changed level, a new learning task developing something, a rollback and a clear must reach the next read."""

        def develops() -> list[tuple]:
            rows = small.store.read(lambda r: r.develops(courses=["course:IR-101"]))
            return sorted((r.learning_task or "", r.competency, r.level) for r in rows)

        assert develops() == [("", "comp:P1", 2)]
        changed = small.upsert(
            [NodeRecord("LearningTask", "lt:IR-101-1", {"name_zh": "示教编程"})],
            [
                EdgeRecord("DEVELOPS", "course:IR-101", "comp:P1", {"level": 4}),
                EdgeRecord("HAS_LEARNING_TASK", "course:IR-101", "lt:IR-101-1"),
                EdgeRecord("DEVELOPS", "lt:IR-101-1", "comp:Q1", {"level": 1}),
            ],
            source="more",
        )
        assert develops() == [("", "comp:P1", 4), ("lt:IR-101-1", "comp:Q1", 1)]
        assert changed.load_id is not None
        small.rollback(changed.load_id)
        assert develops() == [("", "comp:P1", 2)]
        small.store.clear()
        assert develops() == []


class TestDevelopers:
    """``GraphReader.developers``: the best developers of a competency, chosen and counted by the store."""

    @pytest.fixture
    def reader_of(self, service: Chanjiao) -> Callable[..., dict[str, Developers]]:
        skill = {"dimension": "professional", "kind": "skill"}
        courses = ["course:in", "course:A", "course:B", "course:（1", "course:𠀀1", "course:low", "course:M"]
        service.upsert(
            [
                *(NodeRecord("Competency", c, skill) for c in ("comp:W", "comp:W2", "comp:Z")),
                *(NodeRecord("Course", c, {"category": "integrated"}) for c in courses),
                NodeRecord("LearningTask", "lt:1", {"name_zh": "两门课的学习任务"}),
                NodeRecord("LearningTask", "lt:free", {"name_zh": "不属于课程的学习任务"}),
            ],
            [
                EdgeRecord("HAS_LEARNING_TASK", "course:A", "lt:1"),
                EdgeRecord("HAS_LEARNING_TASK", "course:in", "lt:1"),
                EdgeRecord("DEVELOPS", "course:in", "comp:W", {"level": 5}),
                EdgeRecord("DEVELOPS", "lt:1", "comp:W", {"level": 5}),
                EdgeRecord("DEVELOPS", "course:（1", "comp:W", {"level": 4}),
                EdgeRecord("DEVELOPS", "course:𠀀1", "comp:W", {"level": 4}),
                EdgeRecord("DEVELOPS", "course:A", "comp:W", {"level": 3}),
                EdgeRecord("DEVELOPS", "lt:free", "comp:W", {"level": 3}),
                EdgeRecord("DEVELOPS", "course:low", "comp:W", {"level": 1}),
                EdgeRecord("DEVELOPS", "course:B", "comp:W"),
                EdgeRecord("DEVELOPS", "course:M", "comp:W2", {"level": 5}),
            ],
            source="developers",
        )

        def read(wanted: list[Wanted], limit: int = 10) -> dict[str, Developers]:
            return service.store.read(lambda r: r.developers(wanted, ["course:in"], limit))

        return read

    def test_order_level_and_outside(self, reader_of: Callable[..., dict[str, Developers]]) -> None:
        # comp:nope does not exist and course:A is no competency: both are skipped.
        found = reader_of([Wanted("comp:W", ("comp:W", "comp:W2", "comp:nope", "course:A"), 3)])
        assert found["comp:W"] == Developers(
            [
                # W itself: the higher level first; course:in (and lt:1 as its task) is outside.
                DevelopsRow("course:A", "lt:1", "comp:W", 5),
                DevelopsRow("course:（1", None, "comp:W", 4),  # by code point, on Neo4j as well
                DevelopsRow("course:𠀀1", None, "comp:W", 4),
                DevelopsRow(None, "lt:free", "comp:W", 3),  # no course: first, and never outside
                DevelopsRow("course:A", None, "comp:W", 3),
                DevelopsRow("course:B", None, "comp:W", None),  # level-agnostic: satisfies, after any level
                # then the match; course:low (level 1) does not reach 3.
                DevelopsRow("course:M", None, "comp:W2", 5),
            ],
            7,
        )

    def test_cut_and_count_per_competency(self, reader_of: Callable[..., dict[str, Developers]]) -> None:
        found = reader_of(
            [Wanted("comp:W2", ("comp:W2", "comp:W"), None), Wanted("comp:Z", ("comp:Z",), 2), Wanted("comp:Y", (), 1)],
            limit=3,
        )
        assert found == {
            "comp:W2": Developers(
                [
                    DevelopsRow("course:M", None, "comp:W2", 5),
                    DevelopsRow("course:A", "lt:1", "comp:W", 5),
                    DevelopsRow("course:（1", None, "comp:W", 4),
                ],
                8,  # with course:low, any level being wanted
            ),
            "comp:Z": Developers([], 0),
            "comp:Y": Developers([], 0),
        }
        assert reader_of([Wanted("comp:W", ("comp:W",), 3)], limit=0) == {"comp:W": Developers([], 6)}
        assert reader_of([]) == {}

    def test_writes_are_seen(self, service: Chanjiao, reader_of: Callable[..., dict[str, Developers]]) -> None:
        """The embedded store keeps each competency's developers sorted between questions: every write
        (a new developer, a learning task moved into the program, a rollback, a clear) must reach the next."""
        wanted = [Wanted("comp:W", ("comp:W", "comp:W2"), 3)]
        assert reader_of(wanted, limit=2) == {
            "comp:W": Developers(
                [DevelopsRow("course:A", "lt:1", "comp:W", 5), DevelopsRow("course:（1", None, "comp:W", 4)], 7
            )
        }
        added = service.upsert(
            [NodeRecord("Course", "course:new", {"category": "integrated"})],
            [
                EdgeRecord("DEVELOPS", "course:new", "comp:W", {"level": 5}),
                EdgeRecord("HAS_LEARNING_TASK", "course:in", "lt:free"),  # into the program: now outside
                EdgeRecord("DEVELOPS", "course:low", "comp:W2", {"level": 4}),  # a match's developer
            ],
            source="more",
        )
        assert reader_of(wanted, limit=2) == {
            "comp:W": Developers(
                [DevelopsRow("course:A", "lt:1", "comp:W", 5), DevelopsRow("course:new", None, "comp:W", 5)],
                8,  # course:new and course:low in, lt:free (level 3) out with the program
            )
        }
        assert reader_of([Wanted("comp:W2", ("comp:W2",), 4)]) == {
            "comp:W2": Developers(
                [DevelopsRow("course:M", None, "comp:W2", 5), DevelopsRow("course:low", None, "comp:W2", 4)], 2
            )
        }
        assert added.load_id is not None
        service.rollback(added.load_id)
        assert reader_of(wanted, limit=2)["comp:W"].count == 7
        service.store.clear()
        assert reader_of(wanted) == {"comp:W": Developers([], 0)}


class TestSupports:
    """``GraphReader.supports``: what a course, its learning tasks, or a learning task is taught with."""

    def test_courses_their_learning_tasks_and_learning_tasks(self, service: Chanjiao) -> None:
        service.upsert(
            [
                *(NodeRecord("Course", c, {"category": "integrated"}) for c in ("course:A", "course:B", "course:C")),
                *(NodeRecord("LearningTask", t, {"name_zh": t}) for t in ("lt:A1", "lt:shared", "lt:bare", "lt:free")),
                *(NodeRecord("Resource", r, {"type": "micro_video"}) for r in ("res:1", "res:2", "res:3", "res:4")),
                NodeRecord("Teacher", "teacher:T", {"name_zh": "王老师", "dual_qualified": True}),
            ],
            [
                EdgeRecord("HAS_LEARNING_TASK", "course:A", "lt:A1"),
                EdgeRecord("HAS_LEARNING_TASK", "course:A", "lt:shared"),
                EdgeRecord("HAS_LEARNING_TASK", "course:B", "lt:shared"),
                EdgeRecord("HAS_LEARNING_TASK", "course:B", "lt:bare"),
                EdgeRecord("SUPPORTS", "res:1", "course:A"),
                EdgeRecord("SUPPORTS", "res:2", "lt:A1"),
                EdgeRecord("SUPPORTS", "res:3", "lt:shared"),
                EdgeRecord("SUPPORTS", "res:4", "lt:free"),
                EdgeRecord("TEACHES", "teacher:T", "course:C"),  # delivery, not a resource
            ],
            source="supports",
        )

        def supports(courses: list[str], learning_tasks: list[str] = []) -> list[SupportRow]:  # noqa: B006
            return sorted(service.store.read(lambda r: r.supports(courses, learning_tasks)), key=repr)

        assert supports(["course:A", "course:B", "course:C"]) == sorted(
            [
                SupportRow("course:A", None, "res:1"),
                SupportRow("course:A", "lt:A1", "res:2"),
                SupportRow("course:A", "lt:shared", "res:3"),
                SupportRow("course:B", "lt:shared", "res:3"),  # once per course it belongs to
            ],
            key=repr,
        )
        # A learning task asked about itself, in a course or in none; lt:bare has no resource.
        assert supports([], ["lt:shared", "lt:free", "lt:bare"]) == sorted(
            [SupportRow(None, "lt:shared", "res:3"), SupportRow(None, "lt:free", "res:4")], key=repr
        )
        # Ids of the other class, unknown ones and a resource are not courses or learning tasks: nothing.
        assert supports(["lt:A1", "course:nope", "res:1"], ["course:A", "lt:nope"]) == []
        assert supports([]) == []

    def test_writes_are_seen(self, service: Chanjiao) -> None:
        """The embedded store keeps what supports each course and learning task between questions (``graph.derived``):
        every write (a resource, a learning task joining a course, a rollback, a clear) must reach the next."""
        service.upsert(
            [
                NodeRecord("Course", "course:A", {"category": "integrated"}),
                *(NodeRecord("LearningTask", t, {"name_zh": t}) for t in ("lt:A1", "lt:new")),
                *(NodeRecord("Resource", r, {"type": "micro_video"}) for r in ("res:1", "res:2", "res:3")),
            ],
            [EdgeRecord("HAS_LEARNING_TASK", "course:A", "lt:A1"), EdgeRecord("SUPPORTS", "res:1", "lt:A1")],
            source="supports",
        )

        def supports() -> list[SupportRow]:
            return sorted(service.store.read(lambda r: r.supports(["course:A"], ["lt:new"])), key=repr)

        assert supports() == [SupportRow("course:A", "lt:A1", "res:1")]
        added = service.upsert(
            [],
            [
                EdgeRecord("SUPPORTS", "res:2", "course:A"),
                EdgeRecord("HAS_LEARNING_TASK", "course:A", "lt:new"),
                EdgeRecord("SUPPORTS", "res:3", "lt:new"),
            ],
            source="more",
        )
        assert supports() == sorted(
            [
                SupportRow("course:A", None, "res:2"),
                SupportRow("course:A", "lt:A1", "res:1"),
                SupportRow("course:A", "lt:new", "res:3"),  # joined the course
                SupportRow(None, "lt:new", "res:3"),
            ],
            key=repr,
        )
        assert added.load_id is not None
        service.rollback(added.load_id)
        assert supports() == [SupportRow("course:A", "lt:A1", "res:1")]
        service.store.clear()
        assert supports() == []


class TestMatches:
    """``GraphReader.matches``: the competencies one match away, in either direction."""

    @pytest.fixture
    def matches(self, service: Chanjiao) -> Callable[..., list[MatchRow]]:
        skill = {"dimension": "professional", "kind": "skill"}
        service.upsert(
            [NodeRecord("Competency", c, skill) for c in ("comp:A", "comp:B", "comp:C", "comp:D")],
            [
                EdgeRecord("EXACT_MATCH", "comp:A", "comp:B"),
                EdgeRecord("EXACT_MATCH", "comp:C", "comp:A"),
                EdgeRecord("CLOSE_MATCH", "comp:A", "comp:D"),
            ],
            source="matches",
        )

        def read(competencies: list[str], kinds: tuple[str, ...] = ("EXACT_MATCH",)) -> list[MatchRow]:
            return sorted(service.store.read(lambda r: r.matches(competencies, kinds)))

        return read

    def test_either_direction_and_kind(self, matches: Callable[..., list[MatchRow]]) -> None:
        assert matches(["comp:A", "comp:nope"]) == [
            MatchRow("comp:A", "comp:B", "EXACT_MATCH"),
            MatchRow("comp:A", "comp:C", "EXACT_MATCH"),
        ]
        assert matches(["comp:B", "comp:D"], ("EXACT_MATCH", "CLOSE_MATCH")) == [
            MatchRow("comp:B", "comp:A", "EXACT_MATCH"),
            MatchRow("comp:D", "comp:A", "CLOSE_MATCH"),
        ]
        assert matches(["comp:D"]) == []

    def test_writes_are_seen(self, service: Chanjiao, matches: Callable[..., list[MatchRow]]) -> None:
        """The embedded store keeps each competency's matches between questions (``graph.derived``): every write
        (a new match, a rollback, a clear) must reach the next."""
        assert matches(["comp:D"]) == []
        added = service.upsert([], [EdgeRecord("EXACT_MATCH", "comp:D", "comp:B")], source="more")
        assert matches(["comp:D", "comp:B"]) == [
            MatchRow("comp:B", "comp:A", "EXACT_MATCH"),
            MatchRow("comp:B", "comp:D", "EXACT_MATCH"),
            MatchRow("comp:D", "comp:B", "EXACT_MATCH"),
        ]
        assert added.load_id is not None
        service.rollback(added.load_id)
        assert matches(["comp:D"]) == []
        service.store.clear()
        assert matches(["comp:A"]) == []


class TestPeopleAndPlaces:
    """``GraphReader.demands``, ``needs`` and ``includes(courses=…)``: read from the occupation, the competency and
    the course, and filtered by the employers' region and industry."""

    @pytest.fixture
    def read(self, service: Chanjiao) -> Callable[..., list]:
        skill = {"dimension": "professional", "kind": "skill"}
        service.upsert(
            [
                OCC,
                NodeRecord("Competency", "comp:A", skill),
                *(NodeRecord("Employer", e, {"name_zh": e}) for e in ("emp:E1", "emp:E2", "emp:E3")),
                NodeRecord("Region", "region:R1", {"name_zh": "地区1"}),
                NodeRecord("Industry", "ind:I1", {"name_zh": "行业1"}),
                *(NodeRecord("Program", p, {"name_zh": p}) for p in ("prog:P", "prog:Q")),
                *(NodeRecord("Course", c, {"category": "integrated"}) for c in ("course:C1", "course:C2")),
            ],
            [
                EdgeRecord("DEMANDS", "emp:E1", OCC.id, {"headcount": 10, "year": 2025, "level": 3}),
                EdgeRecord("DEMANDS", "emp:E2", OCC.id, {"headcount": 5, "year": 2026}),
                EdgeRecord("NEEDS", "emp:E1", "comp:A", {"level": 3}),
                EdgeRecord("NEEDS", "emp:E3", "comp:A"),
                EdgeRecord("IN_REGION", "emp:E1", "region:R1"),
                EdgeRecord("IN_REGION", "emp:E3", "region:R1"),
                EdgeRecord("IN_INDUSTRY", "emp:E1", "ind:I1"),
                EdgeRecord("INCLUDES", "prog:P", "course:C1", {"semester": 2, "required": True}),
                EdgeRecord("INCLUDES", "prog:Q", "course:C1"),
                EdgeRecord("INCLUDES", "prog:Q", "course:C2", {"semester": 1}),
            ],
            source="people",
        )

        def read(primitive: str, **kwargs: object) -> list:
            return sorted(service.store.read(lambda r: getattr(r, primitive)(**kwargs)), key=repr)

        return read

    def test_from_the_occupation_competency_and_course(self, read: Callable[..., list]) -> None:
        assert read("demands", occupations=[OCC.id, "comp:A", "csco:nope"]) == [
            DemandRow("emp:E1", OCC.id, 10, 2025, 3),
            DemandRow("emp:E2", OCC.id, 5, 2026, None),
        ]
        assert read("needs", competencies=["comp:A", OCC.id]) == [
            NeedRow("emp:E1", "comp:A", 3),
            NeedRow("emp:E3", "comp:A", None),
        ]
        assert read("includes", courses=["course:C1", "course:C2", "prog:P"]) == [
            IncludesRow("prog:P", "course:C1", 2, True),
            IncludesRow("prog:Q", "course:C1", None, None),
            IncludesRow("prog:Q", "course:C2", 1, None),
        ]

    def test_filtered_by_region_industry_and_employers(self, read: Callable[..., list]) -> None:
        e1_demands = [DemandRow("emp:E1", OCC.id, 10, 2025, 3)]
        assert read("demands", occupations=[OCC.id], region="region:R1") == e1_demands
        assert read("demands", occupations=[OCC.id], industry="ind:I1") == e1_demands
        assert read("demands", occupations=[OCC.id], employers=["emp:E2", "emp:E3"]) == [
            DemandRow("emp:E2", OCC.id, 5, 2026, None)
        ]
        assert read("needs", competencies=["comp:A"], region="region:R1", industry="ind:I1") == [
            NeedRow("emp:E1", "comp:A", 3)
        ]
        assert read("needs", competencies=["comp:A"], employers=["emp:E2"]) == []

    def test_writes_are_seen(self, service: Chanjiao, read: Callable[..., list]) -> None:
        """The embedded store keeps these rows between questions (``graph.derived``): every write (a new
        relationship, a changed headcount, a rollback, a clear) must reach the next."""

        def everything() -> tuple[list, list, list]:
            return (
                read("demands", occupations=[OCC.id], region="region:R1"),
                read("needs", competencies=["comp:A"]),
                read("includes", courses=["course:C2"]),
            )

        before = everything()
        added = service.upsert(
            [],
            [
                EdgeRecord("DEMANDS", "emp:E1", OCC.id, {"headcount": 40, "year": 2025}),  # the same key: updated
                EdgeRecord("DEMANDS", "emp:E3", OCC.id, {"headcount": 7, "year": 2026}),
                EdgeRecord("NEEDS", "emp:E2", "comp:A", {"level": 2}),
                EdgeRecord("INCLUDES", "prog:P", "course:C2", {"semester": 3}),
            ],
            source="more",
        )
        assert everything() == (
            [DemandRow("emp:E1", OCC.id, 40, 2025, 3), DemandRow("emp:E3", OCC.id, 7, 2026, None)],
            [NeedRow("emp:E1", "comp:A", 3), NeedRow("emp:E2", "comp:A", 2), NeedRow("emp:E3", "comp:A", None)],
            [IncludesRow("prog:P", "course:C2", 3, None), IncludesRow("prog:Q", "course:C2", 1, None)],
        )
        assert added.load_id is not None
        service.rollback(added.load_id)
        assert everything() == before
        service.store.clear()
        assert everything() == ([], [], [])


class TestValidation:
    @pytest.mark.parametrize(
        ("nodes", "edges", "message"),
        [
            ([NodeRecord("Lecture", "x:1")], [], "unknown class 'Lecture'"),
            ([NodeRecord("Course", "course:X", {"category": "lecture"})], [], "'lecture' is not one of"),
            ([NodeRecord("Course", "course:X")], [], "field 'category': is required"),
            ([NodeRecord("Course", "course:X", {"category": "integrated", "colour": "red"})], [], "unknown property"),
            ([NodeRecord("Course", "course:X", {"category": "integrated", "hours": "many"})], [], "not a whole number"),
            ([], [EdgeRecord("TEACHES", "course:IR-101", "comp:P1")], "TEACHES from must be one of: Teacher"),
            ([], [EdgeRecord("DEVELOPS", "course:IR-101", "comp:NONE")], "neither in this load nor in the graph"),
            ([], [EdgeRecord("DEVELOPS", "course:IR-101", "comp:P1", {"level": 6})], "above the maximum 5"),
            ([], [EdgeRecord("LIKES", "course:IR-101", "comp:P1")], "unknown relationship type 'LIKES'"),
            ([], [EdgeRecord("BROADER", "comp:P1", "csco:6-31-07-03")], "same class"),
            ([], [EdgeRecord("DEMANDS", "emp:A", "csco:6-31-07-03", {"headcount": 3})], "field 'year': is required"),
            ([NodeRecord("Course", "comp:P1", {"category": "integrated"})], [], "already exists as a Competency"),
            ([NodeRecord("Course", "has space", {"category": "integrated"})], [], "without spaces"),
        ],
    )
    def test_bad_writes_are_refused_and_change_nothing(
        self, small: Chanjiao, nodes: list, edges: list, message: str
    ) -> None:
        before = snapshot(small.store)
        # A valid item travels with the bad one: it must not be written either.
        good = NodeRecord("Employer", "emp:NEW", {"name_zh": "新企业"})
        with pytest.raises(ValidationError, match=message):
            small.upsert([good, *nodes], edges)
        assert snapshot(small.store) == before

    def test_every_problem_is_reported_at_once(self, small: Chanjiao) -> None:
        with pytest.raises(ValidationError) as caught:
            small.upsert(
                [NodeRecord("Course", "course:X", {"category": "x"}), NodeRecord("Course", "course:X", {})],
                [EdgeRecord("DEVELOPS", "course:X", "comp:NONE")],
            )
        reasons = [str(p) for p in caught.value.problems]
        assert len(reasons) == 4, reasons
        assert "'x' is not one of" in reasons[0]
        assert "duplicate id" in reasons[1]
        assert "field 'from' = 'course:X': refers to a node of this load that was rejected" in reasons[2]
        assert "field 'to' = 'comp:NONE': refers to a node that is neither" in reasons[3]


def test_persists_across_reopen(store: GraphStore, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    Chanjiao(store).upsert(NODES, EDGES)
    before = snapshot(store)
    if store.kind == "embedded":
        store.close()
        from graph.embedded import EmbeddedStore

        reopened: GraphStore = EmbeddedStore(store.path, store.schema)  # type: ignore[attr-defined]
    else:
        from graph.neo4j_store import Neo4jStore, open_driver
        from tests.conftest import neo4j_uri

        reopened = Neo4jStore(open_driver(neo4j_uri(), "neo4j", None), store.schema)
    try:
        assert snapshot(reopened) == before
    finally:
        reopened.close()


@pytest.mark.parametrize("start", ["program:IRAM", "csco:6-31-07-03", "course:IR-301", "emp:SZ-HENGCHUAN", "comp:P-01"])
def test_neighbourhood_is_what_each_frontiers_relationships_give(demo: Chanjiao, start: str) -> None:
    """The neighbourhood from ``neighbours`` and ``edges_among`` is the one every relationship at each frontier
    gives (how it was computed before: ``adjacent`` sent a hub's every relationship)."""

    def walked(depth: int, limit: int) -> tuple[list[str], list[tuple]]:
        distance, frontier, edges = {start: 0}, [start], {}
        for hop in range(1, depth + 1):
            found = demo.store.adjacent(frontier)
            reached = sorted({e.target if e.source in frontier else e.source for e in found} - distance.keys())
            frontier = reached[: max(limit - len(distance), 0)]
            distance.update((n, hop) for n in frontier)
            edges.update({(e.source, e.type, e.target, repr(sorted(e.props.items()))): e for e in found})
        edges.update(
            {(e.source, e.type, e.target, repr(sorted(e.props.items()))): e for e in demo.store.adjacent(frontier)}
        )
        kept = sorted(k for k in edges if k[0] in distance and k[2] in distance)
        return sorted(distance, key=lambda n: (distance[n], n)), kept

    for depth, limit in [(1, 100), (2, 5), (2, 100), (3, 40), (3, 500)]:
        nodes, edges = demo.neighbourhood(start, depth=depth, limit=limit)
        ids, expected = walked(depth, limit)
        assert [n.id for n in nodes] == ids, (depth, limit)
        assert [(e.source, e.type, e.target, repr(sorted(e.props.items()))) for e in edges] == expected, (depth, limit)
