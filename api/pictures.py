"""Pictures of the answers for meetings and reports: the curriculum map as a heat-map, coverage as stacked bars.

``heatmap`` draws question 3 (course × competency, coloured by developed
level, with the occupation's required level above each column and the gaps
outlined); ``coverage_chart`` draws question 1 (covered / under-level /
missing per dimension, overall and per typical work task). Both return PNG or
SVG bytes.

They use matplotlib's object API (``Figure`` on the Agg canvas), never
``pyplot``: pyplot keeps a global registry of open figures, and these run in a
web server's threads. For the same reason no ``rcParams`` are changed: every
text gets its font explicitly.

Chinese labels need a CJK font, which matplotlib does not ship: ``cjk_font``
prefers an installed system font (Noto Sans CJK SC, Source Han Sans SC,
WenQuanYi, SimHei, …) and otherwise registers the Noto Sans CJK file of the
``cvttf-NotoSansCJK-Regular`` package (a dependency). Every text in Chinese is
tagged ``zh-Hans``, so a pan-CJK font draws the simplified-Chinese glyph forms.
The labels of dimensions and levels come from the ontology.

Examples
--------
>>> from graph.questions import demo_questions
>>> m = demo_questions().curriculum_map("program:IRAM", "csco:6-31-07-03", 3)
>>> heatmap(m, program_name="工业机器人应用与维护")[:8] == PNG_SIGNATURE
True
>>> b"<svg" in coverage_chart(demo_questions().coverage("program:IRAM", "csco:6-31-07-03", 3), "svg")
True
"""

from __future__ import annotations

import importlib.util
import io
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib import font_manager, patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, Rectangle
from matplotlib.text import Text

from graph.errors import InvalidInputError
from graph.questions.coverage import Coverage, Tally
from graph.questions.curriculum_map import CurriculumMap, MapColumn, MapRow
from graph.questions.model import COVERED, MISSING, UNDER_LEVEL
from ontology.schema import Schema, load_schema

FORMATS = ("png", "svg")
LANGS = ("zh", "en")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DPI = 120  # PNG resolution: sharp on a projector, and a 20 × 80 map stays within about 3,000 px wide
MAX_PIXELS = 12_000  # the longer side of a PNG at most (Agg's limit is 65,536; beyond this, lower the resolution)

#: System CJK fonts, best first. Simplified-Chinese families lead; the pan-CJK families of other regions hold the
#: same glyphs, and the zh-Hans tag on each text selects the simplified forms from them.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Source Han Sans TC",
    "Source Han Sans",
)
#: The Python package that ships a Noto Sans CJK font file (the project's dependency for machines without one).
FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
FONT_PACKAGE_PIP = "cvttf-NotoSansCJK-Regular==1.0"
#: Symbols a CJK font may lack (✓, …) fall back to matplotlib's own font.
FALLBACK_FAMILY = "DejaVu Sans"

# Status colours, shared by both pictures so that red means missing and orange under-level everywhere.
STATUS_COLOURS = {COVERED: "#59a14f", UNDER_LEVEL: "#f28e2b", MISSING: "#e15759"}
GAP_EDGE = {MISSING: "#c62828", UNDER_LEVEL: "#ef6c00"}
# Developed levels 1–5 as steps of one sequential blue: light = low; blue stays apart from the red/orange of gaps.
LEVEL_COLOURS = ("#c6dbef", "#9ecae1", "#5fa2ce", "#2b7bba", "#08468c")
MISSING_FILL, MISSING_HATCH = "#fdecea", "#ef9a9a"  # a missing column: pale red, hatched
VIA_MARK = "#6a3d9a"  # corner of a cell developed only through an equivalent (matched) competency
AGNOSTIC_COLOUR = "#cfcfcf"  # developed (or required) without a stated level
GRID_EDGE = "#dcdcdc"
INK = "#222222"
MUTED = "#7a7a7a"

CELL = 0.25  # inches per heat-map cell (square): 18 pt, room for a 7–8 pt label or level figure
COLUMN_LABEL_CHARS = 12  # competency names longer than this are cut with an ellipsis
ROW_LABEL_EM = 16.0  # course names wider than this (in em) are cut
TASK_LABEL_EM = 18.0  # typical work task names likewise


# Features of newer matplotlib, used when present (pyproject allows 3.8): a text's language (3.11) selects
# the simplified glyph forms of a pan-CJK font; a hatch colour apart from the edge colour (3.10).
_TEXT_LANGUAGE = hasattr(Text, "set_language")
_HATCH_COLOUR = hasattr(Patch, "set_hatchcolor")


def _hatch(colour: str) -> dict[str, object]:
    """Keyword arguments for a hatched patch without an outline, with hatch lines of ``colour``."""
    if _HATCH_COLOUR:
        return {"hatch": "////", "hatchcolor": colour, "edgecolor": "none"}
    return {"hatch": "////", "edgecolor": colour, "linewidth": 0}  # before 3.10 the hatch takes the edge colour


class MissingFontError(RuntimeError):
    """No font that can draw Chinese is installed (a deployment problem, not the caller's)."""


# --------------------------------------------------------------------------------------------------------- fonts

_font_lock = threading.Lock()
_font_family: str | None = None


def packaged_font() -> Path | None:
    """The font file of the ``cvttf-NotoSansCJK-Regular`` package, or None when it is not installed."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix.lower() in (".otf", ".ttf", ".ttc"):
                return path
    return None


def resolve_cjk_font(installed: Iterable[str], packaged: Path | None) -> tuple[str | None, Path | None]:
    """Choose a CJK font: (family of an installed one, None) or (None, packaged file); raise when there is neither.

    >>> resolve_cjk_font(["DejaVu Sans", "WenQuanYi Zen Hei", "Noto Sans CJK SC"], None)
    ('Noto Sans CJK SC', None)
    >>> resolve_cjk_font(["DejaVu Sans"], Path("NotoSansCJK.otf"))
    (None, PosixPath('NotoSansCJK.otf'))
    """
    names = set(installed)
    for family in CJK_FAMILIES:
        if family in names:
            return family, None
    if packaged is not None:
        return None, packaged
    raise MissingFontError(
        "no font that can draw Chinese labels is installed. Install the Python package "
        f"(pip install '{FONT_PACKAGE_PIP}', a dependency of chanjiao), or a system CJK font such as Debian's "
        "fonts-noto-cjk (apt-get install fonts-noto-cjk) and then delete matplotlib's font cache "
        "(~/.cache/matplotlib/fontlist-*.json) so that it is found. Fonts looked for: " + ", ".join(CJK_FAMILIES)
    )


def cjk_font() -> str:
    """The family name of the CJK font to draw with, registering the packaged font file on first use.

    Resolved once per process, under a lock: registering a font changes matplotlib's shared font list.
    """
    global _font_family
    with _font_lock:
        if _font_family is None:
            fm = font_manager.fontManager
            family, path = resolve_cjk_font((f.name for f in fm.ttflist), packaged_font())
            if family is None:
                assert path is not None
                fm.addfont(str(path))
                family = font_manager.get_font(str(path)).family_name
            _font_family = family
        return _font_family


def _has_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text)


def _has_bold(family: str) -> bool:
    """Whether ``family`` has a bold face (the packaged font has only the regular one)."""
    for entry in font_manager.fontManager.ttflist:
        if entry.name == family:
            weight = entry.weight if isinstance(entry.weight, int) else font_manager.weight_dict.get(entry.weight, 400)
            if weight >= 600:
                return True
    return False


def _weight(text: Text) -> int:
    weight = text.get_fontweight()
    return weight if isinstance(weight, int) else font_manager.weight_dict.get(weight, 400)


def _apply_fonts(fig: Figure, lang: str) -> None:
    """Give every text of ``fig`` the CJK font (with a fallback for symbols) and tag Chinese text as zh-Hans.

    Done per text rather than through ``rcParams``, which are process-global and would race between threads.
    Without a bold face, bold text is drawn regular with a thin outline of its own colour: matplotlib would
    otherwise fall back to regular silently, and the emphasis (headings, gap names) would be lost.
    """
    family = cjk_font()
    families = [family, FALLBACK_FAMILY]
    bold = _has_bold(family)
    for text in fig.findobj(Text):
        assert isinstance(text, Text)
        text.set_fontfamily(families)
        if _TEXT_LANGUAGE and (lang == "zh" or _has_cjk(text.get_text())):
            text.set_language("zh-Hans")  # the simplified forms, also from a TC/JP face of a pan-CJK font
        if not bold and _weight(text) >= 600:
            text.set_fontweight("normal")
            stroke = max(0.35, text.get_fontsize() * 0.05)
            text.set_path_effects([patheffects.withStroke(linewidth=stroke, foreground=text.get_color())])


# ------------------------------------------------------------------------------------------------------- helpers


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInputError(f"picture format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise InvalidInputError(f"picture language must be one of {', '.join(LANGS)}, not {lang!r}")


def _em(text: str) -> float:
    """The width of ``text`` in em: a Chinese character is one, a Latin one about 0.6 (enough to lay out by)."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def _inches(text: str, size: float) -> float:
    return _em(text) * size / 72


def _clip(text: str, max_em: float) -> str:
    """``text`` cut to ``max_em`` wide, ending in an ellipsis when cut."""
    if _em(text) <= max_em:
        return text
    out = ""
    for ch in text:
        if _em(out + ch) > max_em - 1:
            break
        out += ch
    return out.rstrip() + "…"


def _finish(fig: Figure, lang: str, title: str) -> Figure:
    """Fonts on every text, the Agg canvas attached (no pyplot), the title kept as the figure's label."""
    _apply_fonts(fig, lang)
    FigureCanvasAgg(fig)
    fig.set_label(title)
    return fig


def _save(fig: Figure, fmt: str) -> bytes:
    """``fig`` as PNG or SVG bytes."""
    _check_format(fmt)
    buffer = io.BytesIO()
    # No date in the SVG so that the same answer gives the same picture; the title is searchable text in both.
    title = fig.get_label()
    metadata = {"Title": title, "Date": None} if fmt == "svg" else {"Title": title}
    dpi = min(DPI, MAX_PIXELS / max(fig.get_size_inches()))  # a huge map (an ESCO occupation) stays drawable
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")  # savefig picks the SVG canvas
    return buffer.getvalue()


@dataclass(frozen=True)
class _Words:
    """The picture's own words (everything else comes from the ontology or the graph)."""

    map_title: str
    against: str
    courses: str
    competencies: str
    required_row: str
    required_summary: str
    any_level: str
    semester: str
    unscheduled: str
    level_title: str
    agnostic: str
    missing: str
    under_level: str
    not_developed: str
    map_note: str
    map_note_plain: str
    coverage_title: str
    by_dimension: str
    by_task: str
    overall: str
    covered: str
    none_required: str
    weighted: str
    no_data: str
    count_share: str
    under_short: str
    via: str
    missing_short: str


_WORDS = {
    "zh": _Words(
        map_title="{program} 课程地图（课程 × 能力）",
        against="对照职业：{occupation}（{level}）",
        courses="{n} 门课程",
        competencies="{n} 项能力",
        required_summary="岗位要求 {total} 项：达标 {covered}，未达等级 {under}，缺失 {missing}",
        required_row="岗位要求等级",
        any_level="不限",
        semester="第{n}学期",
        unscheduled="未排学期",
        level_title="培养等级（色块数字 = 等级）",
        agnostic="已培养，未标等级",
        missing="缺失：无课程培养（红框、斜线）",
        under_level="未达等级：培养低于要求（橙框）",
        not_developed="空白：该课程不培养",
        map_note="灰色能力名称：该职业未要求、专业自设的能力。粗体课程：工学一体化课程。",
        map_note_plain="粗体课程：工学一体化课程。",
        coverage_title="{program} 岗位能力覆盖",
        by_dimension="按能力维度",
        by_task="按典型工作任务",
        overall="全部要求",
        covered="达标",
        none_required="无要求",
        weighted="加权达标",
        no_data="（无数据）",
        count_share="{count}（{share:.0%}）",
        under_short="未达等级",
        via="经等效能力培养（匹配）",
        missing_short="缺失",
    ),
    "en": _Words(
        map_title="{program}: curriculum map (courses × competencies)",
        against="Against occupation: {occupation} ({level})",
        courses="{n} courses",
        competencies="{n} competencies",
        required_summary="{total} required: {covered} covered, {under} under level, {missing} missing",
        required_row="Required level",
        any_level="any",
        semester="Sem. {n}",
        unscheduled="no semester",
        level_title="Developed level (the figure in a cell)",
        agnostic="developed, no level stated",
        missing="missing: no course develops it (red, hatched)",
        under_level="under level: developed below the requirement (orange)",
        not_developed="blank: the course does not develop it",
        map_note="Grey competency names: not required by the occupation (the program's own). "
        "Bold courses: work-study integrated courses.",
        map_note_plain="Bold courses: work-study integrated courses.",
        coverage_title="{program}: coverage of the occupation's competencies",
        by_dimension="By competency dimension",
        by_task="By typical work task",
        overall="All requirements",
        covered="covered",
        none_required="nothing required",
        weighted="weighted covered",
        no_data="(no data)",
        count_share="{count} ({share:.0%})",
        under_short="under level",
        via="through an equivalent (matched) competency",
        missing_short="missing",
    ),
}


def _room(chinese_em: float, lang: str) -> float:
    """Room for a label in em: English words say in about 1.6 em what Chinese says in one."""
    return chinese_em * (1.6 if lang == "en" else 1.0)


def _name(zh: str | None, en: str | None, fallback: str, lang: str) -> str:
    """The name in ``lang``, else in the other language, else ``fallback`` (an id)."""
    first, second = (zh, en) if lang == "zh" else (en, zh)
    return first or second or fallback


def _local(node_id: str) -> str:
    """An id without its CURIE prefix, for compact labels: ``course:GE-101`` → ``GE-101``."""
    return node_id.split(":", 1)[1] if ":" in node_id else node_id


def _level_label(schema: Schema, level: int | None, lang: str) -> str:
    if level is None:
        return ""
    zh, en = schema.level_labels().get(level, (str(level), str(level)))
    return zh if lang == "zh" else en


def _dimension_label(schema: Schema, dimension: str | None, lang: str) -> str:
    scheme = schema.enumeration("CompetencyDimensionScheme")
    if dimension in scheme.notations:
        return scheme.label(dimension, lang)
    return "未分类" if lang == "zh" else "unclassified"


def _runs(keys: Sequence[object]) -> list[tuple[object, int, int]]:
    """Consecutive runs of equal keys as (key, start, end) with ``end`` exclusive.

    >>> _runs(["a", "a", "b", "a"])
    [('a', 0, 2), ('b', 2, 3), ('a', 3, 4)]
    """
    runs: list[tuple[object, int, int]] = []
    for i, key in enumerate(keys):
        if runs and runs[-1][0] == key:
            runs[-1] = (key, runs[-1][1], i + 1)
        else:
            runs.append((key, i, i + 1))
    return runs


#: Punctuation in its vertical presentation form, as Chinese vertical typesetting sets it.
_VERTICAL_FORMS = str.maketrans(
    {
        "（": "︵",
        "(": "︵",
        "）": "︶",
        ")": "︶",
        "、": "︑",
        "，": "︐",
        ",": "︐",
        "。": "︒",
        "：": "︓",
        ":": "︓",
        "；": "︔",
        ";": "︔",
        "「": "﹁",
        "」": "﹂",
        "《": "︽",
        "》": "︾",
        "【": "︻",
        "】": "︼",
        "—": "︱",
        "…": "︙",
    }
)


def _vertical(text: str, max_chars: int) -> tuple[str, int]:
    """``text`` set vertically (竖排): one Chinese character per line, short Latin runs kept upright on one line
    (as 纵中横), punctuation in its vertical form.

    Returns the text with newlines and its number of lines; cut with a vertical ellipsis past ``max_chars`` lines.

    >>> _vertical("I/O信号配置", 12)
    ('I/O\\n信\\n号\\n配\\n置', 5)
    >>> _vertical("人机界面(HMI)组态", 12)[0].split()
    ['人', '机', '界', '面', '︵', 'HMI', '︶', '组', '态']
    """
    tokens: list[str] = []
    latin = ""
    for ch in text.translate(_VERTICAL_FORMS):
        if _has_cjk(ch) or ch.isspace():
            if latin:
                tokens.extend(latin[i : i + 3] for i in range(0, len(latin), 3))  # three Latin letters fit a cell
                latin = ""
            if not ch.isspace():
                tokens.append(ch)
        else:
            latin += ch
    if latin:
        tokens.extend(latin[i : i + 3] for i in range(0, len(latin), 3))
    if len(tokens) > max_chars:
        tokens = [*tokens[: max_chars - 1], "︙"]
    return "\n".join(tokens), len(tokens)


def _blank_figure(title: str, words: _Words, lang: str) -> Figure:
    """A small picture that says there is nothing to draw (an empty program, or no requirements)."""
    fig = Figure(figsize=(max(6.0, _inches(title, 13) + 0.6), 1.6))
    fig.text(0.3 / fig.get_figwidth(), 0.7, title, fontsize=13, fontweight="bold", color=INK, va="center")
    fig.text(0.3 / fig.get_figwidth(), 0.35, words.no_data, fontsize=11, color=MUTED, va="center")
    return _finish(fig, lang, title)


# ------------------------------------------------------------------------------------------------------ heat-map


def heatmap(
    curriculum_map: CurriculumMap,
    fmt: str = "png",
    *,
    lang: str = "zh",
    program_name: str | None = None,
    occupation_name: str | None = None,
) -> bytes:
    """The curriculum map as a heat-map picture (PNG or SVG bytes).

    Rows are the courses in the map's (semester) order, labelled with name and code, with the semesters marked
    on the right; columns are the competencies grouped by dimension, each group under the dimension's label. A
    cell's colour and figure is the level the course develops the competency at (blank: not at all; grey: at no
    stated level). Given an occupation, a strip above the grid shows each required level, missing competencies
    are outlined in red and hatched, under-level ones outlined in orange, and competencies the occupation does
    not require have grey names. The figure grows with the counts, so a 20 × 80 map stays readable.

    Parameters
    ----------
    curriculum_map
        Question 3's answer.
    fmt
        ``"png"`` or ``"svg"``.
    lang
        ``"zh"`` or ``"en"``: the language of labels (a name missing in it falls back to the other, then the id).
    program_name, occupation_name
        Names for the title; the ids when not given (the map holds ids only).

    Raises
    ------
    InvalidInputError
        ``fmt`` or ``lang`` is not one of the allowed values.
    MissingFontError
        No CJK font is installed (see ``cjk_font``).
    """
    _check_format(fmt)
    return _save(
        heatmap_figure(curriculum_map, lang=lang, program_name=program_name, occupation_name=occupation_name), fmt
    )


def heatmap_figure(
    curriculum_map: CurriculumMap,
    *,
    lang: str = "zh",
    program_name: str | None = None,
    occupation_name: str | None = None,
) -> Figure:
    """The figure ``heatmap`` saves (for other formats, or to inspect its layout); arguments as there."""
    _check_lang(lang)
    words = _WORDS[lang]
    m = curriculum_map
    title = words.map_title.format(program=program_name or m.program)
    if not m.rows or not m.columns:
        return _blank_figure(title, words, lang)
    return _HeatMap(m, words, load_schema(), lang, title, occupation_name).figure()


class _HeatMap:
    """The heat-map's layout, in inches, then drawn in data units of one cell on a single axes.

    The axes span the header (dimension labels), the required-level strip and the grid: x runs over columns
    0…C, y downwards from the header (negative) through the strip to the rows 0…R.
    """

    ROW_FONT = 9.0
    COLUMN_FONT = 8.0
    CELL_FONT = 7.0
    LINE = 1.22  # line spacing of vertical column labels: a CJK glyph is a full em tall, taller than "lp"
    STRIP_GAP = 0.35  # cells between the strip and the grid
    HEADER = 1.7  # cells above the strip for the dimension labels
    TIER = 0.8  # cells between tiers of dimension labels (when a narrow group's label must go higher)

    def __init__(
        self, m: CurriculumMap, words: _Words, schema: Schema, lang: str, title: str, occupation: str | None
    ) -> None:
        self.m, self.words, self.schema, self.lang, self.title = m, words, schema, lang, title
        self.with_requirements = m.occupation is not None
        self.occupation = occupation or m.occupation
        self.R, self.C = len(m.rows), len(m.columns)

    # ------------------------------------------------------------------ labels

    def row_label(self, row: MapRow) -> tuple[str, str]:
        name = _name(row.name_zh, row.name_en, _local(row.course), self.lang)
        return _clip(name, _room(ROW_LABEL_EM, self.lang)), _local(row.course)

    def column_label(self, col: MapColumn) -> tuple[str, int, float]:
        """The label text, its lines, and its rotation: Chinese set vertically, other text rotated."""
        name = col.name_zh if self.lang == "zh" else col.name_en
        if self.lang == "zh" and name:
            text, lines = _vertical(name, COLUMN_LABEL_CHARS)
            return text, lines, 0.0
        label = _clip(name or col.name_zh or col.name_en or _local(col.competency), _room(COLUMN_LABEL_CHARS, "en"))
        return label, 0, 90.0

    def column_label_height(self) -> float:
        """Inches below the grid taken by the tallest column label."""
        tallest = 0.0
        for col in self.m.columns:
            text, lines, rotation = self.column_label(col)
            if rotation:
                tallest = max(tallest, _inches(text, self.COLUMN_FONT))
            else:
                tallest = max(tallest, lines * self.COLUMN_FONT * self.LINE * 0.92 / 72)
        return tallest + 0.12

    def subtitle(self) -> str:
        w = self.words
        parts = []
        if self.with_requirements:
            level = _level_label(self.schema, self.m.level, self.lang)
            parts.append(w.against.format(occupation=self.occupation, level=level))
        parts += [w.courses.format(n=self.R), w.competencies.format(n=self.C)]
        if self.with_requirements:
            required = [c for c in self.m.columns if c.required]
            count = {s: sum(1 for c in required if c.status == s) for s in (COVERED, UNDER_LEVEL, MISSING)}
            parts.append(
                w.required_summary.format(
                    total=len(required), covered=count[COVERED], under=count[UNDER_LEVEL], missing=count[MISSING]
                )
            )
        return " · ".join(parts)

    # ------------------------------------------------------------------ layout and drawing

    def figure(self) -> Figure:
        labels = [self.row_label(r) for r in self.m.rows]
        name_w = max(_inches(name, self.ROW_FONT) for name, _ in labels)
        name_w = max(name_w, _inches(self.words.required_row, self.ROW_FONT)) + 0.12
        code_w = max(_inches(code, self.ROW_FONT - 1) for _, code in labels) + 0.2
        semester_w = max(_inches(self.semester_text(r.semester), self.ROW_FONT) for r in self.m.rows) + 0.45
        margin = 0.3
        left = margin + code_w + name_w
        grid_w = self.C * CELL
        content_w = left + grid_w + semester_w + margin
        subtitle = self.subtitle()
        note = self.words.map_note if self.with_requirements else self.words.map_note_plain
        # Titles, legend and note start at the left margin; the grid follows the labels; a longer text widens
        # the picture to its right.
        width = max(
            content_w,
            margin * 2 + _inches(self.title, 15) * 1.05,  # bold runs a little wider
            margin * 2 + _inches(subtitle, 10),
            margin * 2 + self.legend_width(),
            margin * 2 + _inches(note, 8.5),
        )

        strip = (1 + self.STRIP_GAP) if self.with_requirements else 0.0
        groups = self.group_labels()
        header = self.HEADER + self.TIER * max(tier for *_, tier in groups)
        axes_cells = header + strip + self.R
        head_h = 0.95
        labels_h = self.column_label_height() + 0.2
        legend_h = 1.25
        height = head_h + axes_cells * CELL + labels_h + legend_h

        fig = Figure(figsize=(width, height))
        ax_left, ax_bottom = left, legend_h + labels_h
        ax = fig.add_axes((ax_left / width, ax_bottom / height, grid_w / width, axes_cells * CELL / height))
        ax.set_xlim(0, self.C)
        ax.set_ylim(self.R, -header - strip)  # y grows downwards: row 0 at the top
        ax.set_axis_off()

        fig.text(margin / width, 1 - 0.3 / height, self.title, fontsize=15, fontweight="bold", color=INK, va="top")
        fig.text(margin / width, 1 - 0.68 / height, subtitle, fontsize=10, color="#444444", va="top")

        self.draw_grid(ax)
        if self.with_requirements:
            self.draw_strip(ax)
            self.draw_gaps(ax)
        self.draw_groups(ax, strip, groups)
        self.draw_rows(ax, labels, name_w)
        self.draw_semesters(ax)
        self.draw_columns(ax)
        self.draw_legend(fig, margin / width, (legend_h - 0.12) / height, height)
        return _finish(fig, self.lang, f"{self.title} — {subtitle}")

    def semester_text(self, semester: int | None) -> str:
        return self.words.unscheduled if semester is None else self.words.semester.format(n=semester)

    def level_text_colour(self, level: int) -> str:
        return "white" if level >= 4 else INK  # dark blues need white figures

    def draw_grid(self, ax: Axes) -> None:
        """Every cell with a light edge; developed cells filled by level, with the level as a figure."""
        cmap = ListedColormap(LEVEL_COLOURS)
        norm = BoundaryNorm([0.5, 1.5, 2.5, 3.5, 4.5, 5.5], cmap.N)
        row_at = {r.course: i for i, r in enumerate(self.m.rows)}
        column_at = {c.competency: j for j, c in enumerate(self.m.columns)}
        ax.add_patch(Rectangle((0, 0), self.C, self.R, facecolor="white", edgecolor="none", zorder=0))
        for i in range(self.R + 1):
            ax.plot([0, self.C], [i, i], color=GRID_EDGE, linewidth=0.5, zorder=1)
        for j in range(self.C + 1):
            ax.plot([j, j], [0, self.R], color=GRID_EDGE, linewidth=0.5, zorder=1)
        for cell in self.m.cells:
            i, j = row_at.get(cell.course), column_at.get(cell.competency)
            if i is None or j is None or (cell.level is not None and cell.level <= 0):
                continue  # level 0 develops nothing: the cell stays blank
            if cell.level is None:
                colour, figure, ink = AGNOSTIC_COLOUR, "✓", INK
            else:
                level = min(cell.level, len(LEVEL_COLOURS))
                colour, figure, ink = cmap(norm(level)), str(cell.level), self.level_text_colour(level)
            ax.add_patch(Rectangle((j + 0.04, i + 0.04), 0.92, 0.92, facecolor=colour, edgecolor="none", zorder=2))
            ax.text(j + 0.5, i + 0.52, figure, ha="center", va="center", fontsize=self.CELL_FONT, color=ink, zorder=3)
            if cell.via:  # developed only through an equivalent competency (EXACT_/CLOSE_MATCH): a corner mark
                corner = [(j + 0.6, i + 0.04), (j + 0.96, i + 0.04), (j + 0.96, i + 0.4)]
                ax.add_patch(Polygon(corner, closed=True, facecolor=VIA_MARK, edgecolor="none", zorder=3.5))
        # Semester boundaries: a darker rule where the semester changes.
        for _, start, _end in _runs([r.semester for r in self.m.rows])[1:]:
            ax.plot([0, self.C], [start, start], color="#9a9a9a", linewidth=0.9, zorder=1.5)
        ax.add_patch(Rectangle((0, 0), self.C, self.R, facecolor="none", edgecolor="#8c8c8c", linewidth=0.8, zorder=4))

    def draw_strip(self, ax: Axes) -> None:
        """The occupation's required level above each required column."""
        top = -1 - self.STRIP_GAP
        cmap = ListedColormap(LEVEL_COLOURS)
        for j, col in enumerate(self.m.columns):
            if not col.required:
                ax.add_patch(Rectangle((j, top), 1, 1, facecolor="#f4f4f4", edgecolor=GRID_EDGE, linewidth=0.5))
                continue
            level = col.required_level
            colour = AGNOSTIC_COLOUR if level is None else cmap(min(max(level, 1), len(LEVEL_COLOURS)) - 1)
            ax.add_patch(Rectangle((j, top), 1, 1, facecolor=colour, edgecolor="white", linewidth=0.8, zorder=2))
            figure = self.words.any_level if level is None else str(level)
            ink = INK if level is None else self.level_text_colour(min(level, len(LEVEL_COLOURS)))
            size = self.CELL_FONT - (1 if level is None else 0)
            ax.text(j + 0.5, top + 0.52, figure, ha="center", va="center", fontsize=size, color=ink, zorder=3)
        ax.add_patch(Rectangle((0, top), self.C, 1, facecolor="none", edgecolor="#8c8c8c", linewidth=0.8, zorder=4))
        ax.annotate(
            self.words.required_row,
            (0, top + 0.5),
            xytext=(-6, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=self.ROW_FONT,
            fontweight="bold",
            color=INK,
        )

    def draw_gaps(self, ax: Axes) -> None:
        """Outline the gap columns through strip and grid: missing in red (and hatched), under-level in orange."""
        top = -1 - self.STRIP_GAP
        inset = 0.07  # adjacent gap columns keep separate outlines
        for j, col in enumerate(self.m.columns):
            if col.status not in GAP_EDGE:
                continue
            edge = GAP_EDGE[col.status]
            if col.status == MISSING:
                ax.add_patch(Rectangle((j, 0), 1, self.R, facecolor=MISSING_FILL, **_hatch(MISSING_HATCH)))
            ax.add_patch(
                Rectangle(
                    (j + inset, top + inset),
                    1 - 2 * inset,
                    self.R - top - 2 * inset,
                    facecolor="none",
                    edgecolor=edge,
                    linewidth=1.6,
                    zorder=5,
                )
            )

    def group_labels(self) -> list[tuple[str, float, int, int, int]]:
        """The dimension groups' labels as (text, size, start, end, tier).

        A label that is wider than its group drops its count, then shrinks to 8 pt; if it still overlaps a
        neighbour's label, it goes up a tier (a narrow group, e.g. a dimension with one competency).
        """
        placed: list[list[tuple[float, float]]] = []  # per tier, the horizontal extents taken (inches)
        labels = []
        for dimension, start, end in _runs([c.dimension for c in self.m.columns]):
            label = _dimension_label(self.schema, dimension if isinstance(dimension, str) else None, self.lang)
            span = (end - start) * CELL
            count = f"（{end - start}）" if self.lang == "zh" else f" ({end - start})"
            text, size = label + count, 10.0
            if _inches(text, size) > span:
                text = label
                size = max(8.0, min(size, span * 72 / max(_em(text), 1)))
            half = _inches(text, size) / 2 + 0.08
            centre = (start + end) / 2 * CELL
            tier = 0
            while tier < len(placed) and any(a < centre + half and centre - half < b for a, b in placed[tier]):
                tier += 1
            if tier == len(placed):
                placed.append([])
            placed[tier].append((centre - half, centre + half))
            labels.append((text, size, start, end, tier))
        return labels

    def draw_groups(self, ax: Axes, strip: float, labels: list[tuple[str, float, int, int, int]]) -> None:
        """Dimension groups: a label and bracket above each, a rule between groups through strip and grid."""
        top = -strip
        for index, (text, size, start, end, tier) in enumerate(labels):
            ax.text(
                (start + end) / 2,
                top - 0.5 - self.TIER * tier,
                text,
                ha="center",
                va="bottom",
                fontsize=size,
                fontweight="bold",
                color=INK,
            )
            ax.plot([start + 0.12, end - 0.12], [top - 0.3, top - 0.3], color="#555555", linewidth=1.2)
            if index:
                ax.plot([start, start], [top - 0.2, self.R], color="#333333", linewidth=1.6, zorder=6)

    def draw_rows(self, ax: Axes, labels: list[tuple[str, str]], name_w: float) -> None:
        """Course names right-aligned against the grid, codes in a grey column further left."""
        for i, (row, (name, code)) in enumerate(zip(self.m.rows, labels, strict=True)):
            category = row.category
            weight = "bold" if category == "integrated" else "normal"  # 工学一体化 courses carry the tasks
            ax.annotate(
                name,
                (0, i + 0.5),
                xytext=(-6, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=self.ROW_FONT,
                fontweight=weight,
                color=INK,
            )
            ax.annotate(
                code,
                (0, i + 0.5),
                xytext=(-name_w * 72 - 4, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=self.ROW_FONT - 1,
                color=MUTED,
            )

    def draw_semesters(self, ax: Axes) -> None:
        for semester, start, end in _runs([r.semester for r in self.m.rows]):
            x = self.C + 0.35
            ax.plot([x, x], [start + 0.15, end - 0.15], color="#9a9a9a", linewidth=1.2, clip_on=False)
            ax.text(
                x + 0.3,
                (start + end) / 2,
                self.semester_text(semester if isinstance(semester, int) else None),
                ha="left",
                va="center",
                fontsize=self.ROW_FONT - 0.5,
                color="#555555",
                clip_on=False,
            )

    def draw_columns(self, ax: Axes) -> None:
        """Competency names under the grid, coloured by status: red missing, orange under-level, grey not required."""
        for j, col in enumerate(self.m.columns):
            text, _lines, rotation = self.column_label(col)
            if col.status in GAP_EDGE:
                colour, weight = GAP_EDGE[col.status], "bold"
            elif self.with_requirements and not col.required:
                colour, weight = "#8a8a8a", "normal"
            else:
                colour, weight = INK, "normal"
            ax.annotate(
                text,
                (j + 0.5, self.R),
                xytext=(0, -5),
                textcoords="offset points",
                ha="center",
                va="top",
                rotation=rotation,
                fontsize=self.COLUMN_FONT,
                fontweight=weight,
                color=colour,
                linespacing=self.LINE,
                multialignment="center",
            )

    LEGEND_FONT = 9.0

    def legend_rows(self) -> tuple[list[Artist], list[Artist]]:
        """The legend's two rows: levels 1–5 with the ontology's labels; the marks (agnostic, blank, match, gaps)."""
        w = self.words
        levels: list[Artist] = [
            Patch(
                facecolor=LEVEL_COLOURS[n - 1],
                edgecolor="none",
                label=f"{n}  {_level_label(self.schema, n, self.lang)}",
            )
            for n in sorted(self.schema.level_labels())
        ]
        marks: list[Artist] = [
            Patch(facecolor=AGNOSTIC_COLOUR, edgecolor="none", label=f"✓  {w.agnostic}"),
            Patch(facecolor="white", edgecolor=GRID_EDGE, label=w.not_developed),
        ]
        if any(cell.via for cell in self.m.cells):
            marks.append(Line2D([], [], marker=(3, 0, -90), linestyle="none", color=VIA_MARK, label=w.via))
        if self.with_requirements:
            marks += [
                Patch(
                    facecolor=MISSING_FILL,
                    hatch="////",
                    edgecolor=GAP_EDGE[MISSING],
                    linewidth=1.6,
                    label=w.missing,
                    **({"hatchcolor": MISSING_HATCH} if _HATCH_COLOUR else {}),
                ),
                Patch(facecolor="white", edgecolor=GAP_EDGE[UNDER_LEVEL], linewidth=1.6, label=w.under_level),
            ]
        columns = max(len(levels), len(marks))
        blank = Line2D([], [], linestyle="none", label=" ")
        return levels + [blank] * (columns - len(levels)), marks + [blank] * (columns - len(marks))

    def legend_width(self) -> float:
        """Inches the legend takes: per column its widest label, a handle (1.6 em), a pad (0.8 em), a gap (1.6 em)."""
        top, bottom = self.legend_rows()
        em = self.LEGEND_FONT / 72
        labels = sum(
            max(_inches(str(a.get_label()), self.LEGEND_FONT) for a in pair) for pair in zip(top, bottom, strict=True)
        )
        return labels + len(top) * 4.0 * em

    def draw_legend(self, fig: Figure, x: float, y: float, height: float) -> None:
        """Levels and marks as one legend of two rows, with a note under it."""
        top, bottom = self.legend_rows()
        # A legend fills column by column: interleave so the levels form the first row and the marks the second.
        handles = [h for pair in zip(top, bottom, strict=True) for h in pair]
        fig.legend(
            handles=handles,
            labels=[str(h.get_label()) for h in handles],
            loc="upper left",
            bbox_to_anchor=(x, y),
            ncols=len(top),
            frameon=False,
            fontsize=self.LEGEND_FONT,
            title=self.words.level_title,
            title_fontsize=9.5,
            alignment="left",
            handlelength=1.6,
            handleheight=1.1,
            handletextpad=0.8,
            columnspacing=1.6,
            borderaxespad=0,
            borderpad=0,
        )
        note = self.words.map_note if self.with_requirements else self.words.map_note_plain
        fig.text(x, 0.14 / height, note, fontsize=8.5, color=MUTED, va="bottom")


# ------------------------------------------------------------------------------------------------ coverage chart


def coverage_chart(
    coverage: Coverage,
    fmt: str = "png",
    *,
    lang: str = "zh",
    program_name: str | None = None,
    occupation_name: str | None = None,
) -> bytes:
    """Coverage as stacked horizontal bars (PNG or SVG bytes): covered / under-level / missing.

    One bar for all requirements and one per competency dimension (all four, in the ontology's order), each as
    shares of its total with the counts on the segments and the covered ratio at the end; a second panel does
    the same per typical work task of the occupation, in task order.

    Parameters, errors: as ``heatmap``.
    """
    _check_format(fmt)
    return _save(coverage_figure(coverage, lang=lang, program_name=program_name, occupation_name=occupation_name), fmt)


def coverage_figure(
    coverage: Coverage,
    *,
    lang: str = "zh",
    program_name: str | None = None,
    occupation_name: str | None = None,
) -> Figure:
    """The figure ``coverage_chart`` saves; arguments as there."""
    _check_lang(lang)
    words = _WORDS[lang]
    schema = load_schema()
    program = program_name or coverage.program
    title = words.coverage_title.format(program=program)
    level = _level_label(schema, coverage.level, lang)
    subtitle_parts = [words.against.format(occupation=occupation_name or coverage.occupation, level=level)]
    o = coverage.overall
    subtitle_parts.append(
        words.required_summary.format(total=o.total, covered=o.covered, under=o.under_level, missing=o.missing)
    )
    subtitle = " · ".join(subtitle_parts)

    dimension_rows: list[tuple[str, Tally, bool]] = [(words.overall, o, True)]
    for dimension, tally in coverage.by_dimension.items():
        dimension_rows.append((_dimension_label(schema, dimension, lang), tally, False))
    task_rows: list[tuple[str, Tally, bool]] = []
    for n, task in enumerate(coverage.by_task, start=1):
        number = task.order if task.order is not None else n
        name = _clip(_name(task.name_zh, task.name_en, _local(task.task), lang), _room(TASK_LABEL_EM, lang))
        task_rows.append((f"{number}. {name}", task.tally, False))

    label_size, bar_w, row_h = 10.0, 6.2, 0.42
    label_w = max(_inches(label, label_size) for label, _, _ in [*dimension_rows, *task_rows]) + 0.25
    ratio_w = 1.9
    margin = 0.35
    width = max(
        margin * 2 + label_w + bar_w + ratio_w, margin * 2 + _inches(title, 15), margin * 2 + _inches(subtitle, 10)
    )
    panel_head = 0.45
    head_h, legend_h = 1.0, 0.5
    heights = [len(dimension_rows) * row_h + panel_head]
    if task_rows:
        heights.append(len(task_rows) * row_h + panel_head)
    gap = 0.45  # between panels: room for the percentage scale under the bars
    height = head_h + legend_h + sum(heights) + gap * (len(heights) - 1) + 0.5

    fig = Figure(figsize=(width, height))
    fig.text(margin / width, 1 - 0.3 / height, title, fontsize=15, fontweight="bold", color=INK, va="top")
    fig.text(margin / width, 1 - 0.68 / height, subtitle, fontsize=10, color="#444444", va="top")
    legend = [
        Patch(facecolor=STATUS_COLOURS[COVERED], label=words.covered),
        Patch(facecolor=STATUS_COLOURS[UNDER_LEVEL], label=words.under_short),
        Patch(facecolor=STATUS_COLOURS[MISSING], label=words.missing_short),
    ]
    fig.legend(
        handles=legend,
        loc="upper left",
        bbox_to_anchor=((margin + label_w) / width, 1 - (head_h + 0.05) / height),
        ncols=3,
        frameon=False,
        fontsize=9.5,
        handlelength=1.4,
        borderaxespad=0,
        borderpad=0,
    )

    top = head_h + legend_h
    panels = [(words.by_dimension, dimension_rows)]
    if task_rows:
        panels.append((words.by_task, task_rows))
    for (heading, rows), panel_h in zip(panels, heights, strict=True):
        bars_h = panel_h - panel_head
        bottom = height - top - panel_h
        ax = fig.add_axes(((margin + label_w) / width, bottom / height, bar_w / width, bars_h / height))
        fig.text(margin / width, (bottom + panel_h - 0.1) / height, heading, fontsize=11, fontweight="bold", va="top")
        _bars(ax, rows, words, bar_w, coverage.weight is not None, label_size)
        top += panel_h + gap
    return _finish(fig, lang, f"{title} — {subtitle}")


def _bars(
    ax: Axes, rows: list[tuple[str, Tally, bool]], words: _Words, bar_w: float, weighted: bool, size: float
) -> None:
    """One 100 % stacked bar per row, labelled on the left, counts inside, covered ratio on the right."""
    n = len(rows)
    ax.set_xlim(0, 1)
    ax.set_ylim(n, 0)
    ax.set_axis_off()
    for x in (0, 0.25, 0.5, 0.75, 1.0):  # quarter guides help compare ratios across bars
        if x:
            ax.plot([x, x], [0, n], color="#e6e6e6", linewidth=0.8, zorder=0)
        ax.annotate(
            f"{x:.0%}",
            (x, n),
            xytext=(0, -3),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
            color=MUTED,
        )
    for i, (label, tally, emphasis) in enumerate(rows):
        y = i + 0.5
        weight = "bold" if emphasis else "normal"
        ax.annotate(
            label,
            (0, y),
            xytext=(-8, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=size,
            fontweight=weight,
            color=INK,
        )
        if tally.total == 0:
            ax.add_patch(Rectangle((0, y - 0.3), 1, 0.6, facecolor="#f4f4f4", edgecolor="#d0d0d0", linewidth=0.8))
            ax.text(0.5, y, words.none_required, ha="center", va="center", fontsize=9, color=MUTED)
            continue
        left = 0.0
        for status, count in ((COVERED, tally.covered), (UNDER_LEVEL, tally.under_level), (MISSING, tally.missing)):
            if not count:
                continue
            share = count / tally.total
            ax.add_patch(
                Rectangle((left, y - 0.3), share, 0.6, facecolor=STATUS_COLOURS[status], edgecolor="white", lw=1)
            )
            inches = share * bar_w
            if inches >= 0.75:
                text = words.count_share.format(count=count, share=share)
            elif inches >= 0.22:
                text = str(count)
            else:
                text = ""  # too thin for a figure: the total on the right still adds up
            if text:
                ax.text(
                    left + share / 2, y, text, ha="center", va="center", fontsize=9, color="white", fontweight="bold"
                )
            left += share
        ratio = f"{tally.ratio:.0%}" if tally.ratio is not None else "–"
        right = f"{words.covered} {ratio}  {tally.covered}/{tally.total}"
        if weighted and tally.weighted_ratio is not None:
            right += f"\n{words.weighted} {tally.weighted_ratio:.0%}"
        ax.annotate(
            right,
            (1, y),
            xytext=(8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=9.5,
            fontweight=weight,
            color=INK,
            linespacing=1.1,
        )
    if n > 1 and rows[0][2]:
        ax.plot([-0.02, 1.0], [1, 1], color="#9a9a9a", linewidth=0.8, clip_on=False)  # "overall" apart from the rest


def render_demo(folder: Path) -> list[Path]:
    """Render the README's pictures of the demo dataset (program:IRAM against csco:6-31-07-03 at level 3)."""
    from graph.questions import demo_questions

    q = demo_questions()
    program, occupation = "program:IRAM", "csco:6-31-07-03"
    nodes = q.store.get_nodes([program, occupation])
    names = {
        "program_name": nodes[program].props.get("name_zh"),
        "occupation_name": nodes[occupation].props.get("name_zh"),
    }
    pictures = {
        "curriculum-map.png": heatmap(q.curriculum_map(program, occupation, 3), **names),
        "coverage.png": coverage_chart(q.coverage(program, occupation, 3), **names),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in pictures.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in pictures]


if __name__ == "__main__":  # python -m api.pictures docs/img
    import sys

    for written in render_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img")):
        print(written)
