"""How a question's cost grows from one scale factor to another, measured in alternation.

``bench.run`` measures each scale factor in its own run, minutes apart, so the growth it reports (a question's
p50 at ×16 over its p50 at ×1) divides two runs on a shared machine: round 5 put coverage on Neo4j at 0.90×
and the next run, on code that reads the same, at 1.57×. Here a small and a large store are loaded and open at
once, and each round asks a question of every probe on the small one for a few seconds, then on the large one:
the growth is the median of the rounds' ratios (as the API overhead is, ``bench.api.overhead_rounds``), and
its range says how much the machine moved it.

The probes' answers are not the same size at both scales (a gaps answer lists more candidates where more of the
graph develops what is missing), so each probe's own p50 over all rounds is kept too, with the rows its question
reads (its neighbourhood, as ``bench.questions`` counts them). ``equal_neighbourhood`` fits a line through the
small store's probes and compares each large store probe with what that line gives at its own neighbourhood:
what the larger graph does to a question's cost beyond the rows it reads.

    python -m bench.growth load 1 /tmp/x1.db                 # the bench's workload into a store (wiped first)
    python -m bench.growth load 16 bolt://127.0.0.1:7706
    python -m bench.growth measure /tmp/x1.db /tmp/x16.db    # ×1 → ×16: bench/results/growth-embedded.json
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
from pathlib import Path
from typing import Any

from bench import loads
from bench.bare import RecordingStore
from bench.common import DATA, ROOT, loadavg, machine, percentiles, round_robin, say
from bench.questions import Call, calls
from bench.workload import Probes, build
from graph.questions import Questions
from graph.service import Chanjiao
from graph.settings import Settings
from ontology.schema import load_schema

#: The questions whose growth is a target.
TARGETS = ("coverage", "gaps")


def _samples(questions: Questions, probe_calls: list[Call], seconds: float) -> list[float]:
    """Every probe asked of ``questions`` round-robin, for ``seconds`` (at least one pass)."""
    return round_robin([functools.partial(call, questions) for call in probe_calls], seconds)


def _by_probe(samples: list[float], probes: int) -> list[list[float]]:
    """``round_robin``'s samples split by probe (it asks every probe in turn, whole passes only).

    >>> _by_probe([1, 2, 3, 4, 5, 6], 2)
    [[1, 3, 5], [2, 4, 6]]
    """
    return [samples[i::probes] for i in range(probes)]


def _rows_read(questions: Questions, probe_calls: list[Call]) -> list[int]:
    """The rows each probe's question reads from the store's primitives: its neighbourhood."""
    recording = RecordingStore(questions.store)
    recorder = Questions(recording)  # type: ignore[arg-type]
    rows = []
    for call in probe_calls:
        call(recorder)
        rows.append(recording.recording.rows)
    return rows


def equal_neighbourhood(small: list[tuple[float, float]], large: list[tuple[float, float]]) -> dict[str, Any]:
    """How the larger graph moves a question's cost beyond the rows it reads: the least-squares line through
    the small store's (rows read, p50) points (``slope`` ms a row, ``intercept`` ms), and each large store
    probe's p50 over what that line gives at its own rows read — their median (``growth``: 1× when the cost
    follows the neighbourhood alone) and ``range``. Where the large store's probes read more than any of the
    small one's, the line is extended: ``reach`` is their largest neighbourhood over the small store's.

    >>> fit = equal_neighbourhood([(10, 1.0), (20, 2.0), (30, 3.0)], [(40, 4.4), (60, 6.0), (80, 8.8)])
    >>> fit["slope"], fit["intercept"], fit["growth"], fit["range"], fit["reach"]
    (0.1, 0.0, 1.1, [1.0, 1.1], 2.667)
    """
    line = statistics.linear_regression([x for x, _ in small], [y for _, y in small])
    ratios = []
    for rows, p50 in large:
        expected = line.intercept + line.slope * rows
        if expected <= 0:
            raise ValueError(f"the small store's line gives {expected:.3f} ms at {rows} rows: no cost to compare to")
        ratios.append(p50 / expected)
    return {
        "slope": round(line.slope, 6),
        "intercept": round(line.intercept, 4),
        "growth": round(statistics.median(ratios), 3),
        "range": [round(min(ratios), 3), round(max(ratios), 3)],
        "reach": round(max(x for x, _ in large) / max(x for x, _ in small), 3),
    }


def _alternate(
    small: Questions, large: Questions, probe_calls: list[Call], rounds: int, seconds: float
) -> tuple[list[dict[str, Any]], list[list[list[float]]]]:
    """``rounds`` rounds of ``seconds`` on ``small`` then ``seconds`` on ``large``: each round's percentiles on
    both and their ratios, and every sample of both stores by probe."""
    per_round = []
    per_probe: list[list[list[float]]] = [[[] for _ in probe_calls] for _ in (small, large)]
    for _ in range(rounds):
        measured = []
        for questions, kept in zip((small, large), per_probe, strict=True):
            samples = _samples(questions, probe_calls, seconds)
            for mine, theirs in zip(kept, _by_probe(samples, len(probe_calls)), strict=True):
                mine.extend(theirs)
            measured.append(percentiles(samples))
        low, high = measured
        per_round.append(
            {
                "small": low,
                "large": high,
                "p50_ratio": round(high["p50"] / low["p50"], 3),
                "p95_ratio": round(high["p95"] / low["p95"], 3),
                "loadavg": loadavg(),
            }
        )
    return per_round, per_probe


def measure(
    small: Questions,
    large: Questions,
    probes: Probes,
    names: tuple[str, ...],
    rounds: int,
    seconds: float,
    warmup: float,
) -> dict[str, Any]:
    """Per question of ``names``, after ``warmup`` seconds on each store: ``rounds`` rounds of ``seconds`` on
    ``small`` then ``seconds`` on ``large``; each round's p50 and p95 on both, their ratios, and the median
    ratio (the lower middle one of an even number); each probe's rows read and p50 over every round on both
    (``probes``), and the growth at equal neighbourhood fitted through them (``equal_neighbourhood``)."""
    out: dict[str, Any] = {}
    for name, probe_calls in calls(probes).items():
        if name not in names or not probe_calls:
            continue
        for questions in (small, large):  # a JVM just started compiles its hot paths for seconds
            _samples(questions, probe_calls, warmup)
        per_round, per_probe = _alternate(small, large, probe_calls, rounds, seconds)
        rows = [_rows_read(small, probe_calls), _rows_read(large, probe_calls)]
        p50s = [[percentiles(s)["p50"] for s in kept] for kept in per_probe]
        points = [list(zip(r, p, strict=True)) for r, p in zip(rows, p50s, strict=True)]
        ratios = [r["p50_ratio"] for r in per_round]
        out[name] = {
            "p50_ratio": statistics.median_low(ratios),
            "p95_ratio": statistics.median_low([r["p95_ratio"] for r in per_round]),
            "rounds": per_round,
            "probes": {"rows": rows, "p50": p50s},
            "equal_neighbourhood": equal_neighbourhood(*points),
        }
        fit = out[name]["equal_neighbourhood"]
        say(
            f"  {name}: growth p50 {out[name]['p50_ratio']:.2f}× (rounds {min(ratios):.2f}–{max(ratios):.2f}×), "
            f"at equal neighbourhood {fit['growth']:.2f}×"
        )
    return out


def _open(store: str) -> Chanjiao:
    return Chanjiao.open(Settings(store=store))


def load(scale: float, store: str, work: Path) -> None:
    """The bench's workload at ``scale`` into ``store`` (a Neo4j URI or an embedded store's file), emptied first."""
    work.mkdir(parents=True, exist_ok=True)
    workload = build(scale, DATA, load_schema(), work)
    service = _open(store)
    try:
        say(f"emptying {store}, then loading ×{scale:g} ({workload.rows:,} rows)")
        service.store.clear()
        loads.pipeline(service, workload.sources, service.store.kind)
    finally:
        service.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    loading = commands.add_parser("load", help="the bench's workload at a scale factor into a store")
    loading.add_argument("scale", type=float)
    loading.add_argument("store", help="a Neo4j URI or an embedded store's file")
    loading.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    measuring = commands.add_parser("measure", help="growth from a small store to a large one, in alternation")
    measuring.add_argument("small", help="the store at the small scale factor (a Neo4j URI or a file)")
    measuring.add_argument("large", help="the store at the large scale factor")
    measuring.add_argument("--scales", default="1,16", help="the two stores' scale factors, as loaded")
    measuring.add_argument("--probes", type=Path, default=ROOT / "bench" / "results" / "scale-1.json")
    measuring.add_argument("--questions", default=",".join(TARGETS))
    measuring.add_argument("--rounds", type=int, default=5)
    measuring.add_argument("--seconds", type=float, default=3.0)
    measuring.add_argument("--warmup", type=float, default=10.0, help="seconds per store before the rounds")
    measuring.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if args.command == "load":
        load(args.scale, args.store, args.work)
        return
    results = json.loads(args.probes.read_text(encoding="utf-8"))
    small, large = _open(args.small), _open(args.large)
    try:
        kind = large.store.kind
        say(f"{kind}: growth from {args.small} to {args.large}, {args.rounds} rounds of {args.seconds:g} s each")
        measured = measure(
            small.questions,
            large.questions,
            Probes.of(results["workload"]["probes"]),
            tuple(args.questions.split(",")),
            args.rounds,
            args.seconds,
            args.warmup,
        )
    finally:
        small.close()
        large.close()
    args.out.mkdir(parents=True, exist_ok=True)
    scales = [float(s) for s in args.scales.split(",")]
    out = {
        "store": kind,
        "scales": scales,
        "stores": [args.small, args.large],
        "rounds": args.rounds,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "machine": machine(),
        "questions": measured,
    }
    (args.out / f"growth-{kind}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
