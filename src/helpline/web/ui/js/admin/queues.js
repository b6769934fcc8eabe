// Queues and strategies: the ACD's routing strategies, answer target, wrap-up, the longest
// wait and what happens then, overflow steps; and the tenant's skills. Leaders read,
// supervisors change, admins delete. The strategies, exits and after-wrap-up states offered
// are the server's (GET /meta, ``ctx.meta``).

import { api } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { clearErrors, field, formatLevels, formError, legendFor, parseLevels, send, table } from "./form.js";
import { metaKey, metaOptions } from "../shared/meta.js";
import { toast } from "../shared/shell.js";

const NUMBERS = ["sl_target", "sl_seconds", "max_wait", "max_length", "ring_timeout", "wrapup_seconds",
  "aging_per_minute", "weight"];
let ui = null;
let queues = [];
let selected = null;

const number = (name, label, attrs = {}) => field({ name, label, type: "number", attrs: { step: "any", ...attrs } });

export function mount(panel, ctx) {
  const writable = ctx.can("supervisor");
  const form = el("form", { id: "queue-form", class: "adm-form wide", novalidate: true, autocomplete: "off" },
    el("fieldset", { disabled: !writable },
      el("legend", { id: "queue-legend", "data-i18n": "adm.queue.new" }, t("adm.queue.new")),
      el("div", { class: "grid" },
        field({ name: "id", label: "adm.queue.id", attrs: { required: true, maxlength: 64 } }),
        field({ name: "name", label: "adm.queue.name", attrs: { maxlength: 200 } }),
        field({ name: "strategy", label: "adm.queue.strategy", options: metaOptions(ctx.meta, "queue_strategies"),
          value: "longest_idle" }),
        field({ name: "required_skills", label: "adm.queue.required_skills", hint: "adm.agent.skills_hint" }),
        number("sl_target", "adm.queue.sl_target", { min: 0.01, max: 1, step: 0.01 }),
        number("sl_seconds", "adm.queue.sl_seconds", { min: 1 }),
        number("wrapup_seconds", "adm.queue.wrapup_seconds", { min: 0 }),
        field({ name: "after_wrapup", label: "adm.queue.after_wrapup",
          options: metaOptions(ctx.meta, "after_wrapup") }),
        number("ring_timeout", "adm.queue.ring_timeout", { min: 1 }),
        number("max_wait", "adm.queue.max_wait", { min: 1 }),
        number("max_length", "adm.queue.max_length", { min: 1, step: 1 }),
        field({ name: "exit_action", label: "adm.queue.exit_action", options: metaOptions(ctx.meta, "exit_actions") }),
        field({ name: "exit_queue_id", label: "adm.queue.exit_queue_id" }),
        number("weight", "adm.queue.weight", { step: 1 }),
        number("aging_per_minute", "adm.queue.aging_per_minute", { min: 0 })),
      el("fieldset", { class: "overflow", dataset: { field: "overflow" } },
        el("legend", { "data-i18n": "adm.queue.overflow" }, t("adm.queue.overflow")),
        el("p", { class: "hint muted", "data-i18n": "adm.queue.overflow_hint" }, t("adm.queue.overflow_hint")),
        el("div", { id: "overflow-steps" }),
        el("p", { class: "field-error", "aria-live": "polite" }),
        el("button", { class: "btn small", type: "button", id: "overflow-add", "data-i18n": "adm.queue.add_step" },
          t("adm.queue.add_step"))),
      formError(),
      el("div", { class: "row" },
        el("button", { class: "btn primary", type: "submit", id: "queue-save", "data-i18n": "adm.queue.create" },
          t("adm.queue.create")),
        el("button", { class: "btn danger", type: "button", id: "queue-delete", "data-i18n": "adm.delete",
          disabled: true }, t("adm.delete")),
        el("button", { class: "btn ghost", type: "button", id: "queue-new", "data-i18n": "adm.new" }, t("adm.new")))));
  const skillForm = el("form", { id: "skill-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    el("fieldset", { disabled: !writable },
      el("legend", { "data-i18n": "adm.skill.title" }, t("adm.skill.title")),
      field({ name: "id", label: "adm.skill.id", attrs: { required: true, maxlength: 64 } }),
      field({ name: "name", label: "adm.skill.name" }),
      field({ name: "description", label: "adm.skill.description" }),
      formError(),
      el("button", { class: "btn primary", type: "submit", "data-i18n": "adm.save" }, t("adm.save"))));
  const list = el("div", { id: "queue-list", class: "adm-list" });
  const skills = el("div", { id: "skill-list", class: "adm-list" });
  panel.append(el("h2", { class: "adm-title", "data-i18n": "adm.tab.queues" }, t("adm.tab.queues")),
    el("div", { class: "adm-columns" }, el("div", {}, list, skills, skillForm), el("div", {}, form)));
  ui = { form, list, skills, skillForm, canDelete: ctx.can("admin") };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  form.querySelector("#overflow-add").addEventListener("click", () => addStep({}));
  form.querySelector("#queue-new").addEventListener("click", () => select(null));
  form.querySelector("#queue-delete").addEventListener("click", remove);
  skillForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = skillForm.elements;
    const body = { id: f.id.value.trim(), name: f.name.value.trim(), description: f.description.value.trim() };
    if (await send(skillForm, "PUT", `/skills/${encodeURIComponent(body.id)}`, body)) {
      skillForm.reset();
      await load();
    }
  });
}

export async function load() {
  let skills;
  try {
    [queues, skills] = await Promise.all([api("GET", "/queues"), api("GET", "/skills")]);
  } catch (error) {
    toast(error.message);
    return;
  }
  ui.list.replaceChildren(table(["adm.queue.id", "adm.queue.name", "adm.queue.strategy", "adm.queue.sl",
    "adm.queue.wrapup_seconds", "adm.queue.max_wait"], queues.map((q) => el("tr", { dataset: { queue: q.id } },
    el("td", {}, el("button", { class: "link", type: "button", onclick: () => select(q) }, q.id)),
    el("td", {}, q.name),
    el("td", { "data-i18n": metaKey("queue_strategies", q.strategy) }, t(metaKey("queue_strategies", q.strategy))),
    el("td", { class: "num" }, `${Math.round(q.sl_target * 100)}% / ${q.sl_seconds}s`),
    el("td", { class: "num" }, `${q.wrapup_seconds}s`),
    el("td", { class: "num" }, q.max_wait ? `${q.max_wait}s` : "—"))), "adm.queue.list"));
  ui.skills.replaceChildren(table(["adm.skill.id", "adm.skill.name", "adm.skill.description"],
    skills.map((s) => el("tr", {}, el("td", {}, s.id), el("td", {}, s.name), el("td", {}, s.description))),
    "adm.skill.title"));
  select(selected ? queues.find((q) => q.id === selected.id) || null : null);
}

function addStep(step) {
  const box = ui.form.querySelector("#overflow-steps");
  const n = box.children.length;
  const row = el("div", { class: "step row" },
    field({ name: `overflow.${n}.after`, label: "adm.queue.step_after", type: "number", value: step.after ?? "",
      attrs: { min: 0, step: "any", required: true } }),
    field({ name: `overflow.${n}.max_penalty`, label: "adm.queue.step_penalty", type: "number", value: step.max_penalty ?? "",
      attrs: { min: 0, step: 1 } }),
    field({ name: `overflow.${n}.drop_skills`, label: "adm.queue.step_drop", value: (step.drop_skills || []).join(", ") }),
    field({ name: `overflow.${n}.to_queue_id`, label: "adm.queue.step_to", value: step.to_queue_id || "" }),
    el("button", { class: "btn tiny ghost", type: "button", "data-i18n": "adm.remove", onclick: () => row.remove() },
      t("adm.remove")));
  box.append(row);
}

function select(queue) {
  selected = queue;
  const { form } = ui;
  clearErrors(form);
  const f = form.elements;
  f.id.value = queue?.id || "";
  f.id.readOnly = Boolean(queue);
  f.name.value = queue?.name || "";
  f.strategy.value = queue?.strategy || "longest_idle";
  f.required_skills.value = formatLevels(queue?.required_skills);
  for (const name of NUMBERS) f[name].value = queue?.[name] ?? "";
  f.after_wrapup.value = queue?.after_wrapup || "ready";
  f.exit_action.value = queue?.exit_action || "hangup";
  f.exit_queue_id.value = queue?.exit_queue_id || "";
  form.querySelector("#overflow-steps").replaceChildren();
  for (const step of queue?.overflow || []) addStep(step);
  legendFor(form.querySelector("#queue-legend"), queue ? "adm.queue.edit" : "adm.queue.new", queue?.id);
  const save = form.querySelector("#queue-save");
  save.dataset.i18n = queue ? "adm.save" : "adm.queue.create";
  setText(save, t(save.dataset.i18n));
  form.querySelector("#queue-delete").disabled = !queue || !ui.canDelete;
}

function values() {
  const f = ui.form.elements;
  const body = { name: f.name.value.trim() || null, strategy: f.strategy.value,
    required_skills: parseLevels(f.required_skills.value), after_wrapup: f.after_wrapup.value,
    exit_action: f.exit_action.value, exit_queue_id: f.exit_queue_id.value.trim() || null };
  for (const name of NUMBERS) {
    const text = f[name].value.trim();
    body[name] = text === "" ? null : Number(text);
  }
  for (const key of ["name", "sl_target", "sl_seconds", "ring_timeout", "wrapup_seconds", "aging_per_minute",
    "weight"]) {
    if (body[key] === null) delete body[key]; // left empty: the server keeps (or defaults) it
  }
  body.overflow = [...ui.form.querySelectorAll("#overflow-steps .step")].map((row) => {
    const get = (name) => row.querySelector(`[name$=".${name}"]`).value.trim();
    return { after: Number(get("after")), max_penalty: get("max_penalty") === "" ? null : Number(get("max_penalty")),
      drop_skills: get("drop_skills").split(/[,，\s]+/).filter(Boolean), to_queue_id: get("to_queue_id") || null };
  });
  return body;
}

async function save() {
  const body = values();
  const saved = selected
    ? await send(ui.form, "PATCH", `/queues/${encodeURIComponent(selected.id)}`, body)
    : await send(ui.form, "POST", "/queues", { ...body, id: ui.form.elements.id.value.trim() });
  if (saved) {
    selected = saved;
    await load();
  }
}

async function remove() {
  if (!selected || !confirm(t("adm.queue.confirm_delete", { id: selected.id }))) return;
  if (await send(ui.form, "DELETE", `/queues/${encodeURIComponent(selected.id)}`, undefined, "adm.deleted")) {
    selected = null;
    await load();
  }
}
