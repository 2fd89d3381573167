"""The audit trail: every write is a *load* that records who made it, when, from which source, and what it changed.

A load can be listed and rolled back as a unit: the items it created are
removed and the items it updated get their previous properties back. A rollback
that would undo a later change (by a later load, or by anyone editing the
database directly) is refused with a ``ConflictError`` naming the item and the
load that changed it.

Where the trail lives (outside the domain graph, in the same transaction as the
data it describes, so an entry exists if and only if its write committed):

- embedded store: the tables ``loads`` and ``load_changes`` (its changes, in sets: ``pack_changes``) in the
  store's SQLite file;
- Neo4j: nodes labelled ``ChanjiaoLoad`` (one per load) and ``ChanjiaoChangeSet``
  (its changes per write batch, in the same sets), plus the single ``ChanjiaoAudit``
  node that numbers loads and serialises audited writes. These labels are not
  ontology classes: they never get relationships, never appear in ``counts``,
  search or exports, and describe the data's history rather than the domain.

What a change records: the item's identity, its full properties *before* the
write (None: it did not exist) and a digest of its properties *after* it (None:
it was removed). The digest is enough to tell whether anything changed the item
since; ``before`` is what a rollback restores.

The rules (what conflicts, what to restore, in which order) are computed here,
once, over the few primitives each store implements in ``AuditTx``.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.errors import ConflictError, NotFoundError

if TYPE_CHECKING:
    from graph.store import GraphStore

#: The actor recorded for writes made through the command line, and for writes made in-process (scripts, tests).
CLI = "cli"
LOCAL = "local"

LOAD = "load"
ROLLBACK = "rollback"

#: How many conflicts a refusal names (the rest are counted).
SHOWN_CONFLICTS = 10


@dataclass(frozen=True)
class Stamp:
    """Who writes (an API key id, ``cli`` or ``local``), from which source, and when (UTC, ISO 8601)."""

    who: str
    source: str | None
    at: str

    @classmethod
    def now(cls, who: str = LOCAL, source: str | None = None) -> Stamp:
        """A stamp for a write starting now.

        >>> Stamp.now("registrar", "workbook:a.xlsx").at.endswith("Z")
        True
        """
        at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return cls(who, source, at)


@dataclass(frozen=True)
class Ref:
    """A node (``target`` None) or a relationship, by identity.

    A relationship is identified by its start, type, end and key property values
    (``key``, in the schema's key order); ``ends`` (the endpoint labels) only
    helps a store find it and is not part of the identity.

    >>> str(Ref("DEMANDS", "emp:A", "occ:B", (2025,)))
    "DEMANDS 'emp:A' -> 'occ:B' [2025]"
    >>> Ref("Course", "course:A") == Ref("Course", "course:A")
    True
    """

    label: str  # node label, or relationship type
    id: str  # node id, or the relationship's start node id
    target: str | None = None
    key: tuple[Any, ...] = ()
    ends: tuple[str, str] | None = field(default=None, compare=False)

    @property
    def is_node(self) -> bool:
        return self.target is None

    def __str__(self) -> str:
        if self.is_node:
            return f"{self.label} {self.id!r}"
        key = f" {list(self.key)}" if self.key else ""
        return f"{self.label} {self.id!r} -> {self.target!r}{key}"

    def to_json(self) -> list[Any]:
        if self.is_node:
            return [self.label, self.id]
        return [self.label, self.id, self.target, list(self.key), list(self.ends or ())]

    @classmethod
    def from_json(cls, data: list[Any]) -> Ref:
        if len(data) == 2:
            return cls(data[0], data[1])
        label, source, target, key, ends = data
        return cls(label, source, target, tuple(key), tuple(ends) if ends else None)


@dataclass(frozen=True)
class Change:
    """What one load did to one item: its properties before, and a digest of them after (None: absent)."""

    ref: Ref
    before: dict[str, Any] | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref.to_json(), "before": self.before, "after": self.after}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(Ref.from_json(data["ref"]), data["before"], data["after"])


@dataclass(frozen=True)
class LoadEntry:
    """One audited write: a load, or the rollback of one."""

    id: int
    operation: str  # LOAD or ROLLBACK
    who: str
    source: str | None
    at: str
    counts: dict[str, int]
    reverts: int | None = None  # for a rollback: the load it undid
    rolled_back_by: int | None = None  # for a load: the rollback that undid it

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "who": self.who,
            "source": self.source,
            "at": self.at,
            "counts": self.counts,
            "reverts": self.reverts,
            "rolled_back_by": self.rolled_back_by,
        }


#: One encoder made once: ``json.dumps`` with options builds a new encoder per call (a third of the time for
#: the small property maps of a load).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def canonical(props: dict[str, Any]) -> str:
    """Properties as canonical JSON (keys sorted): what ``digest`` fingerprints, and the embedded store's rows.

    >>> canonical({"b": 1, "a": "工"})
    '{"a": "工", "b": 1}'
    """
    return _CANONICAL.encode(props)


def fingerprint(text: str) -> str:
    """The digest of properties already in ``canonical`` form (so a store that has the text need not redo it)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def digest(props: dict[str, Any] | None) -> str | None:
    """A short fingerprint of an item's properties (None for an absent item), the same on every store.

    >>> digest({"b": [1, 2], "a": "x"}) == digest({"a": "x", "b": [1, 2]})
    True
    >>> digest(None) is None
    True
    """
    return None if props is None else fingerprint(canonical(props))


def changed(counts: dict[str, int]) -> int:
    """How many items a load (or a rollback) changed, from its counts, which count those it left unchanged too.

    >>> changed({"nodes_created": 3, "nodes_unchanged": 40, "edges_updated": 2})
    5
    """
    return sum(n for name, n in counts.items() if not name.endswith("_unchanged"))


#: Changes are stored in sets of about this many (one encoding per set, not per item), in groups of at most this many.
CHANGE_SET_SIZE = 1000

# A change set as stored, by both stores: a zlib-compressed JSON list of *groups*, each the changes to items of one
# label (or relationship type and end labels) as columns — ``label``, ``ids`` (start ids for relationships),
# ``targets`` and ``ends`` (relationships), ``keys`` (the key property values, for types that have keys),
# ``after`` (each item's digest after the change, ``digest``) and ``before`` (each item's properties before it,
# null: it did not exist; absent: none did). Sets written by earlier versions are JSON text, a list of
# ``Change.to_json``, and are read as such (``unpack_changes``).


def pack_changes(groups: list[dict[str, Any]]) -> bytes:
    """One change set as stored: compact JSON, zlib-compressed (fast level: most of it is digests)."""
    text = json.dumps(groups, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def unpack_changes(data: bytes | bytearray | str) -> list[Change]:
    """The changes of one stored set, in order (a text set is the format of ``dump_changes``)."""
    if isinstance(data, str):
        return [Change.from_json(c) for c in json.loads(data)]
    changes = []
    for group in json.loads(zlib.decompress(bytes(data))):
        label, ids, after = group["label"], group["ids"], group["after"]
        before = group.get("before") or [None] * len(ids)
        if "targets" not in group:
            changes += [Change(Ref(label, i), b, a) for i, b, a in zip(ids, before, after, strict=True)]
            continue
        ends = tuple(group["ends"]) if group.get("ends") else None
        keys = group.get("keys") or [()] * len(ids)
        changes += [
            Change(Ref(label, i, t, tuple(k), ends), b, a)
            for i, t, k, b, a in zip(ids, group["targets"], keys, before, after, strict=True)
        ]
    return changes


def pack_group_sets(groups: list[dict[str, Any]]) -> list[bytes]:
    """``groups`` packed in order, as few together as make ``CHANGE_SET_SIZE`` items (a group is not split):
    a load whose labels alternate makes many small groups, and a set each cost more than the rest of its audit."""
    sets: list[bytes] = []
    pending: list[dict[str, Any]] = []
    items = 0
    for group in groups:
        pending.append(group)
        items += len(group["ids"])
        if items >= CHANGE_SET_SIZE:
            sets.append(pack_changes(pending))
            pending, items = [], 0
    if pending:
        sets.append(pack_changes(pending))
    return sets


def pack_change_sets(changes: list[Change]) -> list[bytes]:
    """``changes`` as stored sets, in order."""
    return pack_group_sets(change_groups(changes))


class ChangeGroups:
    """Changes noted in order as the groups a set stores (``pack_changes``): a new group wherever the label (or
    relationship type and end labels) changes, and after ``CHANGE_SET_SIZE`` items. ``groups``: those noted.

    >>> noted = ChangeGroups()
    >>> noted.node("Course", "course:1", None, "d1")
    >>> noted.edge("INCLUDES", ["Program", "Course"], "program:1", "course:1", [], None, "d2")
    >>> [(g["label"], g["ids"]) for g in noted.groups]
    [('Course', ['course:1']), ('INCLUDES', ['program:1'])]
    """

    def __init__(self) -> None:
        self.groups: list[dict[str, Any]] = []
        self._group: dict[str, Any] = {"ids": []}
        # What the open group holds: label or type, whether nodes, end labels (kept apart: checked per item).
        self._label: str | None = None
        self._nodes = False
        self._ends: list[str] | None = None

    def _start(self, label: str, nodes: bool, ends: list[str] | None) -> dict[str, Any]:
        self._label, self._nodes, self._ends = label, nodes, ends
        self._group = {"label": label, "ids": [], "after": [], "before": []}
        if not nodes:
            self._group.update(ends=ends, targets=[], keys=[])
        self.groups.append(self._group)
        return self._group

    def node(self, label: str, node_id: str, before: dict[str, Any] | None, after: str | None) -> None:
        group = self._group
        if label != self._label or not self._nodes or len(group["ids"]) >= CHANGE_SET_SIZE:
            group = self._start(label, True, None)
        group["ids"].append(node_id)
        group["after"].append(after)
        group["before"].append(before)

    def edge(
        self,
        rel_type: str,
        ends: list[str] | None,
        source: str,
        target: str,
        key: list[Any],
        before: dict[str, Any] | None,
        after: str | None,
    ) -> None:
        group = self._group
        if rel_type != self._label or self._nodes or ends != self._ends or len(group["ids"]) >= CHANGE_SET_SIZE:
            group = self._start(rel_type, False, ends)
        group["ids"].append(source)
        group["targets"].append(target)
        group["keys"].append(key)
        group["after"].append(after)
        group["before"].append(before)


def change_groups(changes: list[Change]) -> list[dict[str, Any]]:
    """``changes`` as groups, in order (``ChangeGroups``)."""
    noted = ChangeGroups()
    for change in changes:
        ref = change.ref
        if ref.target is None:  # a node
            noted.node(ref.label, ref.id, change.before, change.after)
        else:
            ends = list(ref.ends) if ref.ends else None
            noted.edge(ref.label, ends, ref.id, ref.target, list(ref.key), change.before, change.after)
    return noted.groups


def dump_changes(changes: list[Change]) -> list[str]:
    """``changes`` as earlier versions stored them: JSON text arrays of up to ``CHANGE_SET_SIZE`` each, in order
    (still read by ``unpack_changes``)."""
    return [
        json.dumps([c.to_json() for c in changes[start : start + CHANGE_SET_SIZE]], ensure_ascii=False)
        for start in range(0, len(changes), CHANGE_SET_SIZE)
    ]


class AuditTx(ABC):
    """The primitives a rollback needs, inside one write transaction of a store (see ``GraphStore.audited``).

    A store serialises its audited transactions, so nothing another audited
    write does can slip between a rollback's checks and its changes.
    """

    @abstractmethod
    def entry(self, load_id: int) -> LoadEntry | None:
        """The load with this id, or None."""

    @abstractmethod
    def later_loads(self, load_id: int) -> list[LoadEntry]:
        """The loads after ``load_id`` that still hold (not rolled back, not rollbacks themselves), oldest first."""

    @abstractmethod
    def changes(self, load_id: int) -> list[Change]:
        """What the load changed, in the order it changed it."""

    @abstractmethod
    def state(self, refs: Iterable[Ref]) -> dict[Ref, dict[str, Any] | None]:
        """The current properties of each item (nodes without ``id``), None for an item that does not exist."""

    @abstractmethod
    def edges_at(self, nodes: Iterable[Ref]) -> list[Ref]:
        """Every relationship that starts or ends at one of ``nodes``."""

    @abstractmethod
    def remove(self, refs: list[Ref]) -> None:
        """Delete these items (relationships are given before the nodes they join)."""

    @abstractmethod
    def restore(self, items: list[tuple[Ref, dict[str, Any]]]) -> None:
        """Set each existing item's properties to exactly these (nodes without ``id``)."""

    @abstractmethod
    def record(
        self, stamp: Stamp, operation: str, counts: dict[str, int], changes: list[Change], reverts: int | None = None
    ) -> int:
        """Record an audited write and its changes; return its load id."""

    @abstractmethod
    def mark_rolled_back(self, load_id: int, by: int) -> None:
        """Note that load ``load_id`` was undone by the rollback ``by``."""


def rollback(store: GraphStore, load_id: int, who: str = LOCAL) -> LoadEntry:
    """Undo load ``load_id`` as a unit, in one transaction, and record the rollback as a load of its own.

    Raises ``NotFoundError`` for an unknown load and ``ConflictError`` (changing
    nothing) when the load was already rolled back, is itself a rollback, or
    when a later change to one of its items would be lost.
    """
    stamp = Stamp.now(who, f"rollback of load {load_id}")
    return store.audited(lambda tx: _rollback(tx, load_id, stamp))


def _rollback(tx: AuditTx, load_id: int, stamp: Stamp) -> LoadEntry:
    entry = tx.entry(load_id)
    if entry is None:
        raise NotFoundError(f"there is no load {load_id}")
    if entry.operation != LOAD:
        raise ConflictError(f"load {load_id} is a rollback (of load {entry.reverts}); re-run that load to redo it")
    if entry.rolled_back_by is not None:
        raise ConflictError(f"load {load_id} was already rolled back by load {entry.rolled_back_by}")
    changes = tx.changes(load_id)
    state = tx.state(c.ref for c in changes)
    changed = [c.ref for c in changes if digest(state[c.ref]) != c.after]
    # A node the load created goes with its relationships: each must be one the load created too.
    removed = {c.ref for c in changes if c.before is None}
    strays = [r for r in tx.edges_at(r for r in removed if r.is_node) if r not in removed]
    if changed or strays:
        raise ConflictError(_conflict_message(tx, load_id, changed, strays))

    edges_first = sorted((c for c in changes if c.before is None), key=lambda c: c.ref.is_node)
    tx.remove([c.ref for c in edges_first])
    restored = [c for c in changes if c.before is not None]
    tx.restore([(c.ref, c.before) for c in restored if c.before is not None])
    undone = [Change(c.ref, state[c.ref], None) for c in edges_first]
    undone += [Change(c.ref, state[c.ref], digest(c.before)) for c in restored]
    counts = {
        "nodes_removed": sum(c.ref.is_node for c in edges_first),
        "nodes_restored": sum(c.ref.is_node for c in restored),
        "edges_removed": sum(not c.ref.is_node for c in edges_first),
        "edges_restored": sum(not c.ref.is_node for c in restored),
    }
    new_id = tx.record(stamp, ROLLBACK, counts, undone, reverts=load_id)
    tx.mark_rolled_back(load_id, new_id)
    return LoadEntry(new_id, ROLLBACK, stamp.who, stamp.source, stamp.at, counts, reverts=load_id)


def _conflict_message(tx: AuditTx, load_id: int, changed: list[Ref], strays: list[Ref]) -> str:
    """Name each conflicting item and the later load that changed it (or say nothing audited did)."""
    by: dict[Ref, LoadEntry] = {}
    wanted = set(changed) | set(strays)
    for later in tx.later_loads(load_id):
        for change in tx.changes(later.id):
            if change.ref in wanted:
                by[change.ref] = later  # the latest load to touch it wins
    lines = []
    for ref, what in [*((r, "was changed") for r in changed), *((r, "was added to a node it created") for r in strays)]:
        entry = by.get(ref)
        if entry is None:
            culprit = "outside chanjiao's audited writes (e.g. directly in the database)"
        else:
            culprit = f"by load {entry.id} ({entry.who}, {entry.at}, source {entry.source!r})"
        lines.append(f"{ref} {what} {culprit}")
    more = f"; and {len(lines) - SHOWN_CONFLICTS} more" if len(lines) > SHOWN_CONFLICTS else ""
    loads = sorted({e.id for e in by.values()})
    hint = f" Roll back load(s) {', '.join(map(str, loads))} first, newest first." if loads else ""
    return (
        f"load {load_id} cannot be rolled back without undoing later changes: "
        + "; ".join(lines[:SHOWN_CONFLICTS])
        + more
        + "."
        + hint
    )
