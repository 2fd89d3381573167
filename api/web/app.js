// 产教 chanjiao — the page for curriculum designers (docs/web.md).
// Plain JavaScript modules, no framework, no build step: views rendered from the JSON API into <main>,
// routes in the location hash (#/coverage?…, #/search?q=…, #/entity/<id>, #/upload) so that the
// back button, bookmarks and links work. Every user-facing string is in i18n.js; names of classes,
// relationships, levels and enumerations come from the ontology (GET /schema), in both languages.

import * as api from "./api.js";
import { drawGraph } from "./graph.js";
import { LANGUAGES, STRINGS } from "./i18n.js";

// ---------------------------------------------------------------- language and labels

const LANG_KEY = "chanjiao.lang";
let lang = (() => {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    return saved && STRINGS[saved] ? saved : "zh";
  } catch {
    return "zh";
  }
})();

/** The UI string ``key`` in the current language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? `{${name}}`).toString());
}

let schema = null; // GET /schema: classes, relationships, enumerations with zh/en labels
const byName = (list) => new Map((list || []).map((item) => [item.name, item]));
let classes = new Map();
let relationships = new Map();
let enumerations = new Map();

const pick = (zh, en) => (lang === "en" ? en || zh : zh || en);

function classLabel(name) {
  const c = classes.get(name);
  return c ? pick(c.label_zh, c.label_en) : name;
}

function relLabel(name) {
  const r = relationships.get(name);
  return r ? pick(r.label_zh, r.label_en) : name;
}

function enumLabel(scheme, value) {
  const e = enumerations.get(scheme);
  const v = e && e.values.find((item) => String(item.value) === String(value));
  return v ? pick(v.label_zh, v.label_en) : String(value);
}

function propLabel(className, prop) {
  const c = classes.get(className);
  const p = c && c.properties.find((item) => item.name === prop);
  return p ? pick(p.label_zh, p.label_en) : prop;
}

const levelName = (n) => enumLabel("SkillLevelScheme", n);
const dimLabel = (d) => (d ? enumLabel("CompetencyDimensionScheme", d) : t("dim.none"));

/** A thing's name in the current language, falling back to the other one, then the id. */
const nameOf = (x, id) => (x ? pick(x.name_zh, x.name_en) : null) || id || (x && (x.id || x.competency)) || "";
/** Its name in the other language, if it has one that differs. */
const otherName = (x) => {
  const other = lang === "en" ? x.name_zh : x.name_en;
  return other && other !== nameOf(x) ? other : "";
};

const pct = (ratio) => (ratio === null || ratio === undefined ? "—" : `${(ratio * 100).toFixed(1)}%`);
const points = (delta) => `${delta > 0 ? "+" : delta < 0 ? "−" : "±"}${Math.abs(delta * 100).toFixed(1)}`;

// ---------------------------------------------------------------- DOM helpers

/** An element: attributes (on* = listeners, booleans as properties), then children (text is escaped). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (["checked", "disabled", "selected", "hidden", "open", "required", "multiple"].includes(name))
      node[name] = Boolean(value);
    else if (name === "value") node.value = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Replace the children of ``node`` (arrays flattened; native replaceChildren would print them). */
function put(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** Add children to ``node`` (arrays flattened). */
function add(node, ...children) {
  return append(node, children);
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const main = () => document.getElementById("main");

function announce(text) {
  const live = document.getElementById("live");
  live.textContent = "";
  window.setTimeout(() => {
    live.textContent = text;
  }, 30);
}

function errorBox(error, extra = null) {
  const body = error instanceof api.ApiError ? error.body : { detail: String(error && error.message) };
  const status = error instanceof api.ApiError ? error.status : 0;
  const lines = [];
  const onUpload = location.hash.startsWith("#/upload");
  if (status === 401)
    lines.push(h("p", {}, t("err.key"), " ", onUpload ? null : h("a", { href: "#/upload" }, t("err.keyLink"))));
  else if (status === 0 || status >= 500) lines.push(h("p", {}, t("err.server")));
  return h(
    "div",
    { class: "alert", role: "alert" },
    h("strong", {}, body.title || t("err.title")),
    body.detail ? h("p", {}, body.detail) : null,
    lines,
    extra,
  );
}

const spinner = (text) =>
  h(
    "p",
    { class: "loading", role: "status" },
    h("span", { class: "dot", "aria-hidden": "true" }),
    text || t("loading"),
  );

const entityHref = (id) => `#/entity/${encodeURIComponent(id)}`;
const entityLink = (id, text, cls = "") => h("a", { href: entityHref(id), class: cls || null }, text || id);

function badge(status, text) {
  return h(
    "span",
    { class: `badge st-${status}` },
    h("span", { class: "sym", "aria-hidden": "true" }),
    text || t(`status.${status}`),
  );
}

/** A table of ``rows`` ({key, cells}: ``key`` is the row's data-key), each cell labelled with its column for
 * narrow screens (tables become cards); a cell made by ``num`` is a number. */
function dataTable(id, caption, columns, rows) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data", id },
      h("caption", { class: "sr-only" }, caption),
      h("thead", {}, h("tr", {}, columns.map((text) => h("th", { scope: "col" }, text)))),
      h(
        "tbody",
        {},
        rows.map(({ key, cells }) =>
          h(
            "tr",
            { "data-key": key },
            cells.map((cell, i) =>
              h("td", { "data-label": columns[i], class: cell?.num ? "num" : null }, cell?.num ?? cell),
            ),
          ),
        ),
      ),
    ),
  );
}

const num = (value) => ({ num: value === null || value === undefined ? "—" : String(value) });

/** A competency's cell: its name, linked to its page, over its id. */
const competencyCell = (c) => [entityLink(c.competency, nameOf(c)), h("span", { class: "meta" }, c.competency)];

/** Download links to the API's ?format= answers (fetched with the key when one is set). */
function downloads(label, path, params, formats) {
  return h(
    "div",
    { class: "downloads", role: "group", "aria-label": label },
    h("span", { class: "dl-label" }, label),
    formats.map((fmt) =>
      h(
        "a",
        {
          class: "dl",
          href: api.apiUrl(path, { ...params, format: fmt }),
          download: "",
          "data-format": fmt,
          "aria-label": `${label} ${fmt.toUpperCase()}`,
        },
        fmt.toUpperCase(),
      ),
    ),
  );
}

async function saveDownload(link) {
  link.setAttribute("aria-busy", "true");
  try {
    const { blob, filename } = await api.blob(link.href);
    const url = URL.createObjectURL(blob);
    const save = h("a", { href: url, download: filename || "chanjiao" });
    document.body.append(save);
    save.click();
    save.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    announce(error.message);
    window.alert(error.message);
  } finally {
    link.removeAttribute("aria-busy");
  }
}

// With an API key, a plain link cannot send it: fetch the file with the header and save it instead.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.dl");
  if (link && api.getKey()) {
    event.preventDefault();
    saveDownload(link);
  }
});

/** An <img> of an API picture, loaded with the key when there is one; errors shown in its place. */
function picture(url, alt) {
  const holder = h("div", { class: "picture" }, spinner(t("map.loading")));
  api
    .blob(url)
    .then(({ blob }) => {
      const src = URL.createObjectURL(blob);
      const img = h("img", { src, alt, class: "fit", onload: () => URL.revokeObjectURL(src) });
      put(holder, img);
    })
    .catch((error) => put(holder, errorBox(error)));
  return holder;
}

// ---------------------------------------------------------------- routing

function parseHash() {
  const hash = location.hash || "#/coverage";
  const [path, query] = hash.slice(2).split("?");
  const [view, ...rest] = path.split("/");
  return {
    view: view || "coverage",
    arg: rest.length ? decodeURIComponent(rest.join("/")) : "",
    params: new URLSearchParams(query || ""),
  };
}

const VIEWS = {
  coverage: renderCoverage,
  search: renderSearch,
  entity: renderEntity,
  upload: renderUpload,
};

let rendering = 0;
function route() {
  if (location.hash && !location.hash.startsWith("#/")) return; // an in-page anchor (the skip link)
  const { view, arg, params } = parseHash();
  const render = VIEWS[view] || renderCoverage;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === (VIEWS[view] ? view : "coverage")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  rendering += 1;
  render(params, arg, rendering);
}

/** Set the hash without rendering again (the view already shows it): for bookmarks and reloads. */
function replaceHash(hash) {
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

// ---------------------------------------------------------------- coverage view

const cov = {
  programs: [],
  program: "",
  occupation: "",
  level: null,
  optional: false,
  close: false,
  targets: [], // GET /programs/{id}/summary: [{occupation, name_zh, name_en, level}]
  courses: [], // the same: the program's courses [{course, name_zh, name_en, semester, required, hours, category}]
  known: new Map(), // names of courses of other programs the what-if adds (from search hits and candidates)
  coverage: null,
  gaps: null,
  tab: "gaps",
  mapFit: true,
  whatif: null, // {remove: Set, add: [ids], created: [{name, hours, develops: [{competency, level}]}]}
  result: null, // the what-if answer while there is a change
  pending: null, // AbortController of the what-if request in flight
  timer: 0,
};

const emptyChange = () => ({ remove: new Set(), add: [], created: [] });
const changed = () => cov.whatif && (cov.whatif.remove.size || cov.whatif.add.length || cov.whatif.created.length);

function questionParams() {
  return {
    occupation: cov.occupation,
    level: cov.level,
    include_optional: cov.optional ? "true" : null,
    close_match: cov.close ? "true" : null,
  };
}

function coverageHash() {
  const q = new URLSearchParams();
  if (cov.program) q.set("program", cov.program);
  if (cov.occupation) q.set("occupation", cov.occupation);
  if (cov.level) q.set("level", cov.level);
  if (cov.optional) q.set("optional", "1");
  if (cov.close) q.set("close", "1");
  const text = q.toString();
  return `#/coverage${text ? "?" + text : ""}`;
}

async function renderCoverage(params, _arg, token) {
  document.title = `${t("nav.coverage")} · ${t("app.name")}`;
  const root = main();
  const programSelect = h("select", { id: "program", name: "program" });
  const occupationSelect = h("select", { id: "occupation", name: "occupation", disabled: true });
  const levelSelect = h("select", { id: "level", name: "level", disabled: true });
  const optional = h("input", { type: "checkbox", id: "opt-optional", checked: params.get("optional") === "1" });
  const close = h("input", { type: "checkbox", id: "opt-close", checked: params.get("close") === "1" });
  const result = h("div", { id: "result", "aria-live": "off" });
  put(
    root,
    h(
      "section",
      { class: "card picker", "aria-labelledby": "cov-title" },
      h(
        "div",
        { class: "picker-head" },
        h("h1", { id: "cov-title" }, t("cov.title")),
        h("p", { class: "lead" }, t("cov.lead")),
      ),
      h(
        "div",
        { class: "picker-grid" },
        h("div", { class: "field" }, h("label", { for: "program" }, t("cov.program")), programSelect),
        h("div", { class: "field wide" }, h("label", { for: "occupation" }, t("cov.occupation")), occupationSelect),
        h("div", { class: "field" }, h("label", { for: "level" }, t("cov.level")), levelSelect),
        h(
          "fieldset",
          { class: "options" },
          h("legend", {}, t("cov.options")),
          h("label", { class: "check" }, optional, t("cov.optional")),
          h("label", { class: "check" }, close, t("cov.close")),
        ),
      ),
    ),
    result,
  );
  add(result, spinner());
  try {
    const programs = await everyPage("/entities/Program");
    if (token !== rendering) return;
    cov.programs = programs;
  } catch (error) {
    put(result, errorBox(error));
    return;
  }
  add(
    programSelect,
    h("option", { value: "" }, t("cov.chooseProgram")),
    cov.programs.map((p) =>
      h("option", { value: p.id }, `${nameOf(p)}${p.properties.code ? "（" + p.properties.code + "）" : ""}`),
    ),
  );
  const wanted = params.get("program") || cov.program || (cov.programs.length === 1 ? cov.programs[0].id : "");
  cov.optional = optional.checked;
  cov.close = close.checked;

  const chooseProgram = async (id, wantedOccupation, wantedLevel) => {
    if (id !== cov.program) {
      cov.whatif = emptyChange();
      cov.result = null;
    }
    cov.program = id;
    programSelect.value = id;
    put(occupationSelect);
    put(levelSelect);
    occupationSelect.disabled = levelSelect.disabled = true;
    if (!id) {
      cov.occupation = "";
      replaceHash(coverageHash());
      put(result, emptyState());
      return;
    }
    put(result, spinner());
    let summary;
    try {
      summary = await api.get(`/programs/${api.seg(id)}/summary`);
    } catch (error) {
      put(result, errorBox(error));
      return;
    }
    if (token !== rendering || cov.program !== id) return;
    cov.targets = summary.targets; // the highest level first (usually the program's main aim), then by id
    cov.courses = summary.courses; // by semester, then id
    if (!cov.targets.length) {
      put(result, h("div", { class: "card empty" }, h("p", {}, t("cov.noTargets"))));
      return;
    }
    add(
      occupationSelect,
      cov.targets.map((target) =>
        h(
          "option",
          { value: target.occupation },
          [nameOf(target), target.occupation, target.level ? levelName(target.level) : null]
            .filter(Boolean)
            .join(" · "),
        ),
      ),
    );
    occupationSelect.disabled = false;
    const target = cov.targets.find((x) => x.occupation === wantedOccupation) || cov.targets[0];
    chooseOccupation(target.occupation, wantedLevel);
  };

  const chooseOccupation = (id, wantedLevel) => {
    cov.occupation = id;
    occupationSelect.value = id;
    const target = cov.targets.find((x) => x.occupation === id);
    const levels = enumerations.get("SkillLevelScheme")?.values.map((v) => v.value) || [1, 2, 3, 4, 5];
    put(
      levelSelect,
      levels.map((n) =>
        h("option", { value: n }, `${n} · ${levelName(n)}${target && target.level === n ? t("cov.targetLevel") : ""}`),
      ),
    );
    levelSelect.disabled = false;
    const level = Number(wantedLevel) || (target && target.level) || 3;
    cov.level = level;
    levelSelect.value = String(level);
    ask();
  };

  const ask = async () => {
    replaceHash(coverageHash());
    result.setAttribute("aria-busy", "true");
    if (!cov.coverage) put(result, spinner());
    const asked = coverageHash();
    try {
      const [coverage, gaps] = await Promise.all([
        api.get(`/programs/${api.seg(cov.program)}/coverage`, questionParams()),
        api.get(`/programs/${api.seg(cov.program)}/gaps`, { ...questionParams(), limit: 500 }),
      ]);
      if (token !== rendering || asked !== coverageHash()) return;
      cov.coverage = coverage;
      cov.gaps = gaps;
      cov.result = null;
      renderResult(result);
      if (changed()) runWhatif();
      announce(
        t("cov.announce", {
          ratio: pct(coverage.overall.ratio),
          covered: coverage.overall.covered,
          total: coverage.overall.total,
        }),
      );
    } catch (error) {
      if (token !== rendering) return;
      cov.coverage = null;
      put(result, errorBox(error));
    } finally {
      result.removeAttribute("aria-busy");
    }
  };

  programSelect.addEventListener("change", () => {
    cov.coverage = null;
    chooseProgram(programSelect.value, "", null);
  });
  occupationSelect.addEventListener("change", () => chooseOccupation(occupationSelect.value, null));
  levelSelect.addEventListener("change", () => {
    cov.level = Number(levelSelect.value);
    ask();
  });
  optional.addEventListener("change", () => {
    cov.optional = optional.checked;
    ask();
  });
  close.addEventListener("change", () => {
    cov.close = close.checked;
    ask();
  });
  if (!cov.whatif) cov.whatif = emptyChange();
  const keep = wanted === cov.program;
  if (!keep) cov.coverage = null;
  await chooseProgram(
    wanted,
    params.get("occupation") || (keep ? cov.occupation : ""),
    params.get("level") || (keep ? cov.level : null),
  );
}

function emptyState() {
  return h(
    "div",
    { class: "card empty" },
    h("h2", {}, t("cov.startTitle")),
    h("ol", { class: "steps" }, h("li", {}, t("cov.step1")), h("li", {}, t("cov.step2")), h("li", {}, t("cov.step3"))),
  );
}

/** The whole answer: summary, what-if panel, and the tabs (gaps, map, all requirements). */
function renderResult(result) {
  const summary = h("div", { id: "summary", class: "summary" });
  const whatif = h("aside", { id: "whatif", class: "card whatif", "aria-labelledby": "wi-title" });
  const tabs = h("section", { class: "card tabs-card", "aria-label": t("tabs.label") });
  put(result, h("div", { class: "cov-layout" }, summary, whatif), tabs);
  renderSummary();
  renderWhatifPanel(whatif);
  renderTabs(tabs);
}

/** The coverage shown: the what-if's "after" while there is a change, else the program as it is. */
const shown = () => (cov.result ? cov.result.after : cov.coverage);

const COVERAGE_STATUSES = ["covered", "under_level", "missing"];
const ASSESSED_STATUSES = ["assessed", "school_only", "not_assessed", "missing"];

function stackBar(tally, { big = false, statuses = COVERAGE_STATUSES } = {}) {
  const bar = h("div", { class: `stack${big ? " big" : ""}`, "aria-hidden": "true" });
  const total = tally.total || 0;
  for (const status of statuses) {
    const n = tally[status] || 0;
    if (!n || !total) continue;
    const part = h("span", { class: `seg st-${status}` }, big || n / total > 0.12 ? String(n) : "");
    part.style.width = `${(100 * n) / total}%`;
    add(bar, part);
  }
  if (!total) add(bar, h("span", { class: "seg none" }));
  return bar;
}

function donut(tally) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 120 120");
  svg.setAttribute("class", "donut");
  svg.setAttribute("aria-hidden", "true");
  const r = 50;
  const c = 2 * Math.PI * r;
  const ring = document.createElementNS(NS, "circle");
  for (const [name, value] of Object.entries({ cx: 60, cy: 60, r, class: "ring" })) ring.setAttribute(name, value);
  add(svg, ring);
  let start = 0;
  for (const status of ["covered", "under_level", "missing"]) {
    const n = tally[status] || 0;
    if (!n || !tally.total) continue;
    const len = (c * n) / tally.total;
    const arc = document.createElementNS(NS, "circle");
    const attrs = {
      cx: 60,
      cy: 60,
      r,
      class: `arc st-${status}`,
      "stroke-dasharray": `${len} ${c - len}`,
      "stroke-dashoffset": String(-start),
      transform: "rotate(-90 60 60)",
    };
    for (const [name, value] of Object.entries(attrs)) arc.setAttribute(name, value);
    add(svg, arc);
    start += len;
  }
  return svg;
}

function renderSummary() {
  const box = document.getElementById("summary");
  if (!box) return;
  const answer = shown();
  const base = cov.coverage;
  const overall = answer.overall;
  const program = cov.programs.find((p) => p.id === cov.program);
  const occupation = cov.targets.find((x) => x.occupation === cov.occupation);
  const whatif = Boolean(cov.result);
  const delta = whatif ? cov.result.delta : null;
  const chartParams = questionParams();

  const counts = h(
    "ul",
    { class: "counts" },
    ["covered", "under_level", "missing"].map((status) =>
      h(
        "li",
        { class: `count st-${status}` },
        h("span", { class: "sym", "aria-hidden": "true" }),
        h("span", { class: "n", id: `count-${status}` }, String(overall[status])),
        h(
          "span",
          { class: "label" },
          h(
            "span",
            {},
            h("span", { class: "what" }, t(`status.${status}`)),
            whatif && delta[status]
              ? h("span", { class: "delta" }, ` ${delta[status] > 0 ? "+" : ""}${delta[status]}`)
              : null,
          ),
          h("span", { class: "means" }, t(`sum.means.${status}`)),
        ),
      ),
    ),
  );
  const overallCard = h(
    "section",
    {
      class: `card overall${whatif ? " is-whatif" : ""}`,
      "aria-labelledby": "overall-title",
      "data-state": whatif ? "whatif" : "base",
    },
    h("h2", { id: "overall-title" }, whatif ? t("sum.afterTitle") : t("sum.title")),
    h(
      "p",
      { class: "context" },
      `${nameOf(program, cov.program)} → ${nameOf(occupation, cov.occupation)} · ${levelName(answer.level)}`,
    ),
    h(
      "div",
      { class: "figure-row" },
      h(
        "div",
        { class: "donut-box" },
        donut(overall),
        h(
          "div",
          { class: "donut-text" },
          h(
            "span",
            {
              class: "ratio",
              id: "overall-ratio",
              "data-ratio": String(overall.ratio),
              "data-covered": String(overall.covered),
              "data-total": String(overall.total),
            },
            pct(overall.ratio),
          ),
          h("span", { class: "ratio-caption" }, t("sum.ratio")),
        ),
      ),
      h(
        "div",
        { class: "figure-text" },
        h(
          "p",
          { class: "of" },
          h("span", { id: "overall-count" }, `${overall.covered} / ${overall.total}`),
          " ",
          t("sum.covered"),
        ),
        whatif
          ? h(
              "p",
              { class: `delta-line ${delta.ratio < 0 ? "down" : delta.ratio > 0 ? "up" : ""}`, id: "overall-delta" },
              t("sum.before", { ratio: pct(base.overall.ratio) }),
              " ",
              h("strong", {}, t("sum.points", { points: points(delta.ratio) })),
            )
          : null,
        counts,
      ),
    ),
    downloads(t("dl.coverage"), `/programs/${api.seg(cov.program)}/coverage`, chartParams, [
      "xlsx",
      "csv",
      "png",
      "svg",
    ]),
  );

  const dims = h(
    "section",
    { class: "card dims", "aria-labelledby": "dims-title" },
    h("h2", { id: "dims-title" }, t("sum.byDimension")),
    h(
      "ul",
      { class: "bars" },
      Object.entries(answer.by_dimension).map(([dim, tally]) => {
        const before = base.by_dimension[dim];
        const moved = whatif && before && before.covered !== tally.covered;
        return h(
          "li",
          { class: "bar-row", "data-dimension": dim },
          h("span", { class: "bar-name" }, dimLabel(dim)),
          stackBar(tally),
          h(
            "span",
            { class: "bar-figure" },
            h("b", {}, pct(tally.ratio)),
            ` ${tally.covered}/${tally.total}`,
            moved ? h("span", { class: "delta" }, ` (${pct(before.ratio)})`) : null,
          ),
        );
      }),
    ),
    legend(),
    topGaps(),
  );

  const baseTasks = new Map(base.by_task.map((x) => [x.task, x]));
  const tasks = h(
    "section",
    { class: "card tasks", "aria-labelledby": "tasks-title" },
    h(
      "h2",
      { id: "tasks-title" },
      t("sum.byTask"),
      h("span", { class: "count-note" }, t("sum.taskCount", { n: answer.by_task.length })),
    ),
    answer.by_task.length
      ? h(
          "ul",
          { class: "bars tasks-list" },
          answer.by_task.map((task) => {
            const before = baseTasks.get(task.task);
            const moved = whatif && before && before.tally.covered !== task.tally.covered;
            const open = [...task.under_level, ...task.missing].map((id) =>
              nameOf(
                answer.competencies.find((c) => c.competency === id),
                id,
              ),
            );
            return h(
              "li",
              { class: "bar-row", title: open.length ? `${t("sum.openInTask")}${open.join("、")}` : null },
              h(
                "span",
                { class: "bar-name" },
                task.order ? h("span", { class: "order" }, `${task.order}`) : null,
                entityLink(task.task, nameOf(task)),
              ),
              stackBar(task.tally),
              h(
                "span",
                { class: "bar-figure" },
                h("b", {}, pct(task.tally.ratio)),
                ` ${task.tally.covered}/${task.tally.total}`,
                moved ? h("span", { class: "delta" }, ` (${pct(before.tally.ratio)})`) : null,
              ),
            );
          }),
        )
      : h("p", { class: "muted" }, t("sum.noTasks")),
  );
  put(box, h("div", { class: "summary-top" }, overallCard, dims), tasks);
}

/** The three gaps with the most impact, as a pointer to the full list below. */
function topGaps() {
  const top = cov.gaps.gaps.data.slice(0, 3);
  if (!top.length) return null;
  return h(
    "div",
    { class: "top-gaps" },
    h("h3", {}, t("sum.topGaps"), h("span", { class: "count-note" }, t("sum.allGaps", { n: cov.gaps.gaps.count }))),
    h(
      "ol",
      { class: "plain" },
      top.map((gap) =>
        h(
          "li",
          {},
          badge(gap.status),
          " ",
          entityLink(gap.competency, nameOf(gap)),
          h("span", { class: "meta inline-meta" }, ` ${levelsText(gap)}`),
        ),
      ),
    ),
  );
}

function legend(statuses = COVERAGE_STATUSES) {
  return h(
    "p",
    { class: "legend" },
    statuses.map((status) =>
      h(
        "span",
        { class: `key st-${status}` },
        h("span", { class: "swatch", "aria-hidden": "true" }),
        t(`status.${status}`),
      ),
    ),
  );
}

// -------------------------------------------------- what-if

function courseName(id) {
  const course = cov.courses.find((c) => c.course === id) || cov.known.get(id);
  return nameOf(course, id);
}

function scheduleWhatif() {
  window.clearTimeout(cov.timer);
  cov.timer = window.setTimeout(runWhatif, 120);
  const status = document.getElementById("wi-status");
  if (status) status.textContent = t("wi.computing");
  document.getElementById("summary")?.setAttribute("aria-busy", "true");
}

async function runWhatif() {
  if (cov.pending) cov.pending.abort();
  const summary = document.getElementById("summary");
  if (!changed()) {
    cov.result = null;
    cov.pending = null;
    renderSummary();
    renderWhatifStatus();
    refreshGapMarks();
    summary?.removeAttribute("aria-busy");
    announce(t("wi.resetDone", { ratio: pct(cov.coverage.overall.ratio) }));
    return;
  }
  const controller = new AbortController();
  cov.pending = controller;
  const body = {
    occupation: cov.occupation,
    level: cov.level,
    add_courses: cov.whatif.add,
    remove_courses: [...cov.whatif.remove],
    new_courses: cov.whatif.created.map((c) => ({ name: c.name, hours: c.hours || null, develops: c.develops })),
    include_optional: cov.optional,
    close_match: cov.close,
  };
  try {
    const answer = await api.postJson(`/programs/${api.seg(cov.program)}/whatif`, body, { signal: controller.signal });
    if (cov.pending !== controller) return;
    cov.result = answer;
    cov.pending = null;
    renderSummary();
    renderWhatifStatus();
    refreshGapMarks();
    announce(t("wi.announce", { before: pct(answer.before.overall.ratio), after: pct(answer.after.overall.ratio) }));
  } catch (error) {
    if (error.name === "AbortError") return;
    cov.pending = null;
    const status = document.getElementById("wi-status");
    if (status) put(status, errorBox(error));
  } finally {
    if (cov.pending === null) summary?.removeAttribute("aria-busy");
  }
}

function renderWhatifPanel(panel) {
  const inProgram = new Set(cov.courses.map((c) => c.course));
  const semesters = new Map();
  for (const course of cov.courses) {
    const key = course.semester ?? "—";
    semesters.set(key, [...(semesters.get(key) || []), course]);
  }
  const list = h(
    "div",
    { class: "course-list" },
    [...semesters].map(([semester, courses]) =>
      h(
        "fieldset",
        { class: "semester" },
        h("legend", {}, semester === "—" ? t("wi.noSemester") : t("wi.semester", { n: semester })),
        courses.map((course) => {
          const id = course.course;
          const box = h("input", {
            type: "checkbox",
            checked: !cov.whatif.remove.has(id),
            "data-course": id,
            onchange: (event) => {
              if (event.target.checked) cov.whatif.remove.delete(id);
              else cov.whatif.remove.add(id);
              event.target.closest("label").classList.toggle("off", !event.target.checked);
              scheduleWhatif();
            },
          });
          const hours = course.hours;
          return h(
            "label",
            { class: `course${cov.whatif.remove.has(id) ? " off" : ""}${course.required ? "" : " elective"}` },
            box,
            h("span", { class: "course-name" }, nameOf(course)),
            h(
              "span",
              { class: "course-meta" },
              [hours ? t("wi.hours", { n: hours }) : null, course.required ? null : t("wi.elective")]
                .filter(Boolean)
                .join(" · "),
            ),
          );
        }),
      ),
    ),
  );
  const found = h("ul", { class: "plain found", id: "wi-found" });
  const addQuery = h("input", {
    type: "search",
    id: "wi-add",
    maxlength: "200",
    autocomplete: "off",
    placeholder: t("wi.addPlaceholder"),
    "aria-describedby": "wi-found",
    oninput: (event) => findCourses(event.target.value, found, inProgram),
  });
  put(
    panel,
    h("h2", { id: "wi-title" }, t("wi.title")),
    h("p", { class: "hint" }, t("wi.hint")),
    h(
      "div",
      { class: "wi-scroll" },
      list,
      h(
        "div",
        { class: "wi-block" },
        h("label", { for: "wi-add", class: "block-label" }, t("wi.addOther")),
        addQuery,
        found,
        h("ul", { class: "added", id: "wi-added" }),
      ),
      newCourseForm(),
    ),
    h(
      "div",
      { class: "wi-foot" },
      h("div", { id: "wi-status", class: "wi-status", role: "status" }),
      h("button", { type: "button", class: "btn ghost", id: "wi-reset", onclick: resetWhatif }, t("wi.reset")),
    ),
  );
  renderWhatifStatus();
}

/** Add a course of another program to the what-if; ``named``: its node, when the caller has its names. */
async function addCourse(id, named = null) {
  if (!id || cov.whatif.add.includes(id)) return;
  cov.whatif.add.push(id);
  if (named) cov.known.set(id, named);
  renderWhatifStatus();
  refreshGapMarks();
  scheduleWhatif();
  if (!named && !cov.known.has(id)) {
    try {
      cov.known.set(id, await api.get(`/nodes/${api.seg(id)}`));
      renderWhatifStatus();
    } catch {
      /* the id stands for its name */
    }
  }
}

let finding = 0; // the latest course search: an older answer arriving late is dropped
let findTimer = 0; // typing waits for a pause before searching

/** The courses matching ``text`` (the API's search, class Course) outside the program, each with a button
 * adding it to the what-if: a province holds thousands of courses, too many to list. */
function findCourses(text, list, inProgram) {
  const q = text.trim();
  const mine = ++finding;
  clearTimeout(findTimer);
  if (!q) {
    put(list);
    return;
  }
  findTimer = setTimeout(async () => {
    let hits;
    try {
      hits = await api.get("/search", { q, label: "Course", limit: 10 });
    } catch (error) {
      if (mine === finding) put(list, h("li", {}, errorBox(error)));
      return;
    }
    if (mine !== finding) return;
    const others = hits.map((hit) => hit.node).filter((node) => !inProgram.has(node.id));
    put(
      list,
      others.length
        ? others.map((node) =>
            h(
              "li",
              {},
              h("span", { class: "course-name" }, nameOf(node)),
              h("span", { class: "meta" }, ` ${node.id}`),
              h(
                "button",
                {
                  type: "button",
                  class: "btn tiny",
                  "data-add": node.id,
                  disabled: cov.whatif.add.includes(node.id),
                  onclick: (event) => {
                    event.target.disabled = true;
                    addCourse(node.id, node);
                  },
                },
                t("wi.add"),
              ),
            ),
          )
        : h("li", { class: "muted" }, t("wi.addNone", { q })),
    );
  }, 250);
}

/** Every item of a paged list (``/entities/{label}``), 500 a page. */
async function everyPage(path) {
  const items = [];
  for (;;) {
    const page = await api.get(path, { offset: items.length, limit: 500 });
    items.push(...page.data);
    if (!page.data.length || items.length >= page.count) return items;
  }
}

function resetWhatif() {
  cov.whatif = emptyChange();
  const panel = document.getElementById("whatif");
  if (panel) renderWhatifPanel(panel);
  scheduleWhatif();
  document.getElementById("wi-reset")?.focus();
}

function newCourseForm() {
  const required = (cov.coverage?.competencies || []).slice().sort((a, b) => {
    const rank = { missing: 0, under_level: 1, covered: 2 };
    return rank[a.status] - rank[b.status] || a.competency.localeCompare(b.competency);
  });
  const rows = h("div", { class: "develops" });
  const name = h("input", { type: "text", id: "nc-name", maxlength: 200, autocomplete: "off" });
  const hours = h("input", { type: "number", id: "nc-hours", min: 1, max: 2000, inputmode: "numeric" });
  const message = h("p", { class: "form-msg", role: "status" });
  const addRow = () => {
    const n = rows.children.length + 1;
    const comp = h(
      "select",
      { "aria-label": t("nc.competencyN", { n }), class: "nc-comp" },
      required.map((c) =>
        h("option", { value: c.competency }, `${c.status === "covered" ? "" : "● "}${nameOf(c)}（${c.competency}）`),
      ),
    );
    const levels = enumerations.get("SkillLevelScheme")?.values.map((v) => v.value) || [1, 2, 3, 4, 5];
    const level = h(
      "select",
      { "aria-label": t("nc.levelN", { n }), class: "nc-level" },
      levels.map((v) => h("option", { value: v, selected: v === cov.level }, `${v} · ${levelName(v)}`)),
    );
    const row = h(
      "div",
      { class: "develop-row" },
      comp,
      level,
      h(
        "button",
        { type: "button", class: "btn icon", "aria-label": t("nc.removeRow", { n }), onclick: () => row.remove() },
        "×",
      ),
    );
    add(rows, row);
    comp.focus();
  };
  const form = h(
    "form",
    {
      class: "new-course",
      onsubmit: (event) => {
        event.preventDefault();
        const develops = [...rows.querySelectorAll(".develop-row")].map((row) => ({
          competency: row.querySelector(".nc-comp").value,
          level: Number(row.querySelector(".nc-level").value),
        }));
        if (!name.value.trim() || !develops.length) {
          message.textContent = t("nc.incomplete");
          return;
        }
        cov.whatif.created.push({ name: name.value.trim(), hours: Number(hours.value) || null, develops });
        name.value = "";
        hours.value = "";
        put(rows);
        message.textContent = t("nc.added");
        renderWhatifStatus();
        scheduleWhatif();
      },
    },
    h("div", { class: "field" }, h("label", { for: "nc-name" }, t("nc.name")), name),
    h("div", { class: "field" }, h("label", { for: "nc-hours" }, t("nc.hours")), hours),
    h("p", { class: "block-label" }, t("nc.develops")),
    rows,
    h(
      "div",
      { class: "inline" },
      h("button", { type: "button", class: "btn small ghost", onclick: addRow }, t("nc.addRow")),
      h("button", { type: "submit", class: "btn small" }, t("nc.submit")),
    ),
    message,
  );
  return h("details", { class: "wi-block" }, h("summary", {}, t("nc.title")), form);
}

function renderWhatifStatus() {
  const added = document.getElementById("wi-added");
  if (added) {
    put(
      added,
      cov.whatif.add.map((id) =>
        h(
          "li",
          {},
          h("span", {}, "+ ", courseName(id)),
          h(
            "button",
            {
              type: "button",
              class: "btn icon",
              "aria-label": t("wi.undoAdd", { name: courseName(id) }),
              onclick: () => {
                cov.whatif.add = cov.whatif.add.filter((x) => x !== id);
                renderWhatifStatus();
                refreshGapMarks();
                scheduleWhatif();
              },
            },
            "×",
          ),
        ),
      ),
      cov.whatif.created.map((course, i) =>
        h(
          "li",
          { class: "created" },
          h("span", {}, "+ ", course.name, " ", h("small", {}, t("wi.newCourseTag", { n: course.develops.length }))),
          h(
            "button",
            {
              type: "button",
              class: "btn icon",
              "aria-label": t("wi.undoAdd", { name: course.name }),
              onclick: () => {
                cov.whatif.created.splice(i, 1);
                renderWhatifStatus();
                scheduleWhatif();
              },
            },
            "×",
          ),
        ),
      ),
    );
  }
  const status = document.getElementById("wi-status");
  if (!status) return;
  if (!changed()) {
    put(status, h("p", { class: "muted" }, t("wi.noChange")));
    return;
  }
  if (!cov.result) {
    put(status, h("p", { class: "muted" }, t("wi.computing")));
    return;
  }
  const changes = cov.result.changes;
  put(
    status,
    h(
      "p",
      { class: "wi-total" },
      t("wi.result", { before: pct(cov.result.before.overall.ratio), after: pct(cov.result.after.overall.ratio) }),
    ),
    changes.length
      ? h(
          "ul",
          { class: "changes" },
          changes.map((c) =>
            h(
              "li",
              {},
              entityLink(c.competency, nameOf(c)),
              h(
                "span",
                { class: "move" },
                badge(c.before),
                h("span", { "aria-label": t("wi.to") }, " → "),
                badge(c.after),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, t("wi.noStatusChange")),
    h("p", { class: "note" }, t("wi.nothingWritten")),
  );
}

// -------------------------------------------------- tabs: gaps, map, requirements

const TABS = ["gaps", "map", "requirements", "assessed", "outcomes", "research"];

function renderTabs(card) {
  const list = h("div", { class: "tablist", role: "tablist", "aria-label": t("tabs.label") });
  const panels = h("div", { class: "panels" });
  const labels = {
    gaps: t("tabs.gaps", { n: cov.gaps.gaps.count }),
    map: t("tabs.map"),
    requirements: t("tabs.requirements", { n: cov.coverage.competencies.length }),
    assessed: t("tabs.assessed"),
    outcomes: t("tabs.outcomes"),
    research: t("tabs.research"),
  };
  const select = (name, focus) => {
    cov.tab = name;
    for (const tab of list.children) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    }
    for (const panel of panels.children) panel.hidden = panel.dataset.tab !== name;
    const panel = panels.querySelector(`[data-tab="${name}"]`);
    if (!panel.dataset.ready) {
      panel.dataset.ready = "1";
      const renderers = {
        gaps: renderGaps,
        map: renderMap,
        requirements: renderRequirements,
        assessed: renderAssessed,
        outcomes: renderOutcomes,
        research: renderResearch,
      };
      renderers[name](panel);
    }
  };
  for (const name of TABS) {
    add(
      list,
      h(
        "button",
        {
          type: "button",
          role: "tab",
          id: `tab-${name}`,
          "aria-controls": `panel-${name}`,
          "data-tab": name,
          onclick: () => select(name, false),
          onkeydown: (event) => {
            const i = TABS.indexOf(name);
            const go = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[event.key];
            if (go === undefined) return;
            event.preventDefault();
            select(TABS[(go + TABS.length) % TABS.length], true);
          },
        },
        labels[name],
      ),
    );
    add(
      panels,
      h("div", {
        role: "tabpanel",
        id: `panel-${name}`,
        "aria-labelledby": `tab-${name}`,
        "data-tab": name,
        tabindex: "0",
        class: "panel",
      }),
    );
  }
  put(card, list, panels);
  select(cov.tab, false);
}

function taskLabel(id) {
  const task = cov.coverage.by_task.find((x) => x.task === id);
  return task ? `${task.order ? task.order + ". " : ""}${nameOf(task)}` : id;
}

function programName(id) {
  return nameOf(
    cov.programs.find((p) => p.id === id),
    id,
  );
}

function renderGaps(panel) {
  const gaps = cov.gaps.gaps.data;
  const params = questionParams();
  const table = h(
    "table",
    { class: "data gaps", id: "gap-table" },
    h("caption", { class: "sr-only" }, t("gaps.caption")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["#", t("gaps.competency"), t("gaps.status"), t("gaps.tasks"), t("gaps.employers"), t("gaps.candidates")].map(
          (text) => h("th", { scope: "col" }, text),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      gaps.map((gap) =>
        h(
          "tr",
          { "data-competency": gap.competency },
          h("td", { class: "rank", "data-label": "#" }, String(gap.rank)),
          h(
            "td",
            { "data-label": t("gaps.competency") },
            entityLink(gap.competency, nameOf(gap), "strong"),
            otherName(gap) ? h("span", { class: "sub" }, otherName(gap)) : null,
            h(
              "span",
              { class: "meta" },
              `${gap.competency} · ${dimLabel(gap.dimension)}${gap.importance ? " · " + t("gaps.importance", { n: gap.importance }) : ""}`,
            ),
          ),
          h(
            "td",
            { "data-label": t("gaps.status") },
            badge(gap.status),
            h("span", { class: "levels" }, levelsText(gap)),
            h("span", { class: "after-mark" }),
          ),
          h(
            "td",
            { "data-label": t("gaps.tasks") },
            gap.tasks.length
              ? h(
                  "ul",
                  { class: "plain" },
                  gap.tasks.map((id) => h("li", {}, entityLink(id, taskLabel(id)))),
                )
              : h("span", { class: "muted" }, t("gaps.direct")),
          ),
          h("td", { "data-label": t("gaps.employers") }, employers(gap)),
          h("td", { "data-label": t("gaps.candidates") }, candidates(gap)),
        ),
      ),
    ),
  );
  put(
    panel,
    h(
      "div",
      { class: "panel-head" },
      h("p", {}, gaps.length ? t("gaps.intro", { n: gaps.length }) : t("gaps.none")),
      downloads(t("dl.gaps"), `/programs/${api.seg(cov.program)}/gaps`, params, ["xlsx", "csv"]),
    ),
    gaps.length ? h("div", { class: "table-wrap" }, table) : null,
  );
  refreshGapMarks();
}

function levelsText(gap) {
  const required = gap.required_level ?? t("req.any");
  if (gap.status === "missing") return t("gaps.levelsMissing", { required });
  return t("gaps.levels", { required, developed: gap.developed_level ?? t("req.any") });
}

/** The employers behind a gap, in the API's order: those that ask for the competency first, then by headcount. */
function employers(gap) {
  if (!gap.employer_count) return h("span", { class: "muted" }, "—");
  const list = h(
    "ul",
    { class: "plain employers" },
    gap.employers.map((e) =>
      h(
        "li",
        {
          class: e.needs ? "needs" : null,
          title: e.needs ? t("gaps.needs", { level: e.needs_level ?? t("req.any") }) : null,
        },
        entityLink(e.employer, nameOf(e), "emp-name"),
        h(
          "span",
          { class: "pill" },
          e.needs ? h("span", { class: "star" }, t("gaps.needsShort", { level: e.needs_level ?? t("req.any") })) : null,
          e.headcount ? t("gaps.headcount", { n: e.headcount }) : null,
        ),
      ),
    ),
  );
  return withUnlisted(list, gap.employer_count, gap.employers.length, "gaps.moreEmployers");
}

function candidates(gap) {
  if (!gap.candidate_count) return h("span", { class: "muted" }, t("gaps.noCandidates"));
  const seen = new Set();
  const list = h(
    "ul",
    { class: "plain candidates" },
    gap.candidates.map((c) => {
      const id = c.course;
      const first = id && !seen.has(id);
      if (id) seen.add(id);
      return h(
        "li",
        {},
        entityLink(c.learning_task || c.course, nameOf(c)),
        " ",
        h(
          "span",
          { class: "meta" },
          [
            c.level ? t("gaps.atLevel", { n: c.level }) : null,
            c.programs.length ? c.programs.map(programName).join("、") : null,
          ]
            .filter(Boolean)
            .join(" · "),
        ),
        c.resources.length
          ? h(
              "ul",
              { class: "plain resources" },
              c.resources.map((r) =>
                h(
                  "li",
                  {},
                  "📘 ",
                  entityLink(r.id, nameOf(r)),
                  r.type ? h("span", { class: "meta" }, ` ${enumLabel("ResourceTypeScheme", r.type)}`) : null,
                ),
              ),
            )
          : null,
        first
          ? h(
              "button",
              {
                type: "button",
                class: "btn tiny try",
                "data-try": id,
                onclick: () => addCourse(id, c.learning_task ? null : c),
              },
              t("gaps.try"),
            )
          : null,
      );
    }),
  );
  return withUnlisted(list, gap.candidate_count, gap.candidates.length, "gaps.moreCandidates");
}

/** The API lists the best few of a gap's employers and candidates: say how many more exist (message `key`)
 * rather than implying these are all. */
function withUnlisted(list, total, shown, key) {
  if (total > shown) list.append(h("li", { class: "muted" }, t(key, { n: total - shown })));
  return list;
}

/** Mark the gaps the current what-if closes or changes; disable "try" on courses already added. */
function refreshGapMarks() {
  const table = document.getElementById("gap-table");
  if (!table) return;
  const after = new Map((cov.result?.changes || []).map((c) => [c.competency, c]));
  for (const row of table.tBodies[0].rows) {
    const mark = row.querySelector(".after-mark");
    const change = after.get(row.dataset.competency);
    put(mark, change ? h("span", { class: "whatif-mark" }, t("gaps.whatifAfter"), badge(change.after)) : "");
    row.classList.toggle("closing", Boolean(change && change.after === "covered"));
  }
  for (const button of table.querySelectorAll("button.try")) {
    const added = cov.whatif.add.includes(button.dataset.try);
    button.disabled = added;
    button.textContent = added ? t("gaps.tried") : t("gaps.try");
  }
}

function renderMap(panel) {
  const params = questionParams();
  const path = `/programs/${api.seg(cov.program)}/map`;
  const fit = h(
    "button",
    { type: "button", class: "btn small ghost", "aria-pressed": cov.mapFit ? "true" : "false" },
    t("map.fit"),
  );
  const figure = h(
    "figure",
    { class: `map-figure${cov.mapFit ? " fit" : ""}` },
    picture(api.apiUrl(path, { ...params, format: "png" }), t("map.alt", { program: programName(cov.program) })),
    h("figcaption", {}, t("map.caption")),
  );
  fit.addEventListener("click", () => {
    cov.mapFit = !cov.mapFit;
    fit.setAttribute("aria-pressed", cov.mapFit ? "true" : "false");
    figure.classList.toggle("fit", cov.mapFit);
  });
  put(
    panel,
    h(
      "div",
      { class: "panel-head" },
      h("p", {}, t("map.intro")),
      h("div", { class: "dl-groups" }, downloads(t("dl.map"), path, params, ["xlsx", "csv", "png", "svg"]), fit),
    ),
    changed() ? h("p", { class: "note" }, t("map.whatifNote")) : null,
    figure,
  );
}

function renderRequirements(panel) {
  const answer = cov.coverage;
  const params = questionParams();
  const via = (source) => {
    const parts = [courseName(source.course)];
    if (source.learning_task) parts.push(t("req.viaTask", { id: source.learning_task }));
    if (source.level) parts.push(t("gaps.atLevel", { n: source.level }));
    return parts.join(" · ");
  };
  const columns = [
    t("gaps.competency"),
    t("req.dimension"),
    t("gaps.status"),
    t("req.required"),
    t("req.developed"),
    t("req.developedBy"),
  ];
  put(
    panel,
    h(
      "div",
      { class: "panel-head" },
      h("p", {}, t("req.intro", { n: answer.competencies.length })),
      downloads(t("dl.coverageTable"), `/programs/${api.seg(cov.program)}/coverage`, params, ["xlsx", "csv"]),
    ),
    dataTable(
      null,
      t("req.caption"),
      columns,
      answer.competencies.map((c) => ({
        key: c.competency,
        cells: [
          competencyCell(c),
          dimLabel(c.dimension),
          badge(c.status),
          num(c.required_level ?? t("req.any")),
          num(c.developed_level ?? (c.status === "missing" ? "—" : t("req.any"))),
          c.developed_by.length
            ? h(
                "ul",
                { class: "plain" },
                c.developed_by.map((source) => h("li", {}, via(source))),
              )
            : h("span", { class: "muted" }, "—"),
        ],
      })),
    ),
  );
}

// -------------------------------------------------- co-evaluation (docs/co-evaluation.md)

/** Fill ``panel`` with ``draw(answer, path, params)`` once the API answers ``question`` (``/programs/{p}/…``) for
 * the program, occupation and options chosen: a spinner until then, the error if it fails. The co-evaluation
 * answers are read when their tab is first opened: most visits never open them. */
async function questionPanel(panel, question, draw) {
  const path = `/programs/${api.seg(cov.program)}/${question}`;
  const params = questionParams();
  put(panel, spinner());
  try {
    const answer = await api.get(path, params);
    put(panel, ...draw(answer, path, params));
  } catch (error) {
    put(panel, errorBox(error));
  }
}

/** The note a co-evaluation panel shows while a what-if change is on: it answers for the program as saved. */
const savedNote = () => (changed() ? h("p", { class: "note" }, t("co.saved")) : null);

function assessmentItem(use, competency) {
  const parts = [
    use.kind ? enumLabel("AssessmentKindScheme", use.kind) : null,
    use.evaluator ? enumLabel("EvaluatorScheme", use.evaluator) : null,
    use.course ? courseName(use.course) : null,
    use.level ? t("gaps.atLevel", { n: use.level }) : null,
    use.competency !== competency ? t("as.viaMatch", { id: use.competency }) : null,
  ].filter(Boolean);
  return h(
    "li",
    { class: use.counts ? null : "muted" },
    entityLink(use.assessment, nameOf(use, use.assessment)),
    h("span", { class: "meta inline-meta" }, ` ${parts.join(" · ")}`),
    use.counts ? null : h("span", { class: "meta inline-meta" }, ` ${t("as.notCounted")}`),
  );
}

function renderAssessed(panel) {
  questionPanel(panel, "assessed-coverage", (answer, path, params) => {
    const o = answer.overall;
    const columns = [
      t("gaps.competency"),
      t("req.dimension"),
      t("as.status"),
      t("as.development"),
      t("req.required"),
      t("as.assessments"),
    ];
    return [
      h(
        "div",
        { class: "panel-head" },
        h(
          "p",
          {},
          t("as.intro", {
            assessed: o.assessed,
            total: o.total,
            ratio: pct(o.ratio),
            school: o.school_only,
            judged: pct(o.judged_ratio),
          }),
        ),
        downloads(t("dl.assessed"), path, params, ["xlsx", "csv"]),
      ),
      savedNote(),
      stackBar(o, { big: true, statuses: ASSESSED_STATUSES }),
      legend(ASSESSED_STATUSES),
      dataTable(
        "assessed-table",
        t("as.caption"),
        columns,
        answer.competencies.map((c) => ({
          key: c.competency,
          cells: [
            competencyCell(c),
            dimLabel(c.dimension),
            badge(c.status),
            badge(c.development),
            num(c.required_level ?? t("req.any")),
            c.assessments.length
              ? h(
                  "ul",
                  { class: "plain" },
                  c.assessments.map((use) => assessmentItem(use, c.competency)),
                )
              : h("span", { class: "muted" }, t("as.none")),
          ],
        })),
      ),
    ];
  });
}

function renderOutcomes(panel) {
  questionPanel(panel, "outcome-gaps", (answer, path, params) => {
    const cohortName = (id) =>
      nameOf(
        answer.cohorts.find((c) => c.cohort === id),
        id,
      );
    const head = h(
      "div",
      { class: "panel-head" },
      h(
        "p",
        {},
        answer.cohorts.length
          ? t("out.intro", { n: answer.gaps.length, cohorts: answer.cohorts.length, threshold: answer.threshold })
          : t("out.noCohorts"),
      ),
      answer.cohorts.length ? downloads(t("dl.outcomes"), path, params, ["xlsx", "csv"]) : null,
    );
    if (!answer.cohorts.length) return [head, savedNote()];
    const gapColumns = [
      t("out.rank"),
      t("out.cohort"),
      t("gaps.competency"),
      t("gaps.status"),
      t("req.required"),
      t("out.share"),
      t("out.shortfall"),
      t("out.score"),
      t("gaps.tasks"),
    ];
    const cohortColumns = [
      t("out.cohort"),
      t("out.year"),
      t("out.size"),
      t("status.met"),
      t("status.short"),
      t("status.below_level"),
      t("status.no_result"),
    ];
    return [
      head,
      savedNote(),
      answer.gaps.length
        ? dataTable(
            "outcome-table",
            t("out.caption"),
            gapColumns,
            answer.gaps.map((g) => ({
              key: `${g.cohort} ${g.competency}`,
              cells: [
                num(g.rank),
                entityLink(g.cohort, cohortName(g.cohort)),
                competencyCell(g),
                badge(g.status),
                num(g.required_level ?? t("req.any")),
                num(g.share === null ? null : `${g.share}%`),
                num(g.shortfall),
                num(g.score),
                g.tasks.length ? h("ul", { class: "plain" }, g.tasks.map((x) => h("li", {}, taskLabel(x)))) : "—",
              ],
            })),
          )
        : h("p", { class: "muted" }, t("out.none", { threshold: answer.threshold })),
      h("h3", {}, t("out.cohorts")),
      dataTable(
        "cohort-table",
        t("out.cohortsCaption"),
        cohortColumns,
        answer.cohorts.map((c) => ({
          key: c.cohort,
          cells: [
            entityLink(c.cohort, nameOf(c, c.cohort)),
            num(c.year),
            num(c.size),
            num(c.met.length),
            num(c.short.length),
            num(c.below_level.length),
            num(c.no_result.length),
          ],
        })),
      ),
    ];
  });
}

function renderResearch(panel) {
  questionPanel(panel, "research-uptake", (answer) => {
    const projectName = (id) =>
      nameOf(
        answer.projects.find((p) => p.project === id),
        id,
      );
    const links = (ids) =>
      ids.length ? h("ul", { class: "plain" }, ids.map((id) => h("li", {}, entityLink(id)))) : "—";
    const head = h(
      "div",
      { class: "panel-head" },
      h("p", {}, t("re.intro", { n: answer.projects.length, on: answer.on, coverable: answer.coverable.length })),
    );
    if (!answer.projects.length) return [head, h("p", { class: "muted" }, t("re.none"))];
    const projectColumns = [t("re.project"), t("re.period"), t("re.partners"), t("re.yields"), t("re.courses")];
    const gapColumns = [t("gaps.competency"), t("gaps.status"), t("req.required"), t("re.offers")];
    return [
      head,
      savedNote(),
      dataTable(
        "project-table",
        t("re.caption"),
        projectColumns,
        answer.projects.map((p) => ({
          key: p.project,
          cells: [
            [
              entityLink(p.project, nameOf(p, p.project)),
              h("span", { class: "meta" }, p.ownership ? enumLabel("OwnershipScheme", p.ownership) : ""),
            ],
            [
              `${p.start_date || "…"} – ${p.end_date || "…"} `,
              badge(p.running ? "met" : "no_result", t(p.running ? "re.running" : "re.notRunning")),
            ],
            links([...p.schools, ...p.employers, ...p.studios]),
            links([...p.resources, ...p.learning_tasks]),
            p.courses.length
              ? h(
                  "ul",
                  { class: "plain" },
                  p.courses.map((c) =>
                    h(
                      "li",
                      {},
                      entityLink(c.course, nameOf(c, c.course)),
                      c.in_program ? h("span", { class: "meta" }, ` ${t("re.inProgram")}`) : null,
                    ),
                  ),
                )
              : "—",
          ],
        })),
      ),
      h("h3", {}, t("re.gaps")),
      dataTable(
        "offer-table",
        t("re.gapsCaption"),
        gapColumns,
        answer.gaps
          .filter((g) => g.offers.length)
          .map((g) => ({
            key: g.competency,
            cells: [
              competencyCell(g),
              badge(g.status),
              num(g.required_level ?? t("req.any")),
              h(
                "ul",
                { class: "plain" },
                g.offers.map((o) =>
                  h(
                    "li",
                    { class: o.running ? null : "muted" },
                    entityLink(o.project, projectName(o.project)),
                    h(
                      "span",
                      { class: "meta inline-meta" },
                      ` ${[
                        o.learning_task ? t("re.viaTask", { id: o.learning_task }) : t("re.cultivates"),
                        o.level ? t("gaps.atLevel", { n: o.level }) : null,
                        o.running ? null : t("re.notRunning"),
                      ]
                        .filter(Boolean)
                        .join(" · ")}`,
                    ),
                  ),
                ),
              ),
            ],
          })),
      ),
    ];
  });
}

// ---------------------------------------------------------------- search view

async function renderSearch(params, _arg, token) {
  const q = params.get("q") || "";
  const label = params.get("label") || "";
  document.title = `${t("nav.search")} · ${app()}`;
  const input = h("input", {
    type: "search",
    id: "search-q",
    name: "q",
    value: q,
    required: true,
    maxlength: 200,
    placeholder: t("search.placeholder"),
  });
  const kind = h(
    "select",
    { id: "search-label", name: "label" },
    h("option", { value: "" }, t("search.all")),
    [...classes.keys()].map((name) => h("option", { value: name, selected: name === label }, classLabel(name))),
  );
  const results = h("div", { id: "search-results", "aria-live": "polite" });
  put(
    main(),
    h(
      "section",
      { class: "card search-card" },
      h("h1", {}, t("search.title")),
      h(
        "form",
        {
          class: "search-form",
          role: "search",
          "aria-label": t("search.title"),
          onsubmit: (event) => {
            event.preventDefault();
            const next = new URLSearchParams({ q: input.value.trim() });
            if (kind.value) next.set("label", kind.value);
            location.hash = `#/search?${next}`;
          },
        },
        h("div", { class: "field grow" }, h("label", { for: "search-q" }, t("search.words")), input),
        h("div", { class: "field" }, h("label", { for: "search-label" }, t("search.kind")), kind),
        h("button", { type: "submit", class: "btn" }, t("search.go")),
      ),
      h("p", { class: "hint" }, t("search.hint")),
    ),
    results,
  );
  if (!q) {
    input.focus();
    return;
  }
  add(results, spinner());
  try {
    const hits = await api.get("/search", { q, label: label || null, limit: 50 });
    if (token !== rendering) return;
    put(
      results,
      h(
        "section",
        { class: "card" },
        h("h2", { id: "results-title" }, t("search.count", { n: hits.length, q })),
        hits.length
          ? h(
              "ol",
              { class: "results", "aria-labelledby": "results-title" },
              hits.map(({ node }) =>
                h(
                  "li",
                  {},
                  h("span", { class: `kind kind-${node.label}` }, classLabel(node.label)),
                  h(
                    "div",
                    { class: "hit" },
                    entityLink(node.id, nameOf(node), "hit-name"),
                    otherName(node) ? h("span", { class: "sub" }, otherName(node)) : null,
                    h("span", { class: "meta" }, node.id),
                    node.properties.description
                      ? h("p", { class: "desc" }, clip(node.properties.description, 140))
                      : null,
                  ),
                ),
              ),
            )
          : h("p", { class: "muted" }, t("search.none")),
      ),
    );
    announce(t("search.count", { n: hits.length, q }));
  } catch (error) {
    put(results, errorBox(error));
  }
}

const clip = (text, n) => (Array.from(text).length > n ? Array.from(text).slice(0, n).join("") + "…" : text);
const app = () => t("app.name");

// ---------------------------------------------------------------- entity view

async function renderEntity(params, id, token) {
  const limit = Number(params.get("limit")) || 40;
  const depth = Number(params.get("depth")) || 1;
  put(main(), spinner());
  let node;
  let hood;
  try {
    [node, hood] = await Promise.all([
      api.get(`/nodes/${api.seg(id)}`),
      api.get(`/neighbourhood/${api.seg(id)}`, { depth, limit }),
    ]);
  } catch (error) {
    if (token === rendering)
      put(
        main(),
        h(
          "section",
          { class: "card" },
          errorBox(error),
          h("p", {}, h("a", { href: "#/search" }, t("entity.toSearch"))),
        ),
      );
    return;
  }
  if (token !== rendering) return;
  document.title = `${nameOf(node)} · ${app()}`;
  const names = new Map(hood.nodes.map((n) => [n.id, n]));
  const hiddenProps = new Set(["name_zh", "name_en", "description", "source"]);
  const props = Object.entries(node.properties).filter(([name]) => !hiddenProps.has(name));
  const value = (name, v) => {
    const prop = classes.get(node.label)?.properties.find((p) => p.name === name);
    const show = (x) =>
      prop?.enumeration ? enumLabel(prop.enumeration, x) : typeof x === "boolean" ? t(x ? "yes" : "no") : String(x);
    if (Array.isArray(v)) return v.map(show).join("、");
    if (typeof v === "string" && /^https?:\/\//.test(v))
      return h("a", { href: v, rel: "noopener noreferrer", target: "_blank" }, v);
    return show(v);
  };

  const graphBox = h("div", { class: "graph-box" });
  if (hood.nodes.length > 1) {
    add(
      graphBox,
      drawGraph(hood.nodes, hood.edges, {
        centre: node.id,
        label: (n) => nameOf(n),
        kind: (n) => n.label,
        classLabel: (n) => classLabel(n.label),
        relLabel: (e) => relLabel(e.type),
        href: (n) => entityHref(n.id),
        title: t("entity.graphTitle", { name: nameOf(node), n: hood.nodes.length - 1 }),
      }),
    );
  } else add(graphBox, h("p", { class: "muted" }, t("entity.alone")));
  const presentKinds = [...new Set(hood.nodes.map((n) => n.label))];
  const hoodLink = (changes) => {
    const next = new URLSearchParams({ depth, limit, ...changes });
    return `${entityHref(id)}?${next}`;
  };

  // Relationships of this node, grouped by type and direction: the graph's content as text.
  const groups = new Map();
  for (const edge of hood.edges) {
    if (edge.source !== node.id && edge.target !== node.id) continue;
    const out = edge.source === node.id;
    const key = `${edge.type}|${out ? "out" : "in"}`;
    groups.set(key, [...(groups.get(key) || []), edge]);
  }
  const edgeProps = (edge) =>
    Object.entries(edge.properties)
      .filter(([name]) => name !== "source")
      .map(([name, v]) => {
        const prop = relationships.get(edge.type)?.properties.find((p) => p.name === name);
        const label = prop ? pick(prop.label_zh, prop.label_en) : name;
        const shown = prop?.enumeration
          ? enumLabel(prop.enumeration, v)
          : typeof v === "boolean"
            ? t(v ? "yes" : "no")
            : v;
        return `${label}: ${shown}`;
      })
      .join(" · ");

  const actions = [];
  if (node.label === "Program")
    actions.push(
      h("a", { class: "btn", href: `#/coverage?program=${encodeURIComponent(node.id)}` }, t("entity.analyse")),
    );
  if (node.label === "Occupation") {
    for (const edge of hood.edges.filter((e) => e.type === "TARGETS" && e.target === node.id)) {
      const q = new URLSearchParams({ program: edge.source, occupation: node.id });
      if (edge.properties.level) q.set("level", edge.properties.level);
      actions.push(
        h(
          "a",
          { class: "btn", href: `#/coverage?${q}` },
          t("entity.analyseWith", { program: nameOf(names.get(edge.source), edge.source) }),
        ),
      );
    }
  }

  put(
    main(),
    h(
      "section",
      { class: "card entity-head" },
      h(
        "p",
        { class: "crumbs" },
        h(
          "a",
          {
            href: "#/search",
            onclick: (event) => {
              if (history.length > 1) {
                event.preventDefault();
                history.back();
              }
            },
          },
          t("entity.back"),
        ),
      ),
      h("span", { class: `kind kind-${node.label}` }, classLabel(node.label)),
      h("h1", { id: "entity-title" }, nameOf(node)),
      otherName(node) ? h("p", { class: "sub big" }, otherName(node)) : null,
      h(
        "p",
        { class: "meta" },
        h("code", {}, node.id),
        node.properties.source ? ` · ${t("entity.source")}: ${node.properties.source}` : "",
      ),
      node.properties.description ? h("p", { class: "desc" }, node.properties.description) : null,
      actions.length ? h("p", { class: "actions" }, actions) : null,
    ),
    h(
      "section",
      { class: "card graph-card", "aria-labelledby": "graph-title" },
      h(
        "div",
        { class: "panel-head" },
        h("h2", { id: "graph-title" }, t("entity.graph")),
        h(
          "p",
          { class: "graph-controls" },
          h("span", {}, t("entity.depth")),
          [1, 2].map((d) =>
            h(
              "a",
              { href: hoodLink({ depth: d }), class: "chip", "aria-current": d === depth ? "true" : null },
              t("entity.hops", { n: d }),
            ),
          ),
          h("span", {}, t("entity.size")),
          [20, 40, 80].map((n) =>
            h(
              "a",
              { href: hoodLink({ limit: n }), class: "chip", "aria-current": n === limit ? "true" : null },
              String(n),
            ),
          ),
        ),
      ),
      graphBox,
      h(
        "p",
        { class: "legend graph-legend" },
        presentKinds.map((k) =>
          h("span", { class: `key kind-${k}` }, h("span", { class: "dotkey", "aria-hidden": "true" }), classLabel(k)),
        ),
      ),
      h("p", { class: "hint" }, t("entity.graphHint")),
    ),
    h(
      "div",
      { class: "entity-grid" },
      h(
        "section",
        { class: "card props", "aria-labelledby": "props-title" },
        h("h2", { id: "props-title" }, t("entity.properties")),
        props.length
          ? h(
              "dl",
              {},
              props.map(([name, v]) => [h("dt", {}, propLabel(node.label, name)), h("dd", {}, value(name, v))]),
            )
          : h("p", { class: "muted" }, "—"),
      ),
      h(
        "section",
        { class: "card rels", "aria-labelledby": "rels-title" },
        h("h2", { id: "rels-title" }, t("entity.relationships")),
        groups.size
          ? h(
              "div",
              { class: "rel-groups" },
              [...groups].map(([key, edges]) => {
                const [type, dir] = key.split("|");
                return h(
                  "div",
                  { class: "rel-group" },
                  h(
                    "h3",
                    {},
                    dir === "out" ? `→ ${relLabel(type)}` : `← ${relLabel(type)}`,
                    h("span", { class: "count-note" }, String(edges.length)),
                  ),
                  h(
                    "ul",
                    { class: "plain" },
                    edges.map((edge) => {
                      const other = dir === "out" ? edge.target : edge.source;
                      const o = names.get(other);
                      const extra = edgeProps(edge);
                      return h(
                        "li",
                        {},
                        o ? h("span", { class: `kind small kind-${o.label}` }, classLabel(o.label)) : null,
                        entityLink(other, nameOf(o, other)),
                        extra ? h("span", { class: "meta" }, ` ${extra}`) : null,
                      );
                    }),
                  ),
                );
              }),
            )
          : h("p", { class: "muted" }, t("entity.noRelationships")),
        hood.nodes.length >= limit ? h("p", { class: "note" }, t("entity.truncated", { n: limit })) : null,
      ),
    ),
  );
  document.getElementById("entity-title").setAttribute("tabindex", "-1");
  document.getElementById("entity-title").focus();
}

// ---------------------------------------------------------------- upload view

const upload = { file: null, checked: false };

function renderUpload() {
  document.title = `${t("nav.upload")} · ${app()}`;
  const key = h("input", {
    type: "password",
    id: "api-key",
    autocomplete: "off",
    spellcheck: "false",
    value: api.getKey(),
  });
  const file = h("input", { type: "file", id: "workbook", accept: ".xlsx,.xlsm,.csv,.zip", required: true });
  const report = h("div", { id: "upload-report", "aria-live": "polite" });
  const keyNote = h("p", { class: "hint", id: "key-note" }, api.getKey() ? t("up.keySet") : t("up.keyHint"));
  key.addEventListener("change", () => {
    api.setKey(key.value.trim());
    api.clearCache();
    keyNote.textContent = api.getKey() ? t("up.keySet") : t("up.keyHint");
    updateKeyIndicator();
    if (!schema) loadSchema();
  });
  file.addEventListener("change", () => {
    upload.file = file.files[0] || null;
    upload.checked = false;
    put(report);
  });
  const check = async (event) => {
    event.preventDefault();
    api.setKey(key.value.trim());
    updateKeyIndicator();
    upload.file = file.files[0] || null;
    if (!upload.file) {
      put(report, h("div", { class: "alert", role: "alert" }, t("up.noFile")));
      return;
    }
    await send(report, true);
  };
  put(
    main(),
    h(
      "section",
      { class: "card upload-card" },
      h("h1", {}, t("up.title")),
      h("p", { class: "lead" }, t("up.lead")),
      h("ol", { class: "steps" }, h("li", {}, t("up.step1")), h("li", {}, t("up.step2")), h("li", {}, t("up.step3"))),
      h(
        "form",
        { class: "upload-form", onsubmit: check },
        h(
          "div",
          { class: "field" },
          h("label", { for: "api-key" }, t("up.key")),
          h(
            "div",
            { class: "inline" },
            key,
            h(
              "button",
              {
                type: "button",
                class: "btn ghost small",
                onclick: () => {
                  key.value = "";
                  api.setKey("");
                  api.clearCache();
                  keyNote.textContent = t("up.keyHint");
                  updateKeyIndicator();
                },
              },
              t("up.forget"),
            ),
          ),
          keyNote,
        ),
        h(
          "div",
          { class: "field" },
          h("label", { for: "workbook" }, t("up.file")),
          file,
          h("p", { class: "hint" }, t("up.fileHint")),
        ),
        h("button", { type: "submit", class: "btn", id: "check" }, t("up.check")),
      ),
    ),
    report,
  );
}

async function send(report, dryRun) {
  put(report, spinner(dryRun ? t("up.checking") : t("up.loading")));
  try {
    const body = await api.postFile("/loads/workbook", { dry_run: dryRun ? "true" : "false" }, upload.file);
    if (!dryRun) api.clearCache();
    upload.checked = dryRun;
    put(report, uploadReport(body, dryRun, report));
    report.querySelector("h2")?.focus();
  } catch (error) {
    upload.checked = false;
    const problems = error instanceof api.ApiError ? error.body.problems || [] : [];
    put(
      report,
      h(
        "section",
        { class: "card report bad", "aria-labelledby": "report-title" },
        h(
          "h2",
          { id: "report-title", tabindex: "-1" },
          problems.length ? t("up.invalid", { n: problems.length }) : t("up.failed"),
        ),
        problems.length ? h("p", {}, t("up.nothingWritten")) : errorBox(error),
        problems.length ? problemTable(problems) : null,
      ),
    );
    report.querySelector("h2")?.focus();
  }
}

function problemTable(problems) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data problems", id: "problems" },
      h("caption", { class: "sr-only" }, t("up.problems")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          [t("up.where"), t("up.field"), t("up.value"), t("up.reason")].map((x) => h("th", { scope: "col" }, x)),
        ),
      ),
      h(
        "tbody",
        {},
        problems.map((p) =>
          h(
            "tr",
            {},
            h("td", { "data-label": t("up.where"), class: "where" }, p.location || "—"),
            h("td", { "data-label": t("up.field") }, p.field ? h("code", {}, p.field) : "—"),
            h(
              "td",
              { "data-label": t("up.value") },
              p.value === null || p.value === undefined
                ? "—"
                : h("code", {}, typeof p.value === "string" ? p.value : JSON.stringify(p.value)),
            ),
            h("td", { "data-label": t("up.reason") }, p.reason),
          ),
        ),
      ),
    ),
  );
}

function uploadReport(body, dryRun, report) {
  // A dry run validates only: the API counts what it read, not what a load would create or update.
  const names = dryRun
    ? ["nodes_read", "edges_read"]
    : [
        "nodes_read",
        "edges_read",
        "nodes_created",
        "nodes_updated",
        "nodes_unchanged",
        "edges_created",
        "edges_updated",
        "edges_unchanged",
      ];
  const counts = names.filter((k) => k in body);
  return h(
    "section",
    { class: `card report ${dryRun ? "ok" : "done"}`, "aria-labelledby": "report-title" },
    h("h2", { id: "report-title", tabindex: "-1" }, dryRun ? t("up.valid") : t("up.loaded")),
    h(
      "p",
      {},
      dryRun
        ? t("up.validLead", { name: upload.file.name })
        : t("up.loadedLead", { name: upload.file.name, key: body.key_id || "" }),
    ),
    h(
      "dl",
      { class: "counts-grid" },
      counts.map((k) => h("div", {}, h("dt", {}, t(`up.${k}`)), h("dd", { "data-count": k }, String(body[k])))),
    ),
    body.rejected && body.rejected.length ? problemTable(body.rejected) : null,
    body.notes && body.notes.length
      ? h(
          "ul",
          { class: "notes" },
          body.notes.map((n) => h("li", {}, typeof n === "string" ? n : JSON.stringify(n))),
        )
      : null,
    dryRun
      ? h(
          "p",
          { class: "actions" },
          h(
            "button",
            { type: "button", class: "btn primary", id: "load-for-real", onclick: () => send(report, false) },
            t("up.loadNow"),
          ),
          h("span", { class: "hint" }, t("up.loadHint")),
        )
      : h("p", { class: "actions" }, h("a", { href: "#/coverage", class: "btn ghost" }, t("up.toCoverage"))),
  );
}

// ---------------------------------------------------------------- chrome: language, header search, key

/** The ontology's labels (GET /schema); without them the page shows raw names, e.g. until a key is given. */
async function loadSchema() {
  try {
    schema = await api.get("/schema");
    classes = byName(schema.classes);
    relationships = byName(schema.relationships);
    enumerations = byName(schema.enumerations);
  } catch {
    /* tried again when a key is typed */
  }
}

function updateKeyIndicator() {
  const indicator = document.getElementById("key-indicator");
  if (!indicator) return;
  indicator.hidden = !api.getKey();
  indicator.textContent = t("key.set");
}

function applyStatic() {
  document.documentElement.lang = LANGUAGES[lang].html;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-aria]"))
    node.setAttribute("aria-label", t(node.dataset.i18nAria));
  for (const node of document.querySelectorAll("[data-i18n-placeholder]"))
    node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
  for (const button of document.querySelectorAll("[data-lang]"))
    button.setAttribute("aria-pressed", button.dataset.lang === lang ? "true" : "false");
  updateKeyIndicator();
}

function setLanguage(next) {
  if (!STRINGS[next] || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    /* not kept */
  }
  applyStatic();
  route();
}

async function start() {
  for (const button of document.querySelectorAll("[data-lang]"))
    button.addEventListener("click", () => setLanguage(button.dataset.lang));
  document.getElementById("quick-search").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = document.getElementById("quick-q").value.trim();
    if (q) location.hash = `#/search?${new URLSearchParams({ q })}`;
  });
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    main().focus();
  });
  applyStatic();
  await loadSchema();
  window.addEventListener("hashchange", route);
  route();
}

start();
