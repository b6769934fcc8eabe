// Users, roles and skills: the people of the tenant (create, change role/name/locale,
// deactivate, reset a password), their agent profile (extension, skills 1-10, queues with
// penalties) and the SIP account of their phone. Supervisors read; admins change.

import { api } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { field, formatLevels, formError, legendFor, parseLevels, send, table } from "./form.js";
import { metaKey, metaOptions } from "../shared/meta.js";
import { toast } from "../shared/shell.js";

const LOCALES = [["", "adm.locale.tenant"], ["zh-CN", "中文"], ["en", "English"]];
let ui = null;
let selected = null; // the user being edited (null: a new one)
let people = [];
let agents = new Map();
let sipAsked = 0; // the latest read or save of the phone: an older answer must not overwrite it

export function mount(panel, ctx) {
  const writable = ctx.can("admin");
  const userForm = el("form", { id: "user-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    el("fieldset", { disabled: !writable },
      el("legend", { id: "user-legend", "data-i18n": "adm.user.new" }, t("adm.user.new")),
      field({ name: "username", label: "adm.user.username", attrs: { required: true, maxlength: 64 } }),
      field({ name: "display_name", label: "adm.user.display_name", attrs: { maxlength: 200 } }),
      field({ name: "role", label: "adm.user.role", options: metaOptions(ctx.meta, "roles"), value: "agent" }),
      field({ name: "locale", label: "adm.user.locale", options: LOCALES }),
      field({ name: "password", label: "adm.user.password", type: "password",
        hint: "adm.user.password_hint", attrs: { autocomplete: "new-password", minlength: 8 } }),
      field({ name: "is_active", label: "adm.user.active", type: "checkbox", value: true }),
      formError(),
      el("div", { class: "row" },
        el("button", { class: "btn primary", type: "submit", id: "user-save", "data-i18n": "adm.user.create" },
          t("adm.user.create")),
        el("button", { class: "btn", type: "button", id: "user-reset-pw", "data-i18n": "adm.user.reset_password",
          disabled: true }, t("adm.user.reset_password")),
        el("button", { class: "btn ghost", type: "button", id: "user-new", "data-i18n": "adm.new" }, t("adm.new")))));
  const agentForm = el("form", { id: "agent-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    el("fieldset", { disabled: true },
      el("legend", { "data-i18n": "adm.agent.title" }, t("adm.agent.title")),
      field({ name: "extension", label: "adm.agent.extension", attrs: { maxlength: 32, inputmode: "numeric" } }),
      field({ name: "skills", label: "adm.agent.skills", hint: "adm.agent.skills_hint" }),
      field({ name: "queues", label: "adm.agent.queues", hint: "adm.agent.queues_hint" }),
      formError(),
      el("div", { class: "row" },
        el("button", { class: "btn primary", type: "submit", id: "agent-save", "data-i18n": "adm.save" },
          t("adm.save")))));
  const sipForm = el("form", { id: "sip-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    el("fieldset", { disabled: true },
      el("legend", { "data-i18n": "adm.sip.title" }, t("adm.sip.title")),
      el("p", { id: "sip-state", class: "muted" }),
      field({ name: "username", label: "adm.sip.username", hint: "adm.sip.username_hint", attrs: { maxlength: 64 } }),
      field({ name: "password", label: "adm.sip.password", type: "password",
        attrs: { autocomplete: "new-password", maxlength: 128, required: true } }),
      formError(),
      el("div", { class: "row" },
        el("button", { class: "btn primary", type: "submit", id: "sip-save", "data-i18n": "adm.save" },
          t("adm.save")))));
  const list = el("div", { id: "user-list", class: "adm-list" });
  panel.append(el("h2", { class: "adm-title", "data-i18n": "adm.tab.users" }, t("adm.tab.users")),
    el("div", { class: "adm-columns" }, el("div", {}, list), el("div", { class: "adm-forms" }, userForm,
      agentForm, sipForm)));
  ui = { list, userForm, agentForm, sipForm, writable };

  userForm.addEventListener("submit", (event) => {
    event.preventDefault();
    saveUser();
  });
  userForm.querySelector("#user-new").addEventListener("click", () => select(null));
  userForm.querySelector("#user-reset-pw").addEventListener("click", resetPassword);
  agentForm.addEventListener("submit", (event) => {
    event.preventDefault();
    saveAgent();
  });
  sipForm.addEventListener("submit", (event) => {
    event.preventDefault();
    saveSip();
  });
}

export async function load() {
  try {
    const [found, profiles] = await Promise.all([api("GET", "/users"), api("GET", "/agents")]);
    people = found;
    agents = new Map(profiles.map((a) => [a.id, a]));
  } catch (error) {
    toast(error.message);
    return;
  }
  renderList();
  select(selected ? people.find((u) => u.id === selected.id) || null : null);
}

function renderList() {
  const rows = people.map((user) => {
    const agent = agents.get(user.id);
    return el("tr", { dataset: { user: user.username }, class: user.is_active ? "" : "inactive" },
      el("td", {}, el("button", { class: "link", type: "button", onclick: () => select(user) }, user.username)),
      el("td", {}, user.display_name),
      el("td", { "data-i18n": metaKey("roles", user.role) }, t(metaKey("roles", user.role))),
      el("td", {}, agent?.extension || ""),
      el("td", { class: "skills" }, agent ? formatLevels(agent.skills) : ""),
      el("td", {}, agent ? Object.keys(agent.queues || {}).join(", ") : ""),
      el("td", { "data-i18n": user.is_active ? "adm.user.active_yes" : "adm.user.active_no" },
        t(user.is_active ? "adm.user.active_yes" : "adm.user.active_no")));
  });
  ui.list.replaceChildren(table(["adm.user.username", "adm.user.display_name", "adm.user.role",
    "adm.agent.extension", "adm.agent.skills", "adm.agent.queues", "adm.user.state"], rows, "adm.user.list"));
}

function select(user) {
  selected = user;
  const { userForm, agentForm, sipForm } = ui;
  const f = userForm.elements;
  f.username.value = user?.username || "";
  f.username.readOnly = Boolean(user);
  f.display_name.value = user?.display_name || "";
  f.role.value = user?.role || "agent";
  f.locale.value = user?.locale || "";
  f.password.value = "";
  f.password.required = !user;
  f.is_active.checked = user ? user.is_active : true;
  legendFor(userForm.querySelector("#user-legend"), user ? "adm.user.edit" : "adm.user.new", user?.username);
  const save = userForm.querySelector("#user-save");
  save.dataset.i18n = user ? "adm.save" : "adm.user.create";
  setText(save, t(save.dataset.i18n));
  userForm.querySelector("#user-reset-pw").disabled = !user;
  const agent = user ? agents.get(user.id) : null;
  agentForm.elements.extension.value = agent?.extension || "";
  agentForm.elements.skills.value = formatLevels(agent?.skills);
  agentForm.elements.queues.value = formatLevels(agent?.queues);
  agentForm.dataset.exists = agent ? "1" : "";
  agentForm.querySelector("fieldset").disabled = !user || !ui.writable;
  sipForm.querySelector("fieldset").disabled = !user || !ui.writable;
  sipForm.reset();
  sipState(null);
  if (user && ui.writable) loadSip(user);
}

function sipState(key) {
  const node = ui.sipForm.querySelector("#sip-state");
  if (key) node.dataset.i18n = key;
  else delete node.dataset.i18n;
  setText(node, key ? t(key) : "");
}

async function loadSip(user) {
  const mine = ++sipAsked;
  try {
    const phone = await api("GET", `/agents/${user.id}/sip`);
    if (mine !== sipAsked) return;
    ui.sipForm.elements.username.value = phone.username || "";
    sipState(phone.registered ? "adm.sip.registered" : "adm.sip.not_registered");
  } catch (error) {
    if (mine !== sipAsked) return;
    if (error.status !== 404) toast(error.message);
    sipState("adm.sip.none");
  }
}

async function saveUser() {
  const form = ui.userForm;
  const f = form.elements;
  const body = { display_name: f.display_name.value.trim(), role: f.role.value, locale: f.locale.value || null };
  let user;
  if (!selected) {
    user = await send(form, "POST", "/users", { ...body, username: f.username.value.trim(),
      password: f.password.value, display_name: body.display_name });
  } else {
    if (!body.display_name) delete body.display_name;
    user = await send(form, "PATCH", `/users/${selected.id}`, { ...body, is_active: f.is_active.checked });
  }
  if (!user) return;
  selected = user;
  await load();
}

async function resetPassword() {
  const form = ui.userForm;
  if (!selected) return;
  const done = await send(form, "PATCH", `/users/${selected.id}`, { password: form.elements.password.value },
    "adm.user.password_reset");
  if (done) form.elements.password.value = "";
}

async function saveAgent() {
  if (!selected) return;
  const f = ui.agentForm.elements;
  const body = { extension: f.extension.value.trim() || null, skills: parseLevels(f.skills.value),
    queues: parseLevels(f.queues.value, 0) };
  const exists = ui.agentForm.dataset.exists === "1";
  const saved = exists
    ? await send(ui.agentForm, "PATCH", `/agents/${selected.id}`, body)
    : await send(ui.agentForm, "POST", "/agents", { ...body, user_id: selected.id });
  if (saved) await load();
}

async function saveSip() {
  if (!selected) return;
  const f = ui.sipForm.elements;
  const body = { password: f.password.value };
  if (f.username.value.trim()) body.username = f.username.value.trim();
  sipAsked += 1;
  const phone = await send(ui.sipForm, "PUT", `/agents/${selected.id}/sip`, body);
  if (phone) {
    f.password.value = "";
    sipState(phone.registered ? "adm.sip.registered" : "adm.sip.not_registered");
  }
}
