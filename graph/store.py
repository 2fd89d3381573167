"""The store interface: the few primitives every store implements.

The questions are computed once, in Python, over these primitives; each store
implements them its own way (Cypher on Neo4j, traversals on networkx).

The question primitives live on a ``GraphReader``, which a store hands to a
function through ``GraphStore.read``: everything one question reads comes from
one read transaction, so an answer never mixes two states of the graph. The
primitives return raw rows (one per relationship, no filtering by level, no
aggregation, in no particular order); the rules live in ``graph.questions``.
One primitive is the exception: ``developers`` filters by level, orders and
cuts, because the rows it chooses from grow with the population of the graph
(every province's courses develop the same national competency) while the
answer it serves shows only the best few.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeVar

from graph.audit import AuditTx, LoadEntry, Stamp
from graph.records import Batch, Edge, Node, WriteSummary
from ontology.schema import Schema

#: Called as a write goes: (items written so far, items in the batch).
Progress = Callable[[int, int], None]

T = TypeVar("T")


class RequirementRow(NamedTuple):
    """A REQUIRES relationship of an occupation, made by the occupation itself (``task`` None) or one of its tasks."""

    occupation: str
    task: str | None
    competency: str
    level: int | None
    importance: float | None
    essential: bool | None


class TaskRow(NamedTuple):
    """A HAS_TASK relationship."""

    occupation: str
    task: str


class TargetRow(NamedTuple):
    """A TARGETS relationship."""

    program: str
    occupation: str
    level: int | None


class IncludesRow(NamedTuple):
    """An INCLUDES relationship."""

    program: str
    course: str
    semester: int | None
    required: bool | None


class DevelopsRow(NamedTuple):
    """A DEVELOPS relationship, from a course (``learning_task`` None) or from a learning task of ``course``.

    A learning task that belongs to no course has ``course`` None.
    """

    course: str | None
    learning_task: str | None
    competency: str
    level: int | None


class Wanted(NamedTuple):
    """A competency to find developers for: the competencies that count for it (itself and its matches) and
    the level a development of one of them must reach (None: any)."""

    competency: str
    counting: tuple[str, ...]
    level: int | None


class Developers(NamedTuple):
    """The best developers of a ``Wanted`` competency, best first, and how many there are in all."""

    best: list[DevelopsRow]
    count: int


class LearningTaskRow(NamedTuple):
    """A HAS_LEARNING_TASK relationship and the typical work task it is DERIVED_FROM (None: from none)."""

    course: str
    learning_task: str
    task: str | None


class MatchRow(NamedTuple):
    """An EXACT_MATCH or CLOSE_MATCH relationship seen from ``competency``, whichever its direction."""

    competency: str
    other: str
    kind: str


class DemandRow(NamedTuple):
    """A DEMANDS relationship."""

    employer: str
    occupation: str
    headcount: int
    year: int
    level: int | None


class NeedRow(NamedTuple):
    """A NEEDS relationship."""

    employer: str
    competency: str
    level: int | None


class DeliveryRow(NamedTuple):
    """Something that delivers a course or learning task (``target``).

    ``kind`` is ``resource`` (SUPPORTS, with ``resource_type``), ``training_base``
    (HOSTS) or ``teacher`` (TEACHES, with ``dual_qualified``).
    """

    target: str
    kind: str
    id: str
    resource_type: str | None
    dual_qualified: bool | None


class SupportRow(NamedTuple):
    """A resource that SUPPORTS a course or a learning task (``GraphReader.supports``).

    ``course``: the course asked about, when the supported one is that course (``learning_task`` None) or one
    of its learning tasks; None when the learning task was asked about itself.
    """

    course: str | None
    learning_task: str | None
    resource: str


class PrerequisiteRow(NamedTuple):
    """A PREREQUISITE_OF relationship: ``before`` is taken before ``after``."""

    before: str
    after: str


class AssessmentRow(NamedTuple):
    """An assessment of a course or learning task (``holder``, by HAS_ASSESSMENT) and one competency it
    ASSESSES, at ``level`` (``competency`` None when it assesses none)."""

    holder: str
    assessment: str
    competency: str | None
    level: int | None


class ConductRow(NamedTuple):
    """A CONDUCTS relationship: an employer or a school carries out an assessment."""

    organisation: str
    assessment: str


class CohortRow(NamedTuple):
    """A HAS_COHORT relationship."""

    program: str
    cohort: str


class ResultRow(NamedTuple):
    """An ACHIEVED relationship: in ``assessment``, ``share`` % of ``cohort`` reached at least ``level`` of
    ``competency``."""

    cohort: str
    assessment: str
    competency: str
    level: int
    share: float


class ResearchRow(NamedTuple):
    """A link of a research project: ``relation`` is PARTICIPATES_IN (``other`` takes part), YIELDS (``other``
    is a resource or learning task it yields) or CULTIVATES (``other`` is a competency, to ``level``)."""

    project: str
    relation: str
    other: str
    level: int | None


class PlacementRow(NamedTuple):
    """Where a resource or learning task (``item``) is used in teaching.

    A resource SUPPORTS a course (``learning_task`` None) or a learning task (``course``: the learning
    task's course, None when it is in none); a learning task belongs to ``course`` (``learning_task`` is
    the item itself).
    """

    item: str
    course: str | None
    learning_task: str | None


class GraphReader(ABC):
    """The question primitives, inside one read transaction (see ``GraphStore.read``).

    Ids that do not exist, or are not of the class a primitive expects, are
    silently skipped: checking the caller's ids is the engine's job.
    """

    def prefetch(self, programs: list[str], occupations: list[str], demand: bool = False, close: bool = False) -> None:
        """A hint: the question about to run reads these programs' targets and curricula (and what the courses
        develop), these occupations' requirements, tasks and their nodes, the required competencies' matches
        (EXACT_MATCH, and CLOSE_MATCH too with ``close``) and, with ``demand``, the employers' demand for them.
        A store paying a round trip per primitive may read them all at once now; every primitive must answer
        exactly as it would without. Default: nothing.
        """
        return None

    def prefetch_candidates(self, wanted: list[Wanted], outside: list[str], limit: int, with_nodes: list[str]) -> None:
        """A hint, like ``prefetch``: the question will ask ``developers(wanted, outside, limit)``, then read what
        the developers it gets show — the programs including their courses, what supports those courses (and
        their learning tasks) and the developers' own learning tasks (``supports``), and the nodes of the
        resources, of the developers' courses and learning tasks and of ``with_nodes``. Default: nothing."""
        return None

    @abstractmethod
    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The nodes with these ids, of any class."""

    @abstractmethod
    def requirements(self, occupations: Iterable[str]) -> list[RequirementRow]:
        """Every REQUIRES of each occupation, made directly and through each of its HAS_TASK tasks."""

    @abstractmethod
    def requirers(self, competencies: Iterable[str]) -> list[str]:
        """The occupations that require any of ``competencies``, directly or through a task."""

    @abstractmethod
    def tasks(self, occupations: Iterable[str]) -> list[TaskRow]:
        """The typical work tasks of each occupation."""

    @abstractmethod
    def targets(self, programs: Iterable[str]) -> list[TargetRow]:
        """The occupations each program TARGETS."""

    @abstractmethod
    def includes(
        self, *, programs: Iterable[str] | None = None, courses: Iterable[str] | None = None
    ) -> list[IncludesRow]:
        """INCLUDES relationships from ``programs``, or to ``courses`` (exactly one of the two is given)."""

    @abstractmethod
    def programs(self, region: str | None = None) -> list[str]:
        """Every program, or those OFFERED by a school IN_REGION ``region`` (that exact region)."""

    @abstractmethod
    def develops(
        self, *, courses: Iterable[str] | None = None, competencies: Iterable[str] | None = None
    ) -> list[DevelopsRow]:
        """DEVELOPS rows of ``courses`` (directly and through their learning tasks), or of whatever
        course or learning task develops one of ``competencies`` (exactly one of the two is given)."""

    @abstractmethod
    def developers(self, wanted: Iterable[Wanted], outside: Iterable[str], limit: int) -> dict[str, Developers]:
        """Per wanted competency: its best ``limit`` developers and their count. A developer is a DEVELOPS row
        as ``develops(competencies=…)`` gives it, of a competency in ``counting``, whose level satisfies the
        wanted level (at or above it, or either of them None) and whose course is not in ``outside`` (a
        learning task of no course is never outside). Best first: the wanted competency itself before a
        match, then the higher level (any level before none), then by course, learning task and competency
        (None first)."""

    @abstractmethod
    def learning_tasks(self, courses: Iterable[str]) -> list[LearningTaskRow]:
        """The learning tasks of each course, with the typical work tasks they derive from."""

    @abstractmethod
    def matches(self, competencies: Iterable[str], kinds: tuple[str, ...]) -> list[MatchRow]:
        """The competencies one relationship of ``kinds`` away from each of ``competencies``, in either direction."""

    @abstractmethod
    def demands(
        self,
        *,
        occupations: Iterable[str] | None = None,
        employers: Iterable[str] | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> list[DemandRow]:
        """DEMANDS relationships, of every year, filtered by whichever of the arguments are given.

        ``region`` and ``industry`` keep employers IN_REGION / IN_INDUSTRY that exact node.
        """

    @abstractmethod
    def needs(
        self,
        *,
        competencies: Iterable[str] | None = None,
        employers: Iterable[str] | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> list[NeedRow]:
        """NEEDS relationships, filtered like ``demands``."""

    @abstractmethod
    def delivery(self, targets: Iterable[str]) -> list[DeliveryRow]:
        """The resources, training bases and teachers attached to each course or learning task."""

    @abstractmethod
    def supports(self, courses: Iterable[str], learning_tasks: Iterable[str] = ()) -> list[SupportRow]:
        """The resources that SUPPORT each of ``courses`` or one of its learning tasks, and each of
        ``learning_tasks`` (what a course or learning task is taught with, without the rest of ``delivery``)."""

    @abstractmethod
    def prerequisites(self, courses: Iterable[str]) -> list[PrerequisiteRow]:
        """The PREREQUISITE_OF relationships that end at one of ``courses`` (one step back)."""

    # -- co-evaluation and co-research (docs/co-evaluation.md)

    @abstractmethod
    def assessments(self, holders: Iterable[str]) -> list[AssessmentRow]:
        """The assessments of each course or learning task, one row per competency each ASSESSES."""

    @abstractmethod
    def conductors(self, assessments: Iterable[str]) -> list[ConductRow]:
        """The employers and schools that CONDUCT each assessment."""

    @abstractmethod
    def cohorts(self, programs: Iterable[str]) -> list[CohortRow]:
        """The cohorts of each program."""

    @abstractmethod
    def results(self, cohorts: Iterable[str]) -> list[ResultRow]:
        """The ACHIEVED results of each cohort."""

    @abstractmethod
    def projects(self) -> list[str]:
        """Every research project."""

    @abstractmethod
    def research(self, projects: Iterable[str]) -> list[ResearchRow]:
        """What takes part in each research project, what it YIELDS and what it CULTIVATES."""

    @abstractmethod
    def placements(self, items: Iterable[str]) -> list[PlacementRow]:
        """Where each resource (SUPPORTS) or learning task (HAS_LEARNING_TASK) is used in teaching."""


class GraphStore(ABC):
    """A graph of the ontology's classes and relationships."""

    kind: str
    schema: Schema

    # -- lifecycle

    @abstractmethod
    def close(self) -> None:
        """Release connections and files."""

    @abstractmethod
    def health(self) -> dict[str, Any]:
        """Whether the store answers, and its version; raises ``StoreUnavailableError`` if not."""

    @abstractmethod
    def apply_schema(self) -> list[str]:
        """Create the constraints and indexes the ontology implies; return what was applied."""

    # -- writes

    @abstractmethod
    def write(self, batch: Batch, progress: Progress | None = None, stamp: Stamp | None = None) -> WriteSummary:
        """Upsert a validated batch atomically: all of it or, on any failure, none of it.

        Nodes are matched by id and edges by (source, type, target, key
        properties); given properties are set, others kept. Items whose given
        properties already hold those values are counted as unchanged.

        The write is recorded, in the same transaction, as a load of the audit
        trail (``graph.audit``) stamped with ``stamp`` (default: ``local``, now);
        its id is the summary's ``load_id``.
        """

    @abstractmethod
    def audited(self, work: Callable[[AuditTx], T]) -> T:
        """Run ``work`` in one write transaction, serialised with every other audited write, and return its result.

        On Neo4j ``work`` may be retried as a whole on transient errors, so it must
        only act through the ``AuditTx`` it is given.
        """

    @abstractmethod
    def clear(self) -> None:
        """Delete everything (tests and explicit wipes only)."""

    # -- reads

    @abstractmethod
    def read(self, work: Callable[[GraphReader], T]) -> T:
        """Run ``work`` with a ``GraphReader`` over one consistent state of the graph and return its result.

        On Neo4j this is one read transaction (retried as a whole on transient
        errors, so ``work`` must only read); on the embedded store, one hold of its lock.
        """

    @abstractmethod
    def labels_of(self, ids: Iterable[str]) -> dict[str, str]:
        """The label of each of ``ids`` that exists."""

    @abstractmethod
    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The nodes with these ids (missing ids are absent from the answer)."""

    @abstractmethod
    def adjacent(self, ids: Iterable[str], rel_type: str | None = None, outgoing: bool = False) -> list[Edge]:
        """Every relationship that starts or ends at one of ``ids`` (only of ``rel_type``, only outgoing, if asked)."""

    @abstractmethod
    def warm(self) -> None:
        """Build now what the store would build on a first read of its kind (the embedded search index); a server
        calls it at start-up, so that the first user does not wait."""

    @abstractmethod
    def neighbours(self, ids: Iterable[str], exclude: Iterable[str], limit: int) -> list[str]:
        """The first ``limit`` ids, in order, of the nodes one relationship away from one of ``ids`` (in either
        direction) and not in ``exclude``."""

    @abstractmethod
    def edges_among(self, ids: Iterable[str]) -> list[Edge]:
        """Every relationship whose two ends are both among ``ids``."""

    @abstractmethod
    def list_nodes(self, label: str, offset: int, limit: int) -> tuple[list[Node], int]:
        """A page of the nodes of ``label`` ordered by id, and their total number."""

    @abstractmethod
    def search(self, text: str, labels: list[str] | None, limit: int) -> list[tuple[Node, float]]:
        """Full-text search over names, descriptions and alternative labels (zh and en)."""

    @abstractmethod
    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Node counts per label and relationship counts per type (zeros included)."""

    # -- the audit trail

    @abstractmethod
    def loads(self, offset: int, limit: int) -> tuple[list[LoadEntry], int]:
        """A page of the audit trail, newest first, and the number of loads in all."""

    @abstractmethod
    def get_load(self, load_id: int) -> LoadEntry | None:
        """One load of the audit trail, or None."""
