// Reason codes, categories and custom fields: the agents' not-ready reasons (离席原因), the
// work-order reason-code tree (来电原因), custom fields of the order form, and the order
// rules (summary length, number prefix…). Leaders read; admins change.

import { api } from "../shared/api.js";
import { el } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { clearErrors, field, formError, lines, send, table } from "./form.js";
import { metaKey, metaOptions, metaValues } from "../shared/meta.js";
import { toast } from "../shared/shell.js";

let ui = null;
let categories = []; // the work-order categories, in the server's order
const category = (c) => t(metaKey("workorder_categories", c));

function section(title, ...children) {
  return el("section", { class: "adm-section" }, el("h3", { "data-i18n": title }, t(title)), ...children);
}

export function mount(panel, ctx) {
  const writable = ctx.can("admin");
  const reasons = el("form", { id: "reasons-form", class: "adm-form", novalidate: true },
    el("fieldset", { disabled: !writable },
      field({ name: "reasons", label: "adm.codes.reasons", type: "textarea", hint: "adm.codes.reasons_hint",
        attrs: { rows: 6 } }),
      formError(),
      el("button", { class: "btn primary", type: "submit", "data-i18n": "adm.save" }, t("adm.save"))));
  const tree = el("form", { id: "tree-form", class: "adm-form", novalidate: true },
    el("fieldset", { disabled: !writable },
      field({ name: "nodes", label: "adm.codes.tree", type: "textarea", hint: "adm.codes.tree_hint",
        attrs: { rows: 10, class: "code", spellcheck: "false" } }),
      el("div", { id: "tree-preview", class: "tree-preview" }),
      formError(),
      el("button", { class: "btn primary", type: "submit", "data-i18n": "adm.save" }, t("adm.save"))));
  const fields = el("form", { id: "field-form", class: "adm-form", novalidate: true },
    el("fieldset", { disabled: !writable },
      el("legend", { "data-i18n": "adm.codes.field" }, t("adm.codes.field")),
      el("div", { class: "grid" },
        field({ name: "key", label: "adm.codes.field_key", attrs: { required: true, maxlength: 64 } }),
        field({ name: "label", label: "adm.codes.field_label", attrs: { maxlength: 200 } }),
        field({ name: "type", label: "adm.codes.field_type", options: metaOptions(ctx.meta, "workorder_field_types") }),
        field({ name: "required_for", label: "adm.codes.required_for", hint: "adm.codes.categories_hint" }),
        field({ name: "options", label: "adm.codes.options", hint: "adm.codes.options_hint" }),
        field({ name: "max_length", label: "adm.codes.max_length", type: "number", attrs: { min: 1, max: 4000 } }),
        field({ name: "position", label: "adm.codes.position", type: "number", attrs: { step: 1 } })),
      formError(),
      el("div", { class: "row" },
        el("button", { class: "btn primary", type: "submit", "data-i18n": "adm.save" }, t("adm.save")),
        el("button", { class: "btn danger", type: "button", id: "field-delete", "data-i18n": "adm.delete" },
          t("adm.delete")))));
  const settings = el("form", { id: "settings-form", class: "adm-form", novalidate: true },
    el("fieldset", { disabled: !writable },
      el("div", { class: "grid" },
        field({ name: "min_summary", label: "adm.codes.min_summary", type: "number", attrs: { min: 0, max: 200 } }),
        field({ name: "number_prefix", label: "adm.codes.number_prefix", hint: "adm.codes.number_prefix_hint",
          attrs: { maxlength: 8 } }),
        field({ name: "require_answer_mode", label: "adm.codes.require_answer_mode", type: "checkbox" }),
        field({ name: "missed_call_orders", label: "adm.codes.missed_call_orders", type: "checkbox" })),
      field({ name: "required", label: "adm.codes.required", type: "textarea", hint: "adm.codes.required_hint",
        attrs: { rows: 5, class: "code", spellcheck: "false" } }),
      formError(),
      el("button", { class: "btn primary", type: "submit", "data-i18n": "adm.save" }, t("adm.save"))));
  const fieldList = el("div", { id: "field-list", class: "adm-list" });
  panel.append(el("h2", { class: "adm-title", "data-i18n": "adm.tab.codes" }, t("adm.tab.codes")),
    el("div", { class: "adm-columns" },
      el("div", {}, section("adm.codes.reasons_title", reasons), section("adm.codes.tree_title", tree)),
      el("div", {}, section("adm.codes.fields_title", fieldList, fields),
        section("adm.codes.settings_title", settings))));
  ui = { reasons, tree, fields, settings, fieldList, fieldRows: [] };
  categories = metaValues(ctx.meta, "workorder_categories");

  reasons.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await send(reasons, "PUT", "/reasons", { reasons: lines(reasons.elements.reasons.value) })) await load();
  });
  tree.elements.nodes.addEventListener("input", () => preview(parseTree(tree.elements.nodes.value)));
  tree.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await send(tree, "PUT", "/reason-codes", { nodes: parseTree(tree.elements.nodes.value) })) await load();
  });
  fields.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = fields.elements;
    const body = { label: f.label.value.trim() || null, type: f.type.value,
      required_for: lines(f.required_for.value), options: lines(f.options.value) };
    if (f.max_length.value) body.max_length = Number(f.max_length.value);
    if (f.position.value) body.position = Number(f.position.value);
    if (body.label === null) delete body.label;
    const key = f.key.value.trim();
    if (await send(fields, "PUT", `/workorder-fields/${encodeURIComponent(key)}`, body)) await load();
  });
  fields.querySelector("#field-delete").addEventListener("click", async () => {
    const key = fields.elements.key.value.trim();
    if (!key || !confirm(t("adm.codes.confirm_delete", { key }))) return;
    if (await send(fields, "DELETE", `/workorder-fields/${encodeURIComponent(key)}`, undefined, "adm.deleted")) {
      fields.reset();
      await load();
    }
  });
  settings.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = settings.elements;
    let required;
    try {
      required = f.required.value.trim() ? JSON.parse(f.required.value) : {};
    } catch (error) {
      const line = settings.querySelector('[data-field="required"] .field-error');
      line.textContent = t("adm.ivr.bad_json", { error: error.message });
      return;
    }
    const body = { min_summary: Number(f.min_summary.value || 0), number_prefix: f.number_prefix.value.trim(),
      require_answer_mode: f.require_answer_mode.checked, missed_call_orders: f.missed_call_orders.checked,
      required };
    if (await send(settings, "PUT", "/workorder-settings", body)) await load();
  });
}

/** One node a line: "code | label | parent | categories" (parent and categories may be left out). */
export function parseTree(text) {
  const nodes = [];
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    const [code, label = "", parent = "", categories = ""] = raw.split("|").map((s) => s.trim());
    nodes.push({ code, label, parent: parent || null, categories: categories.split(/[,，\s]+/).filter(Boolean) });
  }
  return nodes;
}

function formatTree(nodes) {
  return nodes.map((n) => [n.code, n.label, n.parent || "", (n.categories || []).join(" ")].join(" | ")
    .replace(/( \| )+$/, "")).join("\n");
}

function preview(nodes) {
  const children = new Map();
  for (const n of nodes) children.set(n.parent || "", [...(children.get(n.parent || "") || []), n]);
  const branch = (parent, depth) => el("ul", {}, (children.get(parent) || []).map((n) =>
    el("li", {}, el("code", {}, n.code), ` ${n.label}`,
      n.categories?.length ? el("span", { class: "muted" }, ` (${n.categories.map(category).join(", ")})`) : null,
      depth < 6 && children.has(n.code) ? branch(n.code, depth + 1) : null)));
  ui.tree.querySelector("#tree-preview").replaceChildren(branch("", 0));
}

function editField(row) {
  const f = ui.fields.elements;
  clearErrors(ui.fields);
  f.key.value = row.key;
  f.label.value = row.label;
  f.type.value = row.type;
  f.required_for.value = (row.required_for || []).join(", ");
  f.options.value = (row.options || []).join(", ");
  f.max_length.value = row.max_length ?? "";
  f.position.value = row.position ?? "";
}

export async function load() {
  let reasons;
  let nodes;
  let fieldRows;
  let settings;
  try {
    [reasons, nodes, fieldRows, settings] = await Promise.all([api("GET", "/reasons"), api("GET", "/reason-codes"),
      api("GET", "/workorder-fields"), api("GET", "/workorder-settings")]);
  } catch (error) {
    toast(error.message);
    return;
  }
  ui.reasons.elements.reasons.value = reasons.join("\n");
  ui.tree.elements.nodes.value = formatTree(nodes);
  preview(nodes);
  ui.fieldList.replaceChildren(table(["adm.codes.field_key", "adm.codes.field_label", "adm.codes.field_type",
    "adm.codes.required_for"], fieldRows.map((row) => el("tr", { dataset: { key: row.key } },
    el("td", {}, el("button", { class: "link", type: "button", onclick: () => editField(row) }, row.key)),
    el("td", {}, row.label),
    el("td", { "data-i18n": metaKey("workorder_field_types", row.type) }, t(metaKey("workorder_field_types", row.type))),
    el("td", {}, (row.required_for || []).map(category).join(", ")))), "adm.codes.fields_title"));
  const f = ui.settings.elements;
  f.min_summary.value = settings.min_summary ?? 4;
  f.number_prefix.value = settings.number_prefix ?? "";
  f.require_answer_mode.checked = settings.require_answer_mode ?? true;
  f.missed_call_orders.checked = settings.missed_call_orders ?? true;
  f.required.value = JSON.stringify(settings.required || Object.fromEntries(categories.map((c) => [c, []])), null, 2);
}
