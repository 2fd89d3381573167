"""D(P) (``graph.questions.development.Developed``) against its definition, on random rows and matches.

``Developed.assess`` finds a competency that nothing develops and no match names missing at one look (the
rankings assess 124 k requirements at ×16, nearly all such); whatever the rows and the matches, it must agree
with the definition: the levels of ``sources``, the rows developing the competency or a match of it. Nor are a
competency's own rows sorted until ``direct`` is asked for them: they are those of ``sources`` developing it.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graph.questions.development import Developed
from graph.questions.levels import assess
from graph.questions.matches import CLOSE, EXACT, Matches
from graph.store import DevelopsRow, MatchRow

COMPETENCIES = [f"comp:{c}" for c in "ABCDEFG"]
LEVELS = st.one_of(st.none(), st.integers(1, 5))
ROWS = st.builds(
    DevelopsRow,
    st.sampled_from(["course:1", "course:2", None]),
    st.sampled_from([None, "lt:1"]),
    st.sampled_from(COMPETENCIES[:5]),
    LEVELS,
)
MATCHES = st.builds(
    MatchRow, st.sampled_from(COMPETENCIES), st.sampled_from(COMPETENCIES), st.sampled_from([EXACT, CLOSE])
)


@given(st.lists(ROWS, max_size=8), st.lists(MATCHES, max_size=6), st.booleans(), LEVELS)
def test_assess_is_the_levels_of_the_sources(
    rows: list[DevelopsRow], matches: list[MatchRow], close: bool, level: int | None
) -> None:
    developed = Developed(rows, Matches(matches, close))
    for competency in [*COMPETENCIES, "comp:unknown"]:
        expected = assess(level, [s.level for s in developed.sources(competency)])
        assert developed.assess(competency, level) == expected, competency
        assert developed.direct(competency) == [s for s in developed.sources(competency) if s.competency == competency]
