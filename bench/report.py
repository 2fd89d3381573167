"""The benchmark report: tables and plots from every ``scale-*.json`` in the results folder.

The prose that explains the figures (profiles of the misses, causes, proposed fixes) lives in
``bench/analysis.md`` and is included as it is, so regenerating the report keeps it. The verdicts on the
targets are computed here from the numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt

from graph.audit import changed

ANALYSIS = Path(__file__).with_name("analysis.md")
STORES = ("embedded", "neo4j")
SOURCES = ("esco", "csco", "frameworks", "workbook")
#: Questions whose answer (not only their cost) grows with the population of the graph.
POPULATION = {"match_occupations", "match_programs", "match_employer", "learning_path_any", "gaps"}


def grouped(loads: dict[str, Any]) -> dict[str, Any]:
    """Loads of one source split in several (``frameworks#1``, ``frameworks#2`` …) summed under its name."""
    out: dict[str, Any] = {}
    for name, e in loads.items():
        base = name.split("#", 1)[0]
        if base not in out:
            out[base] = {**e, "loads": 1}
            continue
        g = out[base]
        g["loads"] += 1
        for key in ("rows", "rows_read", "rejected", "parse_s", "validate_s", "write_s", "pipeline_s", "bare_s"):
            if isinstance(e.get(key), int | float) and isinstance(g.get(key), int | float):
                g[key] = round(g[key] + e[key], 3)
    for g in out.values():
        rows = g.get("rows") or g.get("rows_read")
        if g.get("pipeline_s"):
            g["rows_per_s"] = round(rows / g["pipeline_s"], 1)
        if g.get("bare_s"):
            g["bare_rows_per_s"] = round(rows / g["bare_s"], 1)
            g["ratio"] = round(g["pipeline_s"] / g["bare_s"], 2)
            g["write_ratio"] = round(g["write_s"] / g["bare_s"], 2)
    return out


def _load(out: Path) -> dict[float, dict[str, Any]]:
    results = {}
    for file in sorted(out.glob("scale-*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        results[float(data["scale"])] = data
    return dict(sorted(results.items()))


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _x(scale: float) -> str:
    return f"×{scale:g}"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_f(c) if not isinstance(c, str) else c for c in row) + " |" for row in rows]
    return [*out, ""]


def _ok(met: bool | None) -> str:
    return "—" if met is None else ("**met**" if met else "**missed**")


# ---------------------------------------------------------------- targets


def targets(results: dict[float, dict[str, Any]], alternated: dict[str, Any] | None = None) -> list[list[str]]:
    """[target, measured, verdict] for every target of the brief that the results can judge; a growth measured
    in alternation (``bench.growth``, by store) is the verdict's figure where there is one."""
    base = results.get(1.0) or next(iter(results.values()), None)
    if base is None:
        return []
    return [
        *_load_targets(base),
        *_latency_targets(results),
        *_growth_targets(results, alternated),
        *_population_targets(base),
        *_api_targets(base),
    ]


def _load_targets(base: dict[str, Any]) -> list[list[str]]:
    """ESCO's time into each store, and each source's load against the bare script, at the base scale."""
    rows: list[list[str]] = []
    for kind, limit in (("neo4j", 60), ("embedded", 20)):
        esco = grouped(base["stores"].get(kind, {}).get("loads", {})).get("esco")
        if esco:
            total = esco["pipeline_s"] + (esco.get("parse_s") or 0)
            rows.append(
                [
                    f"ESCO into {kind} < {limit} s (parse + validate + write)",
                    f"{total:.1f} s ({esco['parse_s']:.1f} + {esco['validate_s']:.1f} + {esco['write_s']:.1f})",
                    _ok(total < limit),
                ]
            )
    for kind in STORES:
        pairs = base["stores"].get(kind, {}).get("esco_pairs")
        if pairs:
            ratios = sorted(p["ratio"] for p in pairs)
            writes = sorted(p["write_ratio"] for p in pairs)
            rows.append(
                [
                    f"ESCO into {kind} ≤ 1.5× the bare script (back-to-back pairs)",
                    f"{', '.join(f'{r:.2f}×' for r in ratios)} (write alone {', '.join(f'{w:.2f}×' for w in writes)})",
                    _ok(ratios[len(ratios) // 2] <= 1.5),
                ]
            )
        for source in SOURCES:
            entry = grouped(base["stores"].get(kind, {}).get("loads", {})).get(source)
            if entry and entry.get("ratio"):
                rows.append(
                    [
                        f"{source} into {kind} ≤ 1.5× the bare script",
                        f"{entry['ratio']:.2f}× (write alone {entry['write_ratio']:.2f}×)",
                        _ok(entry["ratio"] <= 1.5),
                    ]
                )
    return rows


def _latency_targets(results: dict[float, dict[str, Any]]) -> list[list[str]]:
    """Coverage and gaps p95 against each store's limit, at every scale."""
    rows: list[list[str]] = []
    for kind, limit, key, note in (
        ("neo4j", 20.0, "questions", ""),
        ("neo4j", 20.0, "questions_first", " (nothing kept: as first asked after a write)"),
        ("embedded", 5.0, "questions", ""),
    ):
        for question in ("coverage", "gaps"):
            p95s = {
                s: q["question"]["p95"]
                for s, data in results.items()
                if (q := data["stores"].get(kind, {}).get(key, {}).get(question))
            }
            if p95s:
                every = ", ".join(f"{_x(s)} {p95:.2f}" for s, p95 in p95s.items())
                rows.append(
                    [
                        f"{question} p95 on {kind} < {limit:g} ms at every scale{note}",
                        every + " ms",
                        _ok(max(p95s.values()) < limit),
                    ]
                )
    return rows


def _growth_targets(results: dict[float, dict[str, Any]], alternated: dict[str, Any] | None) -> list[list[str]]:
    """Coverage and gaps from ×1 to the largest scale, in alternation where measured so."""
    rows: list[list[str]] = []
    scales = sorted(results)
    if len(scales) > 1 and scales[0] == 1.0:
        top = scales[-1]
        for kind in STORES:
            for question in ("coverage", "gaps"):
                growth = _growth(results, kind, question, top)
                if growth is not None:
                    rows_read = _growth(results, kind, question, top, "rows")
                    measured = f"{growth:.2f}×" + (
                        f" (rows read {rows_read:.2f}×; per row read {growth / rows_read:.2f}×)" if rows_read else ""
                    )
                    verdict = growth
                    pair = _alternated(alternated, kind, question, top)
                    if pair is not None:
                        verdict = pair["p50_ratio"]
                        measured = (
                            f"{verdict:.2f}× in alternation (rounds {_spread(_rounds(pair))}); across runs {measured}"
                            + (
                                f"; at equal neighbourhood {_at_equal_neighbourhood(fit)}"
                                if (fit := pair.get("equal_neighbourhood"))
                                else ""
                            )
                        )
                    rows.append([f"{question} on {kind}: {_x(top)} ≤ 1.5× ×1 (p50)", measured, _ok(verdict <= 1.5)])
    return rows


def _population_targets(base: dict[str, Any]) -> list[list[str]]:
    """The whole-population report on Neo4j at the base scale."""
    pop = base["stores"].get("neo4j", {}).get("population")
    if not pop:
        return []
    return [
        [
            f"whole-population report at {_x(base['scale'])} on Neo4j < 10 s",
            f"{pop['seconds']:.2f} s ({pop['pairs']} coverage answers)",
            _ok(pop["seconds"] < 10),
        ]
    ]


def _api_targets(base: dict[str, Any]) -> list[list[str]]:
    """Each store's API throughput and errors, and its overhead over the engine call."""
    rows: list[list[str]] = []
    for kind in STORES:
        a = base["stores"].get(kind, {}).get("api")
        if a and "runs" in a:
            label = "coverage" if a["endpoint"] == "coverage" else "entity (coverage endpoint not there yet)"
            rows.append(
                [
                    f"API on {kind}: ≥ 300 {label} req/s, zero errors",
                    f"{a['best_rps']:.0f} req/s, {a['errors']} errors",
                    _ok(a["best_rps"] >= 300 and a["errors"] == 0),
                ]
            )
            if a.get("overhead"):
                rows.append(
                    [
                        f"API overhead on {kind} < 1.3× the engine call ({a['endpoint']})",
                        f"{a['overhead']:.2f}× (vs engine + JSON {a['overhead_vs_json']:.2f}×; "
                        f"rounds {_spread([r['ratio'] for r in a.get('overhead_rounds', [])])})",
                        _ok(a["overhead"] < 1.3),
                    ]
                )
    return rows


def _growth(
    results: dict[float, dict[str, Any]], kind: str, question: str, scale: float, key: str = "p50"
) -> float | None:
    """``question``'s ``key`` at ``scale`` over its ×1 figure: a latency percentile (``p50``, ``p95``) or
    ``rows``, the rows it reads (its neighbourhood)."""

    def value(s: float) -> float:
        entry = results[s]["stores"][kind]["questions"][question]
        return entry["rows"] if key == "rows" else entry["question"][key]

    try:
        low, high = value(1.0), value(scale)
    except KeyError:
        return None
    return high / low if low else None


def _load_alternated(out: Path) -> dict[str, Any]:
    """The ``bench.growth`` results in ``out``, by store."""
    found = {}
    for file in sorted(out.glob("growth-*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        found[data["store"]] = data
    return found


def _alternated(alternated: dict[str, Any] | None, kind: str, question: str, scale: float) -> dict[str, Any] | None:
    """``question``'s growth on ``kind`` from ×1 to ``scale`` as ``bench.growth`` measured it, if it did."""
    data = (alternated or {}).get(kind)
    if data is None or data["scales"] != [1.0, scale]:
        return None
    return data["questions"].get(question)


def _rounds(measured: dict[str, Any]) -> list[float]:
    return [r["p50_ratio"] for r in measured["rounds"]]


def _at_equal_neighbourhood(fit: dict[str, Any] | None) -> str:
    """The growth ``bench.growth.equal_neighbourhood`` fitted, its range and reach ('—' if not measured)."""
    if fit is None:
        return "—"
    low, high = fit["range"]
    return f"{fit['growth']:.2f}× (probes {low:.2f} – {high:.2f}×; reach {fit['reach']:.1f}×)"


def _alternation(results: dict[float, dict[str, Any]], alternated: dict[str, Any]) -> list[str]:
    """The table of the growths ``bench.growth`` measured, beside the rows read (from ``bench.run``)."""
    rows = []
    for kind, data in sorted(alternated.items()):
        low, high = data["scales"]
        for question, measured in data["questions"].items():
            rows_read = _growth(results, kind, question, high, "rows") if low == 1.0 else None
            loads = [r["loadavg"][0] for r in measured["rounds"]]
            rows.append(
                [
                    kind,
                    question,
                    f"{_x(low)} → {_x(high)}",
                    f"{measured['p50_ratio']:.2f}×",
                    _spread(_rounds(measured)),
                    f"{measured['p95_ratio']:.2f}×",
                    f"{rows_read:.2f}×" if rows_read else "—",
                    f"{measured['p50_ratio'] / rows_read:.2f}×" if rows_read else "—",
                    _at_equal_neighbourhood(measured.get("equal_neighbourhood")),
                    f"{data['machine']['commit']}, {data['machine']['started'][:16]}Z",
                    f"{min(loads):.1f}–{max(loads):.1f}",
                ]
            )
    header = ["store", "question", "scales", "p50 growth (median)", "rounds (min – max)", "p95 growth (median)"]
    header += ["rows read", "p50 per row", "at equal neighbourhood", "code, when", "load avg"]
    return [
        "Measured in alternation (`python -m bench.growth`): both stores loaded and open at once, each round "
        "asking every probe of the small one, then of the large one, for a few seconds each; the figure is the "
        "median of the rounds' ratios. The table above divides two runs made minutes apart. *At equal "
        "neighbourhood*: each probe's p50 over every round against the rows its question reads; a least-squares "
        "line through the small store's probes, and each large store probe's p50 over what that line gives at its "
        "own rows read: the median (the range in brackets; *reach*, how far past the small store's largest "
        "neighbourhood the line is extended). 1× when a question's cost follows its neighbourhood alone, whatever "
        "the size of the graph (the picture below).",
        "",
        *_table(header, rows),
    ]


def _neighbourhood_picture(alternated: dict[str, Any], images: Path, prefix: str) -> list[str]:
    """Each probe's p50 against the rows it reads, on both stores of every ``bench.growth`` run, with the fitted
    lines: one picture, a panel per store and question (nothing when no run kept its probes)."""
    panels = [
        (kind, question, data["scales"], measured)
        for kind, data in sorted(alternated.items())
        for question, measured in data["questions"].items()
        if "probes" in measured
    ]
    if not panels:
        return []
    columns = min(2, len(panels))
    lines = -(-len(panels) // columns)
    fig, axes = plt.subplots(lines, columns, figsize=(6 * columns, 4.2 * lines), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax, (kind, question, scales, measured) in zip(axes.flat, panels, strict=False):
        fit = measured["equal_neighbourhood"]
        rows, p50s = measured["probes"]["rows"], measured["probes"]["p50"]
        for scale, x, y, colour in zip(scales, rows, p50s, ("C0", "C3"), strict=True):
            ax.scatter(x, y, s=14, color=colour, label=f"{_x(scale)} (each probe)")
        reach, top = max(rows[0]), max(max(r) for r in rows)
        for start, end, style, label in ((0, reach, "-", f"{_x(scales[0])} line"), (reach, top, "--", "extended")):
            line = [fit["intercept"] + fit["slope"] * x for x in (start, end)]
            ax.plot([start, end], line, color="C0", linestyle=style, linewidth=1, label=label)
        ax.set_xlabel("rows read by the question")
        ax.set_ylabel("p50, ms")
        ax.set_title(f"{question}, {kind}: {fit['growth']:.2f}× at equal neighbourhood", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    name = f"{prefix}growth-neighbourhood.png"
    fig.savefig(images / name, dpi=110)
    plt.close(fig)
    return [f"![cost against neighbourhood](img/{name})", ""]


# ---------------------------------------------------------------- sections


def _context(results: dict[float, dict[str, Any]]) -> list[str]:
    first = next(iter(results.values()))["machine"]
    out = [
        f"- CPU: {first['cpu']} — {first['cores']} cores, {first['memory_gb']} GB RAM; {first['os']}",
        f"- Python {first['python']}, neo4j driver {first['neo4j_driver']} (with neo4j-rust-ext), "
        f"networkx {first['networkx']}; {first['java']}",
        "- Neo4j 5.26 Community, the bench's own server (scripts/neo4j.sh, 2 GB heap, 4 GB page cache, more than the "
        "×16 store), on loopback.",
    ]
    for scale, data in results.items():
        m = data["machine"]
        for kind, r in data["stores"].items():
            started = r.get("started", m["started"])
            commit = r.get("commit", m.get("commit", "?"))
            out.append(
                f"- {_x(scale)} {kind}: started {started} on {commit}; load average (1/5/15 min) "
                f"{r.get('loadavg_start', m['loadavg_start'])} at the start, {r.get('loadavg_end', '—')} at the end"
            )
            for key, when in r.get("kept", {}).items():
                out.append(f"  - its `{key}` figures are an earlier run's: {when['started']} on {when['commit']}")
    out.append(
        "- The bench shares the machine's 2 cores with its own Neo4j server and API workers, and with whatever "
        "else runs (each run's load average is above): absolute times are noisy, and differ between machines of "
        "the same size; the ratios (each measured in the same run, interleaved where possible) much less so."
    )
    return [*out, ""]


def _workload(results: dict[float, dict[str, Any]]) -> list[str]:
    rows = []
    for scale, data in results.items():
        w = data["workload"]
        src = w["sources"]
        rows.append(
            [
                _x(scale),
                w["replicas"],
                w["frameworks"],
                w["programs"],
                w["courses"],
                *(src.get(s, {}).get("rows") for s in SOURCES),
                w["nodes"],
                w["edges"],
            ]
        )
    header = ["scale", "replicas", "frameworks", "programs", "courses", *(f"{s} rows" for s in SOURCES)]
    return _table([*header, "nodes", "relationships"], rows)


def _loads(results: dict[float, dict[str, Any]], images: Path, prefix: str) -> list[str]:
    return [
        *_load_table(results),
        *_esco_pairs(results),
        *_reloads(results),
        *_admin_imports(results),
        *_loads_picture(results, images, prefix),
    ]


def _load_table(results: dict[float, dict[str, Any]]) -> list[str]:
    rows = []
    for scale, data in results.items():
        for kind in STORES:
            for source in SOURCES:
                e = grouped(data["stores"].get(kind, {}).get("loads", {})).get(source)
                if not e:
                    continue
                rows.append(
                    [
                        _x(scale),
                        kind,
                        source,
                        e.get("loads", 1),
                        e.get("rows") or e.get("rows_read"),
                        e.get("parse_s"),
                        e["validate_s"],
                        e["write_s"],
                        e["pipeline_s"],
                        e.get("rows_per_s"),
                        e.get("bare_s"),
                        e.get("bare_rows_per_s"),
                        f"{e['ratio']:.2f}×" if e.get("ratio") else "—",
                        e["loadavg"][0],
                    ]
                )
    header = ["scale", "store", "source", "loads", "rows", "parse s", "validate s", "write s", "pipeline s", "rows/s"]
    return _table([*header, "bare s", "bare rows/s", "pipeline / bare", "load avg"], rows)


def _esco_pairs(results: dict[float, dict[str, Any]]) -> list[str]:
    pairs = [
        [
            _x(s),
            k,
            n + 1,
            p["bare_s"],
            p["validate_s"],
            p["write_s"],
            p["pipeline_s"],
            f"{p['ratio']:.2f}×",
            f"{p['write_ratio']:.2f}×",
            p["loadavg"][0],
        ]
        for s, d in results.items()
        for k, r in d["stores"].items()
        for n, p in enumerate(r.get("esco_pairs", []))
    ]
    if not pairs:
        return []
    header = ["scale", "store", "pair", "bare s", "validate s", "write s", "pipeline s", "pipeline / bare"]
    return [
        "ESCO alone into an empty store, the bare script and the pipeline back to back:",
        "",
        *_table([*header, "write / bare", "load avg"], pairs),
    ]


def _reloads(results: dict[float, dict[str, Any]]) -> list[str]:
    reloads = [
        [
            _x(s),
            k,
            r["reload"]["source"],
            r["reload"]["rows"],
            r["reload"]["validate_s"],
            r["reload"]["write_s"],
            r["reload"]["pipeline_s"],
            r["reload"]["summary"]["nodes_unchanged"] + r["reload"]["summary"]["edges_unchanged"],
        ]
        for s, d in results.items()
        for k, r in d["stores"].items()
        if "reload" in r
    ]
    if not reloads:
        return []
    header = ["scale", "store", "source", "rows", "validate s", "write s", "total s", "unchanged"]
    return ["Re-loading ESCO into the loaded store (nothing changes):", "", *_table(header, reloads)]


def _admin_imports(results: dict[float, dict[str, Any]]) -> list[str]:
    imports = []
    for scale, data in results.items():
        ai = data["stores"].get("neo4j", {}).get("admin_import")
        for what, r in (ai or {}).items():
            if r.get("ok"):
                imports.append(
                    [
                        _x(scale),
                        what,
                        r["rows"],
                        r["csv_seconds"],
                        r["import_seconds"],
                        r["rows_per_s"],
                        r.get("tool_seconds"),
                        r.get("tool_rows_per_s"),
                    ]
                )
            else:
                reason = " ".join(r.get("reason", "").split())[:200]
                imports.append([_x(scale), what, "—", "—", "—", "—", "—", f"failed: {reason}"])
    if not imports:
        return []
    header = ["scale", "rows", "count", "CSV write s", "wall s (JVM start included)", "rows/s"]
    return [
        "`neo4j-admin database import full` of the same rows (offline, into a fresh database, 2 threads):",
        "",
        *_table([*header, "the tool's own s", "rows/s (tool's time)"], imports),
    ]


def _loads_picture(results: dict[float, dict[str, Any]], images: Path, prefix: str) -> list[str]:
    base = results.get(1.0) or next(iter(results.values()))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, kind in zip(axes, STORES, strict=True):
        entries = grouped(base["stores"].get(kind, {}).get("loads", {}))
        names = [s for s in SOURCES if s in entries]
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], [entries[n].get("rows_per_s") or 0 for n in names], 0.4, label="pipeline")
        ax.bar([x + 0.2 for x in xs], [entries[n].get("bare_rows_per_s") or 0 for n in names], 0.4, label="bare script")
        ai = base["stores"].get(kind, {}).get("admin_import", {}).get("esco", {})
        if ai.get("ok") and "esco" in names:
            ax.scatter(
                [names.index("esco")],
                [ai.get("tool_rows_per_s") or ai["rows_per_s"]],
                marker="*",
                s=150,
                color="k",
                label="neo4j-admin import",
            )
        ax.set_xticks(list(xs), names)
        ax.set_title(f"{kind} load throughput, {_x(base['scale'])}")
        ax.set_ylabel("rows/s")
        ax.legend(fontsize=8)
    fig.tight_layout()
    name = f"{prefix}loads.png"
    fig.savefig(images / name, dpi=110)
    plt.close(fig)
    return [f"![load throughput](img/{name})", ""]


def _questions(results: dict[float, dict[str, Any]], images: Path, prefix: str) -> list[str]:
    out = []
    scales = list(results)
    for kind in STORES:
        names: list[str] = []
        for data in results.values():
            for q in data["stores"].get(kind, {}).get("questions", {}):
                if q not in names:
                    names.append(q)
        if not names:
            continue
        rows = []
        for q in names:
            row: list[Any] = [q]
            for scale in scales:
                e = results[scale]["stores"].get(kind, {}).get("questions", {}).get(q)
                if e:
                    s = e["question"]
                    row.append(f"{s['p50']:.2f} / {s['p95']:.2f} / {s['p99']:.2f}")
                    row.append(f"{e['primitives']['p50']:.2f} ({e['engine_ratio']:.1f}×)")
                    row.append(f"{e['queries']:g} / {e['rows']:,.0f}")
                else:
                    row += ["—", "—", "—"]
            rows.append(row)
        header = ["question"]
        for scale in scales:
            header += [
                f"{_x(scale)} p50 / p95 / p99 ms",
                f"{_x(scale)} primitives p50 ms (question ÷)",
                f"{_x(scale)} queries / rows",
            ]
        out += [f"**{kind}**", "", *_table(header, rows)]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=False)
    for ax, kind in zip(axes, STORES, strict=True):
        names = list(next(iter(results.values()))["stores"].get(kind, {}).get("questions", {}))
        width = 0.8 / max(len(scales), 1)
        for i, scale in enumerate(scales):
            qs = results[scale]["stores"].get(kind, {}).get("questions", {})
            ax.bar(
                [x + i * width for x in range(len(names))],
                [qs.get(n, {}).get("question", {}).get("p95", 0) for n in names],
                width,
                label=f"{_x(scale)} p95",
            )
        ax.set_yscale("log")
        ax.set_xticks(
            [x + width * (len(scales) - 1) / 2 for x in range(len(names))], names, rotation=60, ha="right", fontsize=8
        )
        ax.set_ylabel("ms (log)")
        ax.set_title(f"question latency p95, {kind}")
        ax.axhline(20 if kind == "neo4j" else 5, color="r", linestyle=":", linewidth=1)
        ax.legend(fontsize=8)
    fig.tight_layout()
    name = f"{prefix}questions.png"
    fig.savefig(images / name, dpi=110)
    plt.close(fig)
    return [*out, f"![question latency](img/{name})", ""]


def _growth_section(
    results: dict[float, dict[str, Any]], alternated: dict[str, Any], images: Path, prefix: str
) -> list[str]:
    scales = sorted(results)
    if len(scales) < 2 or scales[0] != 1.0:
        return ["(needs ×1 and a larger scale factor)", ""]
    rows = []
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, kind in zip(axes, STORES, strict=True):
        names = list(results[1.0]["stores"].get(kind, {}).get("questions", {}))
        for q in names:
            ratios = [_growth(results, kind, q, s) for s in scales]
            if any(r is None for r in ratios):
                continue
            row: list[Any] = [kind, q + (" †" if q in POPULATION else "")]
            for s in scales[1:]:
                growth, rows_read = _growth(results, kind, q, s), _growth(results, kind, q, s, "rows")
                row += [
                    f"{growth:.2f}×",
                    f"{_growth(results, kind, q, s, 'p95'):.2f}×",
                    f"{rows_read:.2f}×" if rows_read else "—",
                    f"{growth / rows_read:.2f}×" if growth and rows_read else "—",
                ]
            rows.append(row)
            ax.plot(scales, ratios, marker="o", label=q, linestyle="--" if q in POPULATION else "-")
        ax.set_xscale("log", base=2)
        ax.set_xticks(scales, [_x(s) for s in scales])
        ax.axhline(1.5, color="r", linestyle=":", linewidth=1)
        ax.set_ylabel("p50 ÷ p50 at ×1")
        ax.set_title(f"cost growth with the graph, {kind}")
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    name = f"{prefix}growth.png"
    fig.savefig(images / name, dpi=110)
    plt.close(fig)
    header = ["store", "question"]
    for s in scales[1:]:
        header += [f"{_x(s)} p50 ÷ ×1", f"{_x(s)} p95 ÷ ×1", f"{_x(s)} rows read ÷ ×1", f"{_x(s)} p50 per row ÷ ×1"]
    return [
        *_table(header, rows),
        "† the answer itself grows with the population (candidates across all programs, rankings, gap candidates "
        "anywhere in the graph): its cost is expected to follow the rows it reads, not stay flat. *p50 per row* is "
        "the p50 growth over the growth of the rows read: 1× when a question's cost follows its neighbourhood alone, "
        "more when it grows with the graph beyond what the question reads.",
        "",
        f"![growth](img/{name})",
        "",
        *(_alternation(results, alternated) if alternated else []),
        "",
        *_neighbourhood_picture(alternated, images, prefix),
    ]


def _guide(results: dict[float, dict[str, Any]]) -> list[str]:
    """One row per query of the Browser guide: its p50 / p95 and the rows it returns at each scale factor."""
    measured = {s: d["stores"]["neo4j"]["guide"] for s, d in results.items() if "guide" in d["stores"].get("neo4j", {})}
    if not measured:
        return ["Not measured yet.", ""]
    names = list(dict.fromkeys(name for queries in measured.values() for name in queries))
    rows = []
    for name in names:
        row: list[Any] = [f"`{name}`"]
        for queries in measured.values():
            q = queries.get(name)
            row += [f"{_f(q['latency']['p50'], 2)} / {_f(q['latency']['p95'], 2)}", q["rows"]] if q else ["—", "—"]
        rows.append(row)
    header = ["query", *(c for s in measured for c in (f"{_x(s)} p50 / p95 ms", f"{_x(s)} rows"))]
    return _table(header, rows)


def _browse(results: dict[float, dict[str, Any]]) -> list[str]:
    """One row per scale and store: the first search, then p50 / p95 of each browse call."""
    calls = ["search", "entity", "neighbourhood_1", "neighbourhood_2", "stats"]
    rows = []
    for s, d in results.items():
        for kind, r in d["stores"].items():
            if "browse" not in r:
                continue
            b = r["browse"]
            cells = [f"{_f(b[c]['latency']['p50'], 2)} / {_f(b[c]['latency']['p95'], 2)}" for c in calls]
            rows.append([_x(s), kind, _f(b["first_search_ms"], 1), *cells])
    if not rows:
        return ["Not measured yet.", ""]
    header = ["scale", "store", "first search ms", *(f"{c} p50 / p95 ms" for c in calls)]
    return _table(header, rows)


def _population(results: dict[float, dict[str, Any]]) -> list[str]:
    rows = [
        [
            _x(s),
            k,
            r["population"]["pairs"],
            r["population"]["programs"],
            r["population"]["seconds"],
            r["population"]["per_pair_ms"],
            r["population"]["loadavg"][0],
        ]
        for s, d in results.items()
        for k, r in d["stores"].items()
        if "population" in r
    ]
    return _table(["scale", "store", "coverage answers", "programs", "seconds", "ms per answer", "load avg"], rows)


def _api(results: dict[float, dict[str, Any]], images: Path, prefix: str) -> list[str]:
    rows = []
    fig, ax = plt.subplots(figsize=(7, 4))
    for scale, data in results.items():
        for kind, r in data["stores"].items():
            a = r.get("api")
            if not a:
                continue
            if "runs" not in a:
                why = a.get("skipped") or f"failed: {a.get('error', '')[:200]}"
                rows.append([_x(scale), kind, "—", "—", "—", "—", "—", "—", why])
                continue
            for run in a["runs"]:
                lat = run["latency"]
                rows.append(
                    [
                        _x(scale),
                        kind,
                        a["endpoint"],
                        run["concurrency"],
                        run["requests"],
                        run["errors"],
                        run["rps"],
                        f"{lat.get('p50', 0):.2f} / {lat.get('p95', 0):.2f} / {lat.get('p99', 0):.2f}",
                        run["loadavg"][0],
                    ]
                )
            ax.plot(
                [run["concurrency"] for run in a["runs"]],
                [run["rps"] for run in a["runs"]],
                marker="o",
                label=f"{kind} {_x(scale)} ({a['endpoint']})",
            )
    ax.axhline(300, color="r", linestyle=":", linewidth=1)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("concurrent connections")
    ax.set_ylabel("requests/s")
    ax.set_title("API throughput, uvicorn 2 workers")
    ax.legend(fontsize=8)
    fig.tight_layout()
    name = f"{prefix}api.png"
    fig.savefig(images / name, dpi=110)
    plt.close(fig)
    out = _table(
        ["scale", "store", "endpoint", "connections", "requests", "errors", "req/s", "p50 / p95 / p99 ms", "load avg"],
        rows,
    )
    over = []
    for scale, data in results.items():
        for kind, r in data["stores"].items():
            a = r.get("api")
            if a and "engine" in a:
                over.append(
                    [
                        _x(scale),
                        kind,
                        a["endpoint"],
                        a["engine"]["engine"]["p50"],
                        a["engine"]["engine_json"]["p50"],
                        a.get("floor", {}).get("latency", {}).get("p50", "—"),
                        a.get("api_p50", a["runs"][0]["latency"].get("p50")),
                        f"{a['overhead']:.2f}×",
                        _spread([r["ratio"] for r in a.get("overhead_rounds", [])]),
                        a["startup_s"],
                    ]
                )
    out += [
        "Overhead: one request at a time over HTTP against the same call in-process, in rounds alternating the two "
        "(the API's p50 over the engine's, per round; the engine's and the API's p50 are those of the median round):",
        "",
    ]
    out += _table(
        [
            "scale",
            "store",
            "endpoint",
            "engine p50 ms",
            "engine + JSON p50 ms",
            "floor p50 ms (GET /health; on Neo4j with a round trip)",
            "API p50 ms",
            "API ÷ engine (median)",
            "rounds (min – max)",
            "server start-up s",
        ],
        over,
    )
    return [*out, f"![API throughput](img/{name})", ""]


def _spread(values: list[float]) -> str:
    """``min – max× (n)`` of ``values``, or a dash for none.

    >>> _spread([1.31, 1.2, 1.45])
    '1.20 – 1.45× (3)'
    """
    return f"{min(values):.2f} – {max(values):.2f}× ({len(values)})" if values else "—"


def _memory(results: dict[float, dict[str, Any]], images: Path, prefix: str) -> list[str]:
    rows = []
    xs, rss, start = [], [], []
    for scale, data in results.items():
        m = data["stores"].get("embedded", {}).get("memory")
        n = data["stores"].get("neo4j", {}).get("server", {})
        if m:
            rows.append(
                [
                    _x(scale),
                    m["nodes"],
                    m["edges"],
                    m["file_mb"],
                    m["open_s"],
                    m["store_mb"],
                    m["peak_rss_mb"],
                    m.get("gc_full_ms"),
                    m.get("gc_full_ms_frozen"),
                    n.get("server_rss_mb"),
                    n.get("store_mb"),
                ]
            )
            xs.append(scale)
            rss.append(m["store_mb"])
            start.append(m["open_s"])
    if not rows:
        return ["(not measured)", ""]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(xs, rss, marker="o", label="RSS of the graph, MB")
    ax2 = ax.twinx()
    ax2.plot(xs, start, marker="s", color="tab:orange", label="start-up, s")
    ax.set_xlabel("scale factor")
    ax.set_ylabel("MB")
    ax2.set_ylabel("s")
    ax.set_title("embedded store: memory and start-up")
    fig.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    name = f"{prefix}memory.png"
    fig.savefig(images / name, dpi=110)
    plt.close(fig)
    header = ["scale", "nodes", "relationships", "SQLite file MB", "start-up s", "RSS of the store MB", "peak RSS MB"]
    header += ["full gc ms", "full gc ms after gc.freeze()", "Neo4j server RSS MB", "Neo4j store MB"]
    note = (
        "*full gc*: one `gc.collect()` with the graph loaded — the pause a request meets whenever Python's "
        "oldest generation is collected; *after gc.freeze()*: the same once the graph is in the permanent "
        "generation (the proposed fix). *Neo4j store MB* is the database directory at the end of that store's "
        "run; it does not shrink when the bench clears the database, so a scale measured after a larger one "
        "shows the larger one's size."
    )
    return [*_table(header, rows), note, "", f"![memory](img/{name})", ""]


def _catchup(results: dict[float, dict[str, Any]]) -> list[str]:
    """One row per scale: what the embedded store's first read and search cost after another process's write,
    against reading the whole file again and building the search index anew."""
    rows = []
    for scale, data in results.items():
        c = data["stores"].get("embedded", {}).get("catchup")
        if c:
            written = changed(c["rows"])
            rows.append(
                [
                    _x(scale),
                    written,
                    f"{_f(c['load']['first_read_ms'], 1)} / {_f(c['load']['first_search_ms'], 1)}",
                    f"{_f(c['rollback']['first_read_ms'], 1)} / {_f(c['rollback']['first_search_ms'], 1)}",
                    f"{_f(c['reload_ms'] / 1000, 2)} / {_f(c['index_ms'] / 1000, 2)}",
                ]
            )
    if not rows:
        return ["Not measured yet.", ""]
    header = ["scale", "items the workbook wrote", "after its load: first read / first search ms"]
    header += ["after its rollback: first read / first search ms", "the whole file read again / index built s"]
    return _table(header, rows)


def write(out: Path, report: Path, images: Path) -> None:
    """Write ``report`` (markdown) and its PNG plots under ``images`` from the results in ``out``."""
    results = _load(out)
    if not results:
        raise SystemExit(f"no results in {out}")
    alternated = _load_alternated(out)
    images.mkdir(parents=True, exist_ok=True)
    prefix = "bench-"
    quick = any(d.get("quick") for d in results.values())
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m bench.run` (see `bench/`) from `bench/results/scale-*.json`; the prose under "
        "*Analysis* is `bench/analysis.md`. Nothing here is asserted by a test: the quick mode of the same "
        "command runs in the suite (tests/test_bench_quick.py) so that it keeps working.",
        "",
    ]
    if quick:
        lines += ["**Quick run (×0.05 subset): the figures only show that the benchmark works.**", ""]
    lines += ["## Targets", "", *_table(["target", "measured", "verdict"], targets(results, alternated))]
    lines += ["## Machine and load", "", *_context(results)]
    lines += [
        "## Workload",
        "",
        "Real ESCO v1.1.1 and CSCO 2022 plus a seeded synthetic school world (bench/workload.py): ×1 is 200 "
        "programs × 30 courses with standards for 120 real CSCO occupations; ×f adds f − 1 provinces of schools "
        "and f − 1 synthetic frameworks of ESCO's shape (copies of ESCO with new ids, 25 % of the skills "
        "EXACT_MATCH and 10 % CLOSE_MATCH their ESCO original). The questions are asked about the same "
        "replica-0 ids at every scale factor.",
        "",
        *_workload(results),
    ]
    lines += [
        "## Loads",
        "",
        "The pipeline is `loaders.pipeline.load` (validate everything against the ontology, then one atomic "
        "store write; keep-valid, so ESCO's 78 dangling references are rejected and reported). The bare "
        "scripts (bench/bare.py) write exactly the validated rows: on Neo4j `UNWIND $rows AS row MERGE … SET "
        "… += row.props`, 10,000 rows per committed transaction; on the embedded store one SQLite transaction "
        "of `executemany` upserts plus `networkx` adds. Sources load in the order shown, each into the store "
        "holding the ones before it. *pipeline / bare* compares validate + write with the bare write; parsing "
        "(the same for both) is shown apart.",
        "",
        *_loads(results, images, prefix),
    ]
    lines += [
        "## Questions",
        "",
        "Each question asked round-robin over its probes (20 program/occupation pairs, 20 programs, 6 regions, "
        "10 occupations, 10 employers, 20 learner profiles), for up to the time budget, after a warm-up. Each "
        "call is followed by a replay of the primitive calls it made (the same reads, in one read transaction, "
        "without the engine): *question ÷* is question p50 over primitives p50. *queries / rows* is the "
        "number of primitive calls and the rows they returned (the question's neighbourhood).",
        "",
        *_questions(results, images, prefix),
    ]
    lines += ["## Growth with the graph", "", *_growth_section(results, alternated, images, prefix)]
    lines += [
        "## Whole-population report",
        "",
        "Coverage of every program against each occupation it targets, one `Questions.coverage` call each, "
        "sequentially, in one process.",
        "",
        *_population(results),
    ]
    lines += [
        "## Search and browse",
        "",
        "What `/search`, `/entities/{id}`, `/neighbourhood/{id}` (depth 1 and 2) and `/stats` ask the service, in "
        "process (bench/browse.py): search over nine Chinese and English words, rare and common; an entity and "
        "its neighbourhood for each probe program and occupation; each round-robin for up to the time budget "
        "after a pass. *first search*: the first search the store answered after its load (the embedded store "
        "builds its search index then).",
        "",
        *_browse(results),
    ]
    lines += [
        "## The Browser guide's queries (Neo4j)",
        "",
        "What analysts paste from the guide (docs/browser.md), run as the Browser sends it, one read transaction "
        "each, with the guide's parameters set to each probe pair (its program, occupation and level, a course "
        "of the program, the first probe region), round-robin for up to the time budget after a warm-up pass "
        "(bench/guide.py). *rows*: the mean over the pairs.",
        "",
        *_guide(results),
    ]
    lines += [
        "## API",
        "",
        "`uvicorn api.main:app --workers 2` over the store, loaded by `python -m bench.apiload` (a separate "
        "process, asyncio, keep-alive connections, bounded by time and count) on loopback; the request paths "
        "cycle over the probes.",
        "",
        *_api(results, images, prefix),
    ]
    lines += ["## Embedded store: start-up and memory", "", *_memory(results, images, prefix)]
    lines += [
        "## Embedded store: another process's write",
        "",
        "A store open with its search index built (an API worker), while another process (the CLI, the API's "
        "other worker) loads a school's workbook (the demo's) into the same file and then rolls it back; after "
        "each, the store's first read and first search (bench/catchup.py). The last column is what each of "
        "those writes cost the store before round 17: the whole file read again, then the search index built anew "
        "on the first search.",
        "",
        *_catchup(results),
    ]
    if ANALYSIS.exists() and not quick:
        lines += ["## Analysis", "", ANALYSIS.read_text(encoding="utf-8").strip(), ""]
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines), encoding="utf-8")
