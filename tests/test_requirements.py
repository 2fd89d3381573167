"""R(O, L) (``graph.questions.requirements.required``) against its definition, on random REQUIRES rows.

``required`` builds a competency required once without the general case's passes (the rankings build R(o)
for thousands of occupations a question); whatever the rows, both must agree with the definition below.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graph.questions.model import sort_key
from graph.questions.requirements import required, required_levels
from graph.store import RequirementRow

LEVELS = st.one_of(st.none(), st.integers(1, 5))
ROWS = st.builds(
    RequirementRow,
    st.just("occ:1"),
    st.sampled_from([None, "task:A", "task:B", "task:（"]),
    st.sampled_from(["comp:X", "comp:Y", "comp:Z"]),
    LEVELS,
    st.one_of(st.none(), st.sampled_from([1.0, 2.5, 5.0])),
    st.sampled_from([None, True, False]),
)


@given(st.lists(ROWS, max_size=10), st.integers(1, 5), st.booleans())
def test_required_is_its_definition(rows: list[RequirementRow], level: int, include_optional: bool) -> None:
    kept = [r for r in rows if (r.level is None or r.level <= level) and (include_optional or r.essential is not False)]
    found = required(rows, level, include_optional)
    assert list(found) == sorted({r.competency for r in kept})
    for competency, requirement in found.items():
        group = [r for r in kept if r.competency == competency]
        levels = [r.level for r in group if r.level is not None]
        importances = [r.importance for r in group if r.importance is not None]
        assert requirement.competency == competency
        assert requirement.level == (max(levels) if levels else None)
        assert requirement.essential == any(r.essential is not False for r in group)
        assert requirement.importance == (max(importances) if importances else None)
        assert requirement.direct == any(r.task is None for r in group)
        tasks = sorted(((r.task, r.level) for r in group if r.task is not None), key=lambda t: sort_key(*t))
        assert requirement.tasks == tuple(tasks)


@given(st.lists(ROWS, max_size=10), st.integers(1, 5), st.booleans())
def test_required_levels_are_the_levels_of_required(
    rows: list[RequirementRow], level: int, include_optional: bool
) -> None:
    """What a ranking tallies (``required_levels``) is R(O, L)'s competencies with their levels."""
    found = required_levels(rows, level, include_optional)
    assert found == {c: r.level for c, r in required(rows, level, include_optional).items()}
