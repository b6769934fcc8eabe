// Departments (承办单位): the units orders are sent to, each with a head, its handlers (承办人,
// who sign for and work its orders), its deadline in hours and its own business calendar
// (kept in the calendar tab: one editor for the center's and the units' hours). Supervisors
// keep the handlers; admins change the rest.

import { api } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { clearErrors, field, formError, legendFor, send, table } from "./form.js";
import { metaKey, metaValues } from "../shared/meta.js";
import { toast } from "../shared/shell.js";

let ui = null;
let ctx = null;
let units = [];
let people = [];
let selected = null; // the unit being edited (null: a new one)

const nameOf = (id) => {
  const user = people.find((u) => u.id === id);
  return user ? user.display_name || user.username : id || "";
};

export function mount(panel, context) {
  ctx = context;
  const writable = ctx.can("admin");
  const form = el("form", { id: "unit-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    el("fieldset", { disabled: !writable },
      el("legend", { id: "unit-legend", "data-i18n": "adm.unit.new" }, t("adm.unit.new")),
      el("div", { class: "grid" },
        field({ name: "id", label: "adm.unit.id", hint: "adm.unit.id_hint", attrs: { required: true, maxlength: 64 } }),
        field({ name: "name", label: "adm.unit.name", attrs: { maxlength: 200 } }),
        field({ name: "head_user_id", label: "adm.unit.head", options: [["", "adm.unit.no_head"]] }),
        field({ name: "deadline_hours", label: "adm.unit.deadline", type: "number", hint: "adm.unit.deadline_hint",
          attrs: { min: 0, step: "any", inputmode: "decimal" } }))),
    // outside the admins' fieldset: whoever reads the unit may open its calendar
    el("p", { class: "unit-calendar row" },
      el("span", { id: "unit-calendar-state", class: "muted" }),
      el("button", { class: "btn small", type: "button", id: "unit-calendar", disabled: true,
        "data-i18n": "adm.unit.edit_calendar" }, t("adm.unit.edit_calendar"))),
    el("fieldset", { class: "members", disabled: !ctx.can("supervisor"), dataset: { field: "user_ids" } },
      el("legend", { "data-i18n": "adm.unit.members" }, t("adm.unit.members")),
      el("small", { class: "hint muted", "data-i18n": "adm.unit.members_hint" }, t("adm.unit.members_hint")),
      el("ul", { id: "unit-members", class: "member-list" }),
      el("p", { class: "field-error", "aria-live": "polite" })),
    formError(),
    el("div", { class: "row" },
      el("button", { class: "btn primary", type: "submit", id: "unit-save", disabled: !ctx.can("supervisor"),
        "data-i18n": "adm.unit.create" }, t("adm.unit.create")),
      el("button", { class: "btn danger", type: "button", id: "unit-delete", disabled: true, "data-i18n": "adm.delete" },
        t("adm.delete")),
      el("button", { class: "btn ghost", type: "button", id: "unit-new", "data-i18n": "adm.new" }, t("adm.new"))));
  const list = el("div", { id: "unit-list", class: "adm-list" });
  panel.append(el("h2", { class: "adm-title", "data-i18n": "adm.tab.units" }, t("adm.tab.units")),
    el("div", { class: "adm-columns" }, list, form));
  ui = { form, list };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  form.querySelector("#unit-new").addEventListener("click", () => edit(null));
  form.querySelector("#unit-delete").addEventListener("click", remove);
  form.querySelector("#unit-calendar").addEventListener("click", () => {
    if (selected) ctx.open("calendar", { unit: selected.id });
  });
}

// agents first (the server lists the roles lowest first), then by user name: the same order in
// the list and in the form
const rank = (role) => metaValues(ctx.meta, "roles").indexOf(role);
const byRole = (a, b) => rank(a.role) - rank(b.role) || a.username.localeCompare(b.username);

function memberNames(ids) {
  return people.filter((u) => ids.includes(u.id)).sort(byRole).map((u) => u.display_name || u.username)
    .concat(ids.filter((id) => !people.some((u) => u.id === id)));
}

function members(checked) {
  ui.form.querySelector("#unit-members").replaceChildren(...[...people].sort(byRole).map((user) => {
    const id = `unit-member-${user.id}`;
    return el("li", {},
      el("input", { type: "checkbox", id, name: "user_ids", value: user.id, checked: checked.includes(user.id) }),
      el("label", { for: id }, `${user.display_name || user.username} `,
        el("span", { class: "muted", "data-i18n": metaKey("roles", user.role) }, t(metaKey("roles", user.role)))));
  }));
}

function edit(unit) {
  selected = unit;
  const f = ui.form.elements;
  clearErrors(ui.form);
  legendFor(ui.form.querySelector("#unit-legend"), unit ? "adm.unit.edit" : "adm.unit.new", unit?.id);
  f.id.value = unit?.id || "";
  f.id.readOnly = Boolean(unit);
  f.name.value = unit?.name || "";
  f.head_user_id.value = unit?.head_user_id || "";
  f.deadline_hours.value = unit?.deadline_hours ?? "";
  members(unit?.members || []);
  const save = ui.form.querySelector("#unit-save");
  const key = unit ? "adm.save" : "adm.unit.create";
  save.dataset.i18n = key;
  setText(save, t(key));
  ui.form.querySelector("#unit-delete").disabled = !unit || !ctx.can("admin");
  ui.form.querySelector("#unit-calendar").disabled = !unit;
  const state = ui.form.querySelector("#unit-calendar-state");
  const own = unit?.calendar ? "adm.unit.own_calendar" : "adm.unit.center_calendar";
  state.dataset.i18n = own;
  setText(state, t(own));
  for (const row of ui.list.querySelectorAll("tr[data-unit]")) {
    row.classList.toggle("selected", row.dataset.unit === unit?.id);
  }
}

async function save() {
  const f = ui.form.elements;
  const id = f.id.value.trim();
  if (!id) {
    const line = ui.form.querySelector('[data-field="id"] .field-error');
    clearErrors(ui.form);
    setText(line, t("adm.unit.id_required"));
    f.id.setAttribute("aria-invalid", "true");
    f.id.focus();
    return;
  }
  const path = `/units/${encodeURIComponent(id)}`;
  if (ctx.can("admin")) {
    const hours = f.deadline_hours.value.trim();
    const body = { name: f.name.value.trim() || id, head_user_id: f.head_user_id.value || null,
      deadline_hours: hours === "" ? null : Number(hours) };
    if (!(await send(ui.form, "PUT", path, body, null))) return;
  }
  const chosen = [...ui.form.querySelectorAll('input[name="user_ids"]:checked')].map((box) => box.value);
  if (!(await send(ui.form, "PUT", `${path}/members`, { user_ids: chosen }))) return;
  await load(id);
}

async function remove() {
  if (!selected || !confirm(t("adm.unit.confirm_delete", { name: selected.name || selected.id }))) return;
  if (await send(ui.form, "DELETE", `/units/${encodeURIComponent(selected.id)}`, undefined, "adm.deleted")) {
    await load(null);
  }
}

export async function load(keep = selected?.id) {
  try {
    [units, people] = await Promise.all([api("GET", "/units"), api("GET", "/users")]);
  } catch (error) {
    toast(error.message);
    return;
  }
  people = people.filter((u) => u.is_active !== false);
  const head = ui.form.elements.head_user_id;
  head.replaceChildren(el("option", { value: "", "data-i18n": "adm.unit.no_head" }, t("adm.unit.no_head")),
    ...people.map((u) => el("option", { value: u.id }, `${u.display_name || u.username} (${u.username})`)));
  ui.list.replaceChildren(table(["adm.unit.id", "adm.unit.name", "adm.unit.head", "adm.unit.members",
    "adm.unit.deadline", "adm.unit.calendar"], units.map((unit) => el("tr", { dataset: { unit: unit.id } },
    el("td", {}, el("button", { class: "link", type: "button", onclick: () => edit(unit) }, unit.id)),
    el("td", {}, unit.name),
    el("td", {}, nameOf(unit.head_user_id)),
    el("td", { class: "text" }, memberNames(unit.members).join("、")),
    el("td", { class: "num" }, unit.deadline_hours ?? "—"),
    el("td", { "data-i18n": unit.calendar ? "adm.unit.own_calendar" : "adm.unit.center_calendar" },
      t(unit.calendar ? "adm.unit.own_calendar" : "adm.unit.center_calendar")))), "adm.tab.units"));
  edit(units.find((u) => u.id === keep) || null);
}
