// The diagram of an IVR flow, drawn as SVG from the flow's JSON (no library): nodes in rows
// by their distance from the start, an arrow for every exit labelled with its DTMF key (or
// its name: next, open/closed, no input…). Exits to a node that does not exist end in a red
// "?" and nodes nothing reaches sit in a last row, so both mistakes are seen, not only read.

import { t } from "../shared/i18n.js";

const NS = "http://www.w3.org/2000/svg";
const W = 150;
const H = 50;
const GAP_X = 34;
const GAP_Y = 74;
const PAD = 24;
// node type -> its named exits, as the server's ``NODE_TYPES`` (domain/ivr_flow.py)
export const NODE_EXITS = {
  play: ["next"], menu: ["no_input", "invalid"], collect: ["next", "no_input"], hours: ["open", "closed"],
  lookup: ["next", "vip"], set: ["next"], http: ["next", "error"], queue: [], voicemail: [], callback: [],
  transfer: [], hangup: [],
};

/** Every exit of a node: ``[{label, key, target}]`` (``key`` is the DTMF key of a menu option). */
export function exitsOf(node) {
  const out = [];
  // the keys first: a menu's DTMF labels get the clearest place when two exits share a target
  for (const [key, target] of Object.entries(node?.options || {})) out.push({ label: "option", key, target: String(target) });
  for (const name of NODE_EXITS[node?.type] || []) {
    if (node[name]) out.push({ label: name, key: null, target: String(node[name]) });
  }
  for (const [value, target] of Object.entries(node?.branches || {})) {
    out.push({ label: "branch", key: value, target: String(target) });
  }
  return out;
}

/** Positions: ``{nodes: [{id, node, x, y, depth, reachable}], edges: [{from, to, label, key, missing}], width, height}``. */
export function layout(flow) {
  const defs = flow && typeof flow.nodes === "object" && flow.nodes ? flow.nodes : {};
  const ids = Object.keys(defs);
  const depth = new Map();
  if (flow?.start in defs) {
    depth.set(flow.start, 0);
    const todo = [flow.start];
    while (todo.length) {
      const id = todo.shift();
      for (const exit of exitsOf(defs[id])) {
        if (exit.target in defs && !depth.has(exit.target)) {
          depth.set(exit.target, depth.get(id) + 1);
          todo.push(exit.target);
        }
      }
    }
  }
  const reachedRows = depth.size ? Math.max(...depth.values()) + 1 : 0;
  const rowOf = (id) => (depth.has(id) ? depth.get(id) : reachedRows); // unreachable: a row of their own
  const rows = [];
  for (const id of ids) (rows[rowOf(id)] ||= []).push(id);
  const edges = [];
  const missing = new Set();
  for (const id of ids) {
    for (const exit of exitsOf(defs[id])) {
      const absent = !(exit.target in defs);
      if (absent && !missing.has(exit.target)) {
        missing.add(exit.target); // drawn as a "?" one row below the first node that names it
        (rows[rowOf(id) + 1] ||= []).push({ ghost: exit.target });
      }
      edges.push({ from: id, to: exit.target, label: exit.label, key: exit.key, missing: absent });
    }
  }
  for (let r = 0; r < rows.length; r += 1) rows[r] ||= [];
  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = PAD * 2 + widest * W + (widest - 1) * GAP_X;
  const nodes = [];
  const ghosts = [];
  rows.forEach((row, r) => {
    const offset = (width - (row.length * W + (row.length - 1) * GAP_X)) / 2;
    row.forEach((item, i) => {
      const place = { x: offset + i * (W + GAP_X), y: PAD + r * (H + GAP_Y), depth: r };
      if (typeof item === "object") ghosts.push({ id: item.ghost, ...place });
      else nodes.push({ id: item, node: defs[item], reachable: depth.has(item), ...place });
    });
  });
  return { nodes, ghosts, edges, width, height: PAD * 2 + rows.length * H + Math.max(0, rows.length - 1) * GAP_Y };
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children) node.append(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

function bezier(p0, p1, p2, p3, at) {
  const u = 1 - at;
  const w = [u * u * u, 3 * u * u * at, 3 * u * at * at, at * at * at];
  return [0, 1].map((i) => w[0] * p0[i] + w[1] * p1[i] + w[2] * p2[i] + w[3] * p3[i]);
}

function edgeLabel(edge) {
  if (edge.label === "option") return edge.key;
  if (edge.label === "branch") return `= ${edge.key}`;
  return t(`adm.ivr.exit.${edge.label}`);
}

/** Cut ``text`` to what fits a node box (a CJK character is about two Latin ones wide). */
function fit(text, room = 22) {
  let used = 0;
  let out = "";
  for (const ch of text) {
    used += /[\u2e80-\uffff]/.test(ch) ? 2 : 1;
    if (used > room) return `${out}…`;
    out += ch;
  }
  return out;
}

function detail(node) {
  if (!node) return "";
  if (node.queue) return `→ ${node.queue}`;
  if (node.number) return `→ ${node.number}`;
  if (node.prompt) return `♪ ${node.prompt}`;
  if (node.hours) return node.hours;
  return "";
}

/** Draw ``flow`` into the <svg> ``target``; ``problems`` (``[{node, message}]``) mark their nodes. */
export function render(target, flow, problems = []) {
  const plan = layout(flow);
  const byNode = new Map();
  for (const p of problems) if (p.node) byNode.set(p.node, [...(byNode.get(p.node) || []), p.message]);
  const at = new Map([...plan.nodes, ...plan.ghosts].map((n) => [n.id, n]));
  target.replaceChildren();
  target.setAttribute("viewBox", `0 0 ${plan.width} ${plan.height}`);
  target.setAttribute("width", plan.width);
  target.setAttribute("height", plan.height);
  target.append(svg("defs", {}, svg("marker", { id: "ivr-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5",
    markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z" }))));
  const edgeLayer = svg("g", { class: "ivr-edges" });
  const labelLayer = svg("g", { class: "ivr-labels" });
  // exits that share a pair of nodes fan out a little so their labels do not sit on each other
  const seen = new Map();
  for (const edge of plan.edges) {
    const a = at.get(edge.from);
    const b = at.get(edge.to);
    const pair = `${edge.from}>${edge.to}`;
    const nth = seen.get(pair) || 0;
    seen.set(pair, nth + 1);
    let d;
    let mid;
    if (b.depth > a.depth) {
      const x1 = a.x + W / 2 + nth * 10;
      const y1 = a.y + H;
      const x2 = b.x + W / 2;
      const y2 = b.y;
      d = `M${x1},${y1} C${x1},${y1 + GAP_Y / 2} ${x2},${y2 - GAP_Y / 2} ${x2},${y2}`;
      // the label sits along the curve; a second exit to the same node puts its label nearer the source
      mid = bezier([x1, y1], [x1, y1 + GAP_Y / 2], [x2, y2 - GAP_Y / 2], [x2, y2], nth ? 0.28 : 0.62);
    } else {
      // a loop back (or a row sideways): around the right of both nodes
      const x1 = a.x + W;
      const y1 = a.y + H / 2 + nth * 8;
      const x2 = b.x + W;
      const y2 = b.y + H / 2;
      const bulge = Math.max(x1, x2) + 40 + nth * 12;
      d = `M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2},${y2}`;
      mid = [bulge - 10, (y1 + y2) / 2];
    }
    const text = edgeLabel(edge);
    edgeLayer.append(svg("path", { class: `ivr-edge${edge.missing ? " missing" : ""}`, d, "marker-end": "url(#ivr-arrow)",
      "data-from": edge.from, "data-to": edge.to, "data-label": edge.key ?? edge.label }));
    const width = 10 + 7.5 * [...text].length;
    labelLayer.append(svg("g", { class: `ivr-edge-label${edge.key && edge.label === "option" ? " dtmf" : ""}`,
      transform: `translate(${mid[0]},${mid[1]})` },
    svg("rect", { x: -width / 2, y: -10, width, height: 20, rx: 10 }),
    svg("text", { "text-anchor": "middle", y: 4 }, text)));
  }
  const nodeLayer = svg("g", { class: "ivr-nodes" });
  for (const n of plan.nodes) {
    const errors = byNode.get(n.id);
    const classes = ["ivr-node", `type-${n.node?.type || "unknown"}`];
    if (errors) classes.push("has-error");
    if (!n.reachable) classes.push("unreachable");
    if (n.id === flow?.start) classes.push("start");
    const group = svg("g", { class: classes.join(" "), "data-node": n.id, transform: `translate(${n.x},${n.y})`,
      tabindex: "0", role: "img", "aria-label": `${n.id}: ${t(`adm.ivr.type.${n.node?.type}`)}${errors ? `. ${errors.join("; ")}` : ""}` },
    svg("title", {}, errors ? `${n.id}: ${errors.join("; ")}` : n.id),
    svg("rect", { width: W, height: H, rx: 8 }),
    svg("text", { x: 10, y: 20, class: "id" }, fit(n.id, 17)),
    svg("text", { x: 10, y: 38, class: "type" }, fit(`${t(`adm.ivr.type.${n.node?.type}`)} ${detail(n.node)}`.trim())));
    if (errors) group.append(svg("circle", { cx: W - 4, cy: 4, r: 10, class: "badge" }), svg("text", { x: W - 4, y: 9, "text-anchor": "middle", class: "badge-text" }, "!"));
    nodeLayer.append(group);
  }
  for (const g of plan.ghosts) {
    nodeLayer.append(svg("g", { class: "ivr-missing", "data-node": g.id, transform: `translate(${g.x},${g.y})` },
      svg("title", {}, t("adm.ivr.missing_node", { id: g.id })),
      svg("rect", { width: W, height: H, rx: 8 }),
      svg("text", { x: W / 2, y: 30, "text-anchor": "middle" }, fit(`? ${g.id}`, 18))));
  }
  target.append(edgeLayer, nodeLayer, labelLayer);
  return plan;
}
