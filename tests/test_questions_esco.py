"""The questions on real data: the ESCO v1.1.1 release plus a synthetic program, identical on both stores.

The program (seeded, so the same every run) develops a random half of one
occupation's essential ESCO skills, in three courses (one through a learning
task); a second program develops three of the others. ESCO requirements have
no level, so every developed requirement is covered and the rest are missing.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.questions import Questions
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from graph.store import GraphStore
from ontology.schema import Schema

esco = pytest.importorskip("loaders.esco")
from loaders.pipeline import Parsed, load  # noqa: E402 - only once the ESCO reader exists

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]

SEED = 20260501


class Synthetic:
    """The synthetic programs, and what they are expected to give."""

    def __init__(self, parsed: Parsed) -> None:
        rng = random.Random(SEED)
        essential: dict[str, list[str]] = {}
        optional: dict[str, list[str]] = {}
        for e in parsed.edges:
            if e.type == "REQUIRES" and e.source.startswith("esco:occupation/"):
                (essential if e.props.get("essential", True) else optional).setdefault(e.source, []).append(e.target)
        candidates = sorted(o for o, skills in essential.items() if len(skills) >= 20 and o in optional)
        self.occupation = rng.choice(candidates)
        skills = sorted(set(essential[self.occupation]))
        self.developed = sorted(rng.sample(skills, len(skills) // 2))
        self.elsewhere = sorted(rng.sample(sorted(set(skills) - set(self.developed)), 3))
        self.missing = sorted(set(skills) - set(self.developed))
        self.optional_developed = sorted(set(optional[self.occupation]) - set(skills))[:2]
        thirds = [self.developed[i::3] for i in range(3)]
        self.nodes = [
            NodeRecord("Program", "program:SYN", {"name_en": "Synthetic program"}),
            NodeRecord("Program", "program:OTHER", {"name_en": "Another program"}),
            *(NodeRecord("Course", f"course:SYN-{i}", {"category": "integrated", "hours": 40 * i}) for i in (1, 2, 3)),
            NodeRecord("Course", "course:OTHER-1", {"category": "integrated", "hours": 60}),
            NodeRecord("LearningTask", "lt:SYN-3-1", {"name_en": "A learning task"}),
        ]
        self.edges = [
            EdgeRecord("TARGETS", "program:SYN", self.occupation, {"level": 3}),
            *(EdgeRecord("INCLUDES", "program:SYN", f"course:SYN-{i}", {"semester": i}) for i in (1, 2, 3)),
            EdgeRecord("INCLUDES", "program:OTHER", "course:OTHER-1"),
            EdgeRecord("HAS_LEARNING_TASK", "course:SYN-3", "lt:SYN-3-1"),
            *(EdgeRecord("DEVELOPS", "course:SYN-1", s, {"level": rng.randint(1, 4)}) for s in thirds[0]),
            *(EdgeRecord("DEVELOPS", "course:SYN-2", s) for s in thirds[1] + self.optional_developed),
            *(EdgeRecord("DEVELOPS", "lt:SYN-3-1", s, {"level": 2}) for s in thirds[2]),
            *(EdgeRecord("DEVELOPS", "course:OTHER-1", s, {"level": 3}) for s in self.elsewhere),
        ]


@pytest.fixture(scope="module")
def parsed(shared_data: Path, schema: Schema) -> Parsed:
    return esco.read_esco(shared_data / "esco-v1.1.1", schema)


@pytest.fixture(scope="module")
def synthetic(parsed: Parsed) -> Synthetic:
    return Synthetic(parsed)


def fill(store: GraphStore, parsed: Parsed, synthetic: Synthetic) -> Questions:
    service = Chanjiao(store)
    load(service, parsed, source="esco", keep_valid=True)  # the release has a few dangling references
    service.upsert(synthetic.nodes, synthetic.edges, source="synthetic")
    return Questions(store)


def test_coverage_and_gaps_identical_on_both_stores(
    request: pytest.FixtureRequest, tmp_path: Path, schema: Schema, parsed: Parsed, synthetic: Synthetic
) -> None:
    from tests.conftest import make_store

    embedded = EmbeddedStore(tmp_path / "esco.db", schema)
    try:
        local = fill(embedded, parsed, synthetic)
        remote = fill(make_store("neo4j", request, tmp_path, schema), parsed, synthetic)
        occupation = synthetic.occupation

        cov = local.coverage("program:SYN", occupation)
        assert cov.overall.total == len(synthetic.developed) + len(synthetic.missing)
        assert sorted(cov.ids("covered")) == synthetic.developed
        assert sorted(cov.ids("missing")) == synthetic.missing
        assert cov.ids("under_level") == []
        assert cov.as_dict() == remote.coverage("program:SYN", occupation).as_dict()

        optional = local.coverage("program:SYN", occupation, include_optional=True)
        assert set(synthetic.optional_developed) <= set(optional.ids("covered"))
        assert optional.as_dict() == remote.coverage("program:SYN", occupation, include_optional=True).as_dict()

        gaps = local.gaps("program:SYN", occupation)
        assert sorted(gaps.ids()) == synthetic.missing
        with_candidates = sorted(g.competency for g in gaps.gaps if g.candidates)
        assert with_candidates == synthetic.elsewhere
        assert gaps.as_dict() == remote.gaps("program:SYN", occupation).as_dict()

        ranking = local.match_occupations("program:SYN", 3)
        assert ranking.entries[0].ratio >= cov.overall.ratio  # the target itself is a candidate
        assert occupation in ranking.ids()
        assert ranking.as_dict() == remote.match_occupations("program:SYN", 3).as_dict()
    finally:
        embedded.close()
