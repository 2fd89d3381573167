"""The domain's exceptions: one root, a subclass per kind of failure.

Core code raises these; ``api/problems.py`` turns them into HTTP responses in
one place, and the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass


class ChanjiaoError(Exception):
    """Root of every error the service reports to its callers."""

    title = "Error"


class NotFoundError(ChanjiaoError):
    """Something named by the caller does not exist."""

    title = "Not found"


class InvalidInputError(ChanjiaoError):
    """The caller asked for something that cannot be answered as asked."""

    title = "Invalid input"


class ConflictError(ChanjiaoError):
    """The request contradicts the graph's current state."""

    title = "Conflict"


class StoreUnavailableError(ChanjiaoError):
    """The store cannot be reached (e.g. Neo4j is down)."""

    title = "Store unavailable"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, which field, what value, why.

    >>> str(Problem("Course.csv row 4", "category", "lecture", "not one of: integrated"))
    "Course.csv row 4, field 'category' = 'lecture': not one of: integrated"
    """

    location: str
    field: str | None
    value: object
    reason: str

    def __str__(self) -> str:
        where = self.location
        if self.field is not None:
            where += f", field {self.field!r}"
            if self.value is not None:
                where += f" = {_short(self.value)}"
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {"location": self.location, "field": self.field, "value": _jsonable(self.value), "reason": self.reason}


class ValidationError(InvalidInputError):
    """Input that breaks the ontology's rules; lists every problem found, not just the first."""

    title = "Invalid data"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) found, nothing was written:\n{shown}{more}")


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
