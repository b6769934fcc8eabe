// IVR flows: pick a flow (or start from the built-in one), edit its JSON, see the diagram
// redrawn as you type, and the server's validation (debounced) shown at each node; save.

import { api } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { onLangChange, t } from "../shared/i18n.js";
import { clearErrors, field, formError, lines, send, showErrors } from "./form.js";
import { render } from "./diagram.js";
import { toast } from "../shared/shell.js";

const DEBOUNCE_MS = 400;
// a new node of each type, with the fields it needs (the server says what is still missing)
const TEMPLATES = {
  play: { prompt: "welcome" }, menu: { prompt: "main_menu", options: {} }, collect: { prompt: "enter_account", var: "account" },
  hours: { hours: "08:30-17:30", days: [0, 1, 2, 3, 4] }, lookup: {}, set: { data: {} },
  http: { url: "https://", method: "GET" }, queue: { queue: "general" }, voicemail: { prompt: "closed" },
  callback: { prompt: "callback_ok", queue: "general" }, transfer: { number: "" }, hangup: {},
};
let ui = null;
let timer = null;
let asked = 0; // the latest validation asked for: older answers are dropped

export function mount(panel) {
  const form = el("form", { id: "ivr-form", class: "adm-form wide", novalidate: true, autocomplete: "off" },
    el("div", { class: "row" },
      field({ name: "pick", label: "adm.ivr.flows", options: [] }),
      el("button", { class: "btn", type: "button", id: "ivr-builtin", "data-i18n": "adm.ivr.from_builtin" },
        t("adm.ivr.from_builtin"))),
    el("div", { class: "grid" },
      field({ name: "id", label: "adm.ivr.id", value: "default", hint: "adm.ivr.id_hint",
        attrs: { required: true, maxlength: 64 } }),
      field({ name: "name", label: "adm.ivr.name", attrs: { maxlength: 200 } }),
      field({ name: "numbers", label: "adm.ivr.numbers", hint: "adm.ivr.numbers_hint" }),
      field({ name: "active", label: "adm.ivr.active", type: "checkbox", value: true })),
    el("div", { class: "ivr-editor" },
      el("div", { class: "ivr-json" },
        field({ name: "definition", label: "adm.ivr.definition", type: "textarea",
          attrs: { spellcheck: "false", rows: 24, class: "code" } }),
        el("p", { id: "ivr-status", class: "ivr-status", role: "status" }),
        el("ul", { id: "ivr-problems", class: "ivr-problems", "aria-live": "polite" })),
      el("figure", { class: "ivr-diagram" },
        el("figcaption", { "data-i18n": "adm.ivr.diagram" }, t("adm.ivr.diagram")),
        el("div", { class: "ivr-canvas" }, document.createElementNS("http://www.w3.org/2000/svg", "svg")))),
    el("fieldset", { class: "ivr-add", id: "ivr-add" },
      el("legend", { "data-i18n": "adm.ivr.add_node" }, t("adm.ivr.add_node")),
      el("div", { class: "row" },
        field({ name: "node_id", label: "adm.ivr.node_id", attrs: { maxlength: 64 } }),
        field({ name: "node_type", label: "adm.ivr.node_type",
          options: Object.keys(TEMPLATES).map((type) => [type, `adm.ivr.type.${type}`]) }),
        field({ name: "node_from", label: "adm.ivr.node_from", options: [] }),
        field({ name: "node_exit", label: "adm.ivr.node_exit", hint: "adm.ivr.node_exit_hint", attrs: { maxlength: 16 } }),
        el("button", { class: "btn", type: "button", id: "ivr-add-node", "data-i18n": "adm.ivr.add" }, t("adm.ivr.add")))),
    formError(),
    el("div", { class: "row" },
      el("button", { class: "btn primary", type: "submit", id: "ivr-save", "data-i18n": "adm.save" }, t("adm.save")),
      el("button", { class: "btn danger", type: "button", id: "ivr-delete", "data-i18n": "adm.delete" },
        t("adm.delete"))));
  panel.append(el("h2", { class: "adm-title", "data-i18n": "adm.tab.ivr" }, t("adm.tab.ivr")), form);
  const svg = form.querySelector(".ivr-canvas svg");
  svg.id = "ivr-svg";
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", t("adm.ivr.diagram"));
  ui = { form, svg, status: form.querySelector("#ivr-status"), problems: form.querySelector("#ivr-problems"),
    flows: [] };
  const f = form.elements;
  f.definition.addEventListener("input", () => changed());
  f.pick.addEventListener("change", () => pick(f.pick.value));
  form.querySelector("#ivr-builtin").addEventListener("click", fromBuiltin);
  form.querySelector("#ivr-add-node").addEventListener("click", addNode);
  form.querySelector("#ivr-delete").addEventListener("click", remove);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  onLangChange(() => {
    svg.setAttribute("aria-label", t("adm.ivr.diagram"));
    if (f.definition.value) changed(true); // node types and exit names are drawn in the language
  });
  svg.addEventListener("click", (event) => {
    const node = event.target.closest("[data-node]");
    if (node) revealNode(node.dataset.node);
  });
  svg.addEventListener("keydown", (event) => {
    const node = event.target.closest("[data-node]");
    if (node && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      revealNode(node.dataset.node);
    }
  });
}

export async function load() {
  try {
    ui.flows = await api("GET", "/ivr/flows");
  } catch (error) {
    toast(error.message);
    return;
  }
  const select = ui.form.elements.pick;
  const current = ui.form.elements.id.value;
  select.replaceChildren(el("option", { value: "", "data-i18n": "adm.ivr.choose" }, t("adm.ivr.choose")),
    ...ui.flows.map((flow) => el("option", { value: flow.id }, `${flow.id}${flow.name ? ` · ${flow.name}` : ""}`)));
  select.value = ui.flows.some((f) => f.id === current) ? current : "";
  if (!ui.form.elements.definition.value) {
    if (ui.flows.length) pick(ui.flows.find((f) => f.id === "default")?.id || ui.flows[0].id);
    else await fromBuiltin();
  }
}

function fill(flow) {
  const f = ui.form.elements;
  f.id.value = flow.id === "builtin" ? "default" : flow.id;
  f.name.value = flow.name || "";
  f.numbers.value = (flow.numbers || []).join(", ");
  f.active.checked = flow.active ?? true;
  f.definition.value = JSON.stringify(flow.definition, null, 2);
  f.pick.value = ui.flows.some((saved) => saved.id === flow.id) ? flow.id : "";
  clearErrors(ui.form);
  changed(true);
}

function pick(id) {
  const flow = ui.flows.find((f) => f.id === id);
  if (flow) fill(flow);
}

async function fromBuiltin() {
  try {
    fill({ ...(await api("GET", "/ivr/flows/builtin")), name: "" });
  } catch (error) {
    toast(error.message);
  }
}

function parse() {
  try {
    return { flow: JSON.parse(ui.form.elements.definition.value) };
  } catch (error) {
    return { error: error.message };
  }
}

/** The definition changed: redraw now, ask the server a moment after the typing stops. */
function changed(now = false) {
  const { flow, error } = parse();
  const line = ui.form.querySelector('[data-field="definition"] .field-error');
  if (error) {
    setText(line, t("adm.ivr.bad_json", { error }));
    showStatus("invalid", t("adm.ivr.bad_json_short"));
    return;
  }
  setText(line, "");
  render(ui.svg, flow, []);
  fromOptions(flow);
  showStatus("checking", t("adm.ivr.checking"));
  clearTimeout(timer);
  timer = setTimeout(() => validate(flow), now ? 0 : DEBOUNCE_MS);
}

function fromOptions(flow) {
  const select = ui.form.elements.node_from;
  const ids = Object.keys(flow?.nodes || {});
  if ([...select.options].map((o) => o.value).join() === ["", ...ids].join()) return;
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "", "data-i18n": "adm.ivr.no_link" }, t("adm.ivr.no_link")),
    ...ids.map((id) => el("option", { value: id }, id)));
  select.value = ids.includes(chosen) ? chosen : "";
}

/** Add a node to the JSON and, when asked, link it from another node: a menu key (a single
 * key of 0-9*#) or an exit name (next, open, closed, no_input…). */
function addNode() {
  const { flow, error } = parse();
  const f = ui.form.elements;
  const id = f.node_id.value.trim();
  const line = ui.form.querySelector('[data-field="node_id"] .field-error');
  if (error || !flow || typeof flow.nodes !== "object") return;
  if (!id || id in flow.nodes) {
    setText(line, t(id ? "adm.ivr.node_exists" : "adm.ivr.node_id_needed"));
    return;
  }
  setText(line, "");
  flow.nodes[id] = { type: f.node_type.value, ...structuredClone(TEMPLATES[f.node_type.value]) };
  const from = flow.nodes[f.node_from.value];
  const exit = f.node_exit.value.trim();
  if (from && exit) {
    if (from.type === "menu" && /^[0-9*#]$/.test(exit)) from.options = { ...(from.options || {}), [exit]: id };
    else from[exit] = id;
  }
  f.definition.value = JSON.stringify(flow, null, 2);
  f.node_id.value = "";
  f.node_exit.value = "";
  changed(true);
}

async function validate(flow) {
  const mine = ++asked;
  let result;
  try {
    result = await api("POST", "/ivr/flows/validate", { definition: flow });
  } catch (error) {
    if (mine === asked) showStatus("invalid", error.message);
    return;
  }
  if (mine !== asked) return;
  showProblems(flow, result.problems);
}

function showProblems(flow, problems) {
  render(ui.svg, flow, problems);
  ui.problems.replaceChildren(...problems.map((p) => el("li", { dataset: { node: p.node || "" } },
    p.node ? el("button", { class: "link", type: "button", onclick: () => revealNode(p.node) }, p.node) : t("adm.ivr.whole_flow"),
    `: ${p.message}`)));
  if (problems.length) showStatus("invalid", t("adm.ivr.problems", { n: problems.length }));
  else showStatus("valid", t("adm.ivr.valid"));
}

function showStatus(state, text) {
  ui.status.dataset.state = state;
  setText(ui.status, text);
}

/** Put the caret on the node's entry in the JSON (click a node in the diagram or a problem). */
function revealNode(id) {
  const area = ui.form.elements.definition;
  const at = area.value.indexOf(`"${id}": {`);
  if (at < 0) return;
  area.focus();
  area.setSelectionRange(at, at + id.length + 2);
  const line = area.value.slice(0, at).split("\n").length;
  area.scrollTop = Math.max(0, (line - 3) * (area.scrollHeight / area.value.split("\n").length));
}

async function save() {
  const { flow, error } = parse();
  if (error) return;
  const f = ui.form.elements;
  const id = f.id.value.trim();
  const body = { name: f.name.value.trim(), numbers: lines(f.numbers.value), active: f.active.checked, definition: flow };
  clearErrors(ui.form);
  try {
    await api("PUT", `/ivr/flows/${encodeURIComponent(id)}`, body);
  } catch (failure) {
    if (failure.fields?.problems) showProblems(flow, failure.fields.problems);
    showErrors(ui.form, failure);
    return;
  }
  toast(t("adm.ivr.saved", { id }), "info");
  showStatus("saved", t("adm.ivr.saved", { id }));
  ui.form.dataset.saved = id;
  await load();
  ui.form.elements.pick.value = id;
}

async function remove() {
  const id = ui.form.elements.id.value.trim();
  if (!ui.flows.some((f) => f.id === id) || !confirm(t("adm.ivr.confirm_delete", { id }))) return;
  if (await send(ui.form, "DELETE", `/ivr/flows/${encodeURIComponent(id)}`, undefined, "adm.deleted")) {
    ui.form.elements.definition.value = "";
    await load();
  }
}
