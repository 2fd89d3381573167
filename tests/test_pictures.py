"""The pictures (api/pictures.py): valid PNG and SVG, Chinese without missing glyphs, a layout that stays
readable at 20 courses × 80 competencies, bad arguments refused, and safe to draw from several threads."""

from __future__ import annotations

import dataclasses
import io
import logging
import random
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from api.pictures import (
    CELL,
    CJK_FAMILIES,
    DPI,
    GAP_EDGE,
    PNG_SIGNATURE,
    MissingFontError,
    cjk_font,
    coverage_chart,
    coverage_figure,
    heatmap,
    heatmap_figure,
    packaged_font,
    resolve_cjk_font,
)
from graph.errors import InvalidInputError
from graph.questions import Coverage, CurriculumMap, Questions, demo_questions
from graph.questions.curriculum_map import MapCell, MapColumn, MapRow
from ontology.schema import load_schema

IRAM, OPERATOR = "program:IRAM", "csco:6-31-07-03"
PROGRAM_NAME, OCCUPATION_NAME = "工业机器人应用与维护", "工业机器人系统操作员"


@pytest.fixture(scope="module")
def q() -> Questions:
    return demo_questions()


@pytest.fixture(scope="module")
def demo_map(q: Questions) -> CurriculumMap:
    return q.curriculum_map(IRAM, OPERATOR, 3)


@pytest.fixture(scope="module")
def demo_coverage(q: Questions) -> Coverage:
    return q.coverage(IRAM, OPERATOR, 3)


def synthetic_map(courses: int = 20, competencies: int = 80, seed: int = 7) -> CurriculumMap:
    """A map the size of a real program's: long names, all four dimensions, every kind of cell and gap."""
    rnd = random.Random(seed)
    subjects = [
        "工业机器人",
        "智能产线",
        "PLC控制系统",
        "伺服驱动",
        "机器视觉",
        "数控机床",
        "传感器网络",
        "人机界面(HMI)",
    ]
    actions = ["安装与调试", "编程与仿真", "故障诊断与维修", "运行监控与异常处理", "日常保养", "参数设定与程序切换"]
    rows = [
        MapRow(
            course=f"course:SX-{i + 1:03d}",
            name_zh=f"{rnd.choice(subjects)}{rnd.choice(actions)}" + ("综合实训项目" if i % 5 == 4 else ""),
            name_en=f"Course {i + 1}",
            category=("public_foundation", "professional_foundation", "integrated")[min(i // 6, 2)],
            hours=rnd.choice([48, 72, 96, 160]),
            semester=1 + i * 6 // courses,
            required=True,
        )
        for i in range(courses)
    ]
    dimensions = ["professional"] * (competencies * 6 // 10) + ["methodological"] * (competencies * 2 // 10)
    dimensions += ["social"] * (competencies // 10)
    dimensions += ["quality"] * (competencies - len(dimensions))
    columns = []
    for j, dimension in enumerate(dimensions):
        required = rnd.random() < 0.7
        status = rnd.choices(["covered", "under_level", "missing"], [6, 2, 1])[0] if required else None
        columns.append(
            MapColumn(
                competency=f"comp:X-{j + 1:03d}",
                name_zh=f"{rnd.choice(subjects)}{rnd.choice(actions)}"[: rnd.choice([4, 8, 12, 20])],
                name_en=f"Competency {j + 1} with a rather long English name",
                dimension=dimension,
                required=required,
                required_level=rnd.choice([None, 2, 3, 3, 4]) if required else None,
                status=status,
            )
        )
    cells = []
    for row in rows:
        for col in columns:
            if col.status != "missing" and rnd.random() < 0.12:
                level = rnd.choice([None, 1, 2, 3, 4, 5])
                cells.append(MapCell(row.course, col.competency, level, True, [], []))
    return CurriculumMap("program:SYN", "csco:0-00-00-00", 3, False, False, rows, columns, cells, [], [])


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # decodes the whole file: a truncated or corrupt PNG fails here
        return image.size


def svg_root(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


@pytest.fixture
def no_font_problems(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail on any missing glyph (a warning) and any font fallback matplotlib logs (e.g. no bold face)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with caplog.at_level(logging.WARNING, logger="matplotlib"):
            yield
    glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not glyphs, glyphs[:5]
    fonts = [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib")]
    assert not fonts, fonts[:5]


class TestHeatmap:
    def test_png(self, demo_map: CurriculumMap) -> None:
        width, height = png_size(heatmap(demo_map, program_name=PROGRAM_NAME, occupation_name=OCCUPATION_NAME))
        # 53 columns of CELL inches plus the labels: wide, but within a screen or a slide at full resolution
        assert 53 * CELL * DPI < width < 2600
        assert 18 * CELL * DPI < height < 1600

    def test_svg_names_the_program(self, demo_map: CurriculumMap) -> None:
        data = heatmap(demo_map, "svg", program_name=PROGRAM_NAME, occupation_name=OCCUPATION_NAME)
        svg_root(data)
        text = data.decode("utf-8")
        # Glyphs are paths; the title is in the metadata, and each text is in a comment before its paths.
        assert PROGRAM_NAME in text and OCCUPATION_NAME in text
        assert "思想政治" in text  # a course

    def test_no_missing_glyphs(self, demo_map: CurriculumMap, no_font_problems: None) -> None:
        for lang in ("zh", "en"):
            for fmt in ("png", "svg"):
                heatmap(demo_map, fmt, lang=lang, program_name=PROGRAM_NAME, occupation_name=OCCUPATION_NAME)

    def test_gaps_are_marked(self, demo_map: CurriculumMap) -> None:
        fig = heatmap_figure(demo_map)
        outlines = [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_linewidth() > 1.5]
        colours = [_hex(p.get_edgecolor()) for p in outlines]
        statuses = [c.status for c in demo_map.columns]
        assert colours.count(GAP_EDGE["missing"]) == statuses.count("missing") == 6
        assert colours.count(GAP_EDGE["under_level"]) == statuses.count("under_level") == 5
        texts = _texts(fig)
        assert "岗位要求等级" in texts
        for label, _en in load_schema().level_labels().values():  # the legend reads the ontology's scale
            assert any(label in t for t in texts)

    def test_without_occupation(self, q: Questions, no_font_problems: None) -> None:
        m = q.curriculum_map(IRAM)
        fig = heatmap_figure(m, program_name=PROGRAM_NAME)
        assert "岗位要求等级" not in _texts(fig)  # no requirements: no strip
        png_size(heatmap(m))

    def test_empty_map(self) -> None:
        empty = CurriculumMap("program:EMPTY", None, None, False, False, [], [], [], [], [])
        assert png_size(heatmap(empty))[0] > 0
        svg_root(heatmap(empty, "svg"))

    def test_size_grows_with_the_map(self, no_font_problems: None) -> None:
        m = synthetic_map(20, 80)
        width, height = png_size(heatmap(m, program_name="智能制造装备技术", occupation_name="智能制造工程技术人员"))
        assert 80 * CELL * DPI < width < 3600  # every column gets its cell, and the picture stays printable
        assert 20 * CELL * DPI < height < 2000
        svg_root(heatmap(m, "svg"))

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_large_map_has_no_overlapping_text(self, lang: str) -> None:
        fig = heatmap_figure(synthetic_map(20, 80), lang=lang, program_name="智能制造装备技术")
        assert _overlaps(fig) == []

    def test_demo_has_no_overlapping_text(self, demo_map: CurriculumMap) -> None:
        fig = heatmap_figure(demo_map, program_name=PROGRAM_NAME, occupation_name=OCCUPATION_NAME)
        assert _overlaps(fig) == []

    @pytest.mark.parametrize("lang", ["zh", "en"])
    @pytest.mark.parametrize(("courses", "competencies"), [(1, 1), (3, 5), (4, 9)])
    def test_small_maps_fit(self, lang: str, courses: int, competencies: int) -> None:
        m = synthetic_map(courses, competencies, seed=competencies)
        via = [dataclasses.replace(c, via=["comp:OTHER"]) for c in m.cells[:1]]
        m = dataclasses.replace(m, cells=via + m.cells[1:])
        assert _overlaps(heatmap_figure(m, lang=lang)) == []

    def test_dimension_groups_in_ontology_order(self) -> None:
        fig = heatmap_figure(synthetic_map(20, 80))
        scheme = load_schema().enumeration("CompetencyDimensionScheme")
        headers = [t.get_text() for t in fig.axes[0].texts if t.get_fontsize() >= 7 and "（" in t.get_text()]
        expected = [scheme.label(d, "zh") for d in scheme.notations]
        assert [h.split("（")[0] for h in headers] == expected

    def test_long_names_are_cut(self) -> None:
        texts = _texts(heatmap_figure(synthetic_map(20, 80)))
        assert any(t.endswith("︙") for t in texts)  # vertical competency names
        assert all(t.count("\n") < 12 for t in texts)


class TestCoverageChart:
    def test_png_and_svg(self, demo_coverage: Coverage) -> None:
        width, height = png_size(coverage_chart(demo_coverage, program_name=PROGRAM_NAME))
        assert 1000 < width < 2000 and 800 < height < 1600
        data = coverage_chart(demo_coverage, "svg", program_name=PROGRAM_NAME, occupation_name=OCCUPATION_NAME)
        svg_root(data)
        assert PROGRAM_NAME in data.decode("utf-8")

    def test_contents(self, demo_coverage: Coverage) -> None:
        texts = _texts(coverage_figure(demo_coverage))
        scheme = load_schema().enumeration("CompetencyDimensionScheme")
        for notation in scheme.notations:
            assert scheme.label(notation, "zh") in texts
        assert "23（68%）" in texts and "达标 68%  23/34" in texts  # counts and ratios
        assert any(t.startswith("3. 程序编制") for t in texts)  # the per-task panel, in task order

    def test_no_missing_glyphs(self, demo_coverage: Coverage, no_font_problems: None) -> None:
        for lang in ("zh", "en"):
            for fmt in ("png", "svg"):
                coverage_chart(demo_coverage, fmt, lang=lang)

    def test_no_overlapping_text(self, demo_coverage: Coverage) -> None:
        assert _overlaps(coverage_figure(demo_coverage, program_name=PROGRAM_NAME)) == []

    def test_weighted_and_empty_dimension(self, q: Questions, no_font_problems: None) -> None:
        cov = q.coverage(IRAM, OPERATOR, 1, weight="importance")
        texts = _texts(coverage_figure(cov))
        assert any("加权" in t for t in texts)
        if any(t.total == 0 for t in cov.by_dimension.values()):
            assert "无要求" in texts


class TestArguments:
    @pytest.mark.parametrize("fmt", ["jpg", "PNG", "pdf", ""])
    def test_bad_format(self, demo_map: CurriculumMap, demo_coverage: Coverage, fmt: str) -> None:
        with pytest.raises(InvalidInputError, match="png, svg"):
            heatmap(demo_map, fmt)
        with pytest.raises(InvalidInputError, match="png, svg"):
            coverage_chart(demo_coverage, fmt)

    def test_bad_language(self, demo_map: CurriculumMap, demo_coverage: Coverage) -> None:
        with pytest.raises(InvalidInputError, match="zh, en"):
            heatmap(demo_map, lang="fr")
        with pytest.raises(InvalidInputError, match="zh, en"):
            coverage_chart(demo_coverage, "svg", lang="de")


class TestFonts:
    def test_a_cjk_font_is_used(self) -> None:
        family = cjk_font()
        assert family in CJK_FAMILIES or family.startswith("Noto Sans CJK")

    def test_packaged_font_is_installed(self) -> None:
        path = packaged_font()
        assert path is not None and path.stat().st_size > 1_000_000

    def test_system_font_preferred(self) -> None:
        assert resolve_cjk_font(["WenQuanYi Zen Hei", "SimHei"], Path("x.otf")) == ("WenQuanYi Zen Hei", None)
        assert resolve_cjk_font(["DejaVu Sans"], Path("x.otf")) == (None, Path("x.otf"))

    def test_no_font_says_how_to_install_one(self) -> None:
        with pytest.raises(MissingFontError) as raised:
            resolve_cjk_font(["DejaVu Sans"], None)
        assert "pip install" in str(raised.value) and "fonts-noto-cjk" in str(raised.value)


def test_threads_draw_the_same_picture(demo_map: CurriculumMap, demo_coverage: Coverage) -> None:
    """No pyplot and no rcParams: pictures drawn at once in several threads equal the one drawn alone."""
    alone = heatmap(demo_map), coverage_chart(demo_coverage)
    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(lambda _: (heatmap(demo_map), coverage_chart(demo_coverage)), range(4)))
    assert all(d == alone for d in drawn)


# ------------------------------------------------------------------------------------------------ helpers


def _hex(colour: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in colour[:3])


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of visible texts whose drawn boxes overlap (shrunk by a pixel: touching is not overlapping), and
    texts that stick out of the picture (paired with "outside")."""
    fig.canvas.draw()  # lays out the legend, whose texts have no place until drawn
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    boxes = np.array([t.get_window_extent(renderer).extents for t in texts])
    boxes += np.array([1, 1, -1, -1])
    width, height = fig.canvas.get_width_height()
    outside = (boxes[:, 0] < 0) | (boxes[:, 1] < 0) | (boxes[:, 2] > width) | (boxes[:, 3] > height)
    if outside.any():
        return [(texts[k].get_text(), "outside") for k in np.nonzero(outside)[0]]
    x0, y0, x1, y1 = (boxes[:, k] for k in range(4))
    hit = (x0[:, None] < x1[None, :]) & (x0[None, :] < x1[:, None]) & (y0[:, None] < y1[None, :])
    hit &= y0[None, :] < y1[:, None]
    i, j = np.nonzero(np.triu(hit, 1))
    return [(texts[a].get_text(), texts[b].get_text()) for a, b in zip(i, j, strict=True)]
