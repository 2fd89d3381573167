// A small neighbourhood graph in SVG, with a radial layout: the node in the middle, its neighbours
// on an ellipse around it (grouped by how they are related, then by class and name), the next ring's
// nodes further out next to the neighbour they hang from. Deterministic: the same graph draws the same.
// Nodes are links (keyboard-focusable, Enter opens them), each with a <title> for screen readers.

const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * Positions {id: {x, y, angle, ring}} for the nodes, the centre at (0, 0).
 * ``sortKey(node, edge)`` orders a ring's nodes (edge: the one linking it to the ring inside).
 */
export function layout(nodes, edges, centre, sortKey = (n) => n.id) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const adjacent = new Map(nodes.map((n) => [n.id, []]));
  for (const edge of edges) {
    if (!byId.has(edge.source) || !byId.has(edge.target) || edge.source === edge.target) continue;
    adjacent.get(edge.source).push([edge.target, edge]);
    adjacent.get(edge.target).push([edge.source, edge]);
  }
  // Rings by breadth-first distance; each node remembers the parent (and edge) it was reached from.
  const ring = new Map([[centre, 0]]);
  const parent = new Map();
  const queue = [centre];
  while (queue.length) {
    const at = queue.shift();
    const next = adjacent.get(at) || [];
    next.sort((a, b) => a[0].localeCompare(b[0]));
    for (const [other, edge] of next) {
      if (ring.has(other)) continue;
      ring.set(other, ring.get(at) + 1);
      parent.set(other, [at, edge]);
      queue.push(other);
    }
  }
  const deepest = Math.max(0, ...ring.values());
  for (const node of nodes) if (!ring.has(node.id)) ring.set(node.id, deepest + 1); // unconnected: outermost
  const rings = Math.max(0, ...ring.values());
  const count = nodes.length - 1;
  // Radii: room for labels around the first ring; wider than tall, as labels are.
  const ry1 = count <= 6 ? 110 : count <= 14 ? 160 : 210;
  const pos = new Map([[centre, { x: 0, y: 0, angle: 0, ring: 0 }]]);
  for (let r = 1; r <= rings; r++) {
    const members = nodes.filter((n) => ring.get(n.id) === r);
    const key = (n) => {
      const [from, edge] = parent.get(n.id) || [null, null];
      const angle = from && pos.has(from) ? pos.get(from).angle : 0;
      return [r > 1 ? angle : 0, sortKey(n, edge)];
    };
    members.sort((a, b) => {
      const [aa, ak] = key(a);
      const [ba, bk] = key(b);
      return aa - ba || String(ak).localeCompare(String(bk));
    });
    const ry = ry1 * (1 + 0.75 * (r - 1));
    const rx = ry * 1.9;
    members.forEach((node, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * (i + 0.5)) / members.length;
      pos.set(node.id, { x: Math.cos(angle) * rx, y: Math.sin(angle) * ry, angle, ring: r });
    });
  }
  return Object.fromEntries(pos);
}

/**
 * A label as at most three lines of even length: Chinese cut every ``cjk`` characters or fewer, other
 * text wrapped at spaces (``latin`` characters a line). Only a longer name loses its end (to "…").
 */
export function wrap(text, cjk = 9, latin = 18) {
  const plain = text.trim();
  let lines = [];
  if (/\s/.test(plain)) {
    let line = "";
    for (const word of plain.split(/\s+/)) {
      if (line && Array.from(`${line} ${word}`).length > latin) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) lines.push(line);
  } else {
    const chars = Array.from(plain);
    const count = Math.min(Math.ceil(chars.length / cjk), 3);
    const size = Math.ceil(chars.length / Math.max(count, 1));
    for (let i = 0; i < chars.length; i += size) lines.push(chars.slice(i, i + size).join(""));
    // 禁则: a line does not start with closing punctuation; it stays at the end of the line before
    for (let i = 1; i < lines.length; i++) {
      while (/^[、，。；：！？）》」』”]/.test(lines[i])) {
        lines[i - 1] += lines[i][0];
        lines[i] = lines[i].slice(1);
      }
    }
    lines = lines.filter(Boolean);
  }
  if (lines.length > 3) {
    const third = Array.from(lines[2]);
    lines = [lines[0], lines[1], third.slice(0, Math.max(third.length - 1, 1)).join("") + "…"];
  }
  return lines;
}

/**
 * An <svg> of the subgraph. ``options``: centre (id), label(node) → text, kind(node) → a CSS class
 * suffix, classLabel(node) → the class's name, relLabel(edge) → the relationship's name,
 * href(node) → the link of a node, title → the accessible name of the picture.
 */
export function drawGraph(nodes, edges, options) {
  const sortKey = (node, edge) => `${edge ? edge.type : "~"}|${node.label}|${options.label(node)}`;
  const pos = layout(nodes, edges, options.centre, sortKey);
  const labelOf = (node) =>
    node.id === options.centre ? wrap(options.label(node), 14, 28) : wrap(options.label(node));
  // The box: every node and its label (about 13 units a character, outward from the node).
  let minX = -120;
  let maxX = 120;
  let minY = -60;
  let maxY = 60;
  for (const node of nodes) {
    const p = pos[node.id];
    const width = Math.max(...labelOf(node).map((line) => Array.from(line).length)) * 13 + 24;
    const side = Math.cos(p.angle);
    minX = Math.min(minX, p.x - (side < -0.15 ? width : width / 2));
    maxX = Math.max(maxX, p.x + (side > 0.15 ? width : width / 2));
    minY = Math.min(minY, p.y - 80);
    maxY = Math.max(maxY, p.y + 80);
  }
  const boxW = maxX - minX;
  const boxH = maxY - minY;
  const svg = el("svg", {
    viewBox: `${minX.toFixed(0)} ${minY.toFixed(0)} ${boxW.toFixed(0)} ${boxH.toFixed(0)}`,
    class: "graph",
    role: "group",
    "aria-label": options.title,
  });
  svg.style.maxWidth = `${Math.round(boxW)}px`; // never drawn larger than life: small graphs stay small
  svg.append(
    el(
      "defs",
      {},
      el(
        "marker",
        {
          id: "arrow",
          viewBox: "0 0 10 10",
          refX: "10",
          refY: "5",
          markerWidth: "7",
          markerHeight: "7",
          orient: "auto",
        },
        el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }),
      ),
    ),
  );
  const edgeLayer = el("g", { class: "edges", "aria-hidden": "true" });
  const labelled = edges.filter((e) => e.source === options.centre || e.target === options.centre).length <= 10;
  for (const edge of edges) {
    const a = pos[edge.source];
    const b = pos[edge.target];
    if (!a || !b) continue;
    const spoke = edge.source === options.centre || edge.target === options.centre;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const d = Math.hypot(dx, dy) || 1;
    const rb = edge.target === options.centre ? 17 : 10; // end at the target's circle
    edgeLayer.append(
      el(
        "line",
        {
          x1: a.x.toFixed(1),
          y1: a.y.toFixed(1),
          x2: (b.x - (dx / d) * rb).toFixed(1),
          y2: (b.y - (dy / d) * rb).toFixed(1),
          class: spoke ? "edge" : "edge side",
          "marker-end": "url(#arrow)",
        },
        el("title", {}, options.relLabel(edge)),
      ),
    );
    if (spoke && labelled) {
      // nearer the outer end than the middle, clear of the centre's own label
      const outer = edge.source === options.centre ? b : a;
      const at = { x: outer.x * 0.62, y: outer.y * 0.62 };
      edgeLayer.append(
        el("text", { x: at.x.toFixed(1), y: (at.y - 4).toFixed(1), class: "edge-label" }, options.relLabel(edge)),
      );
    }
  }
  svg.append(edgeLayer);
  const nodeLayer = el("g", { class: "nodes" });
  const ordered = [...nodes.filter((n) => n.id !== options.centre), ...nodes.filter((n) => n.id === options.centre)];
  let middles = 0; // labels above or below their node alternate near and far, so neighbours do not collide
  for (const node of ordered) {
    const p = pos[node.id];
    const centre = node.id === options.centre;
    const full = `${options.label(node)} · ${options.classLabel(node)} · ${node.id}`;
    const side = Math.cos(p.angle);
    const lines = labelOf(node);
    const extra = (lines.length - 1) * 15; // a second line: labels above move up, side ones centre
    let text;
    if (centre) text = { x: p.x, y: p.y + 36, anchor: "middle" };
    else if (side > 0.15) text = { x: p.x + 14, y: p.y + 5 - extra / 2, anchor: "start" };
    else if (side < -0.15) text = { x: p.x - 14, y: p.y + 5 - extra / 2, anchor: "end" };
    else {
      const far = middles++ % 2 === 1 ? 16 + extra : 0;
      if (Math.sin(p.angle) < 0) text = { x: p.x, y: p.y - 15 - far - extra, anchor: "middle" };
      else text = { x: p.x, y: p.y + 25 + far, anchor: "middle" };
    }
    nodeLayer.append(
      el(
        "a",
        {
          href: options.href(node),
          class: `node kind-${options.kind(node)}${centre ? " centre" : ""}`,
          "aria-label": full,
          "data-id": node.id,
        },
        el("title", {}, full),
        el("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: centre ? 16 : 9 }),
        el(
          "text",
          { x: text.x.toFixed(1), y: text.y.toFixed(1), class: "node-label", "text-anchor": text.anchor },
          ...lines.map((line, i) => el("tspan", { x: text.x.toFixed(1), dy: i ? "1.2em" : null }, line)),
        ),
      ),
    );
  }
  svg.append(nodeLayer);
  return svg;
}
