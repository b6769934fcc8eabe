// Business hours and holidays: the center's calendar (hours per weekday, public holidays,
// make-up working days 调休), which the SLA clocks run on, or a handling unit's (its
// department deadlines run on it), and a month view of it as the server computes it.
// Leaders read; admins change.

import { api } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { getLang, onLangChange, t } from "../shared/i18n.js";
import { field, formError, send } from "./form.js";
import { toast } from "../shared/shell.js";

const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6];
let ui = null;
let doc = { always: true, weekly: {}, holidays: [], workdays: [] };
let shown = null; // "YYYY-MM"
let unit = ""; // "": the center's calendar; else the unit whose calendar is shown

const scoped = (path) => (unit ? `${path}${path.includes("?") ? "&" : "?"}unit=${encodeURIComponent(unit)}` : path);

/** Opened from the departments tab: show that unit's calendar (``{unit}``; "" the center's). */
export function prepare({ unit: id = "" } = {}) {
  unit = id;
}

function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

function shift(month, by) {
  const [y, m] = month.split("-").map(Number);
  const date = new Date(y, m - 1 + by, 1);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

function dayList(kind) {
  return el("div", { class: "field day-list", dataset: { field: kind } },
    el("span", { class: "label", id: `${kind}-label`, "data-i18n": `adm.cal.${kind}` }, t(`adm.cal.${kind}`)),
    el("ul", { id: `${kind}-chips`, class: "chips", "aria-labelledby": `${kind}-label` }),
    el("div", { class: "row" },
      el("label", { for: `${kind}-add`, class: "sr-only", "data-i18n": `adm.cal.add_${kind}` }, t(`adm.cal.add_${kind}`)),
      el("input", { id: `${kind}-add`, type: "date" }),
      el("button", { class: "btn small", type: "button", id: `${kind}-add-btn`, "data-i18n": `adm.cal.add_${kind}`,
        onclick: () => addDay(kind) }, t(`adm.cal.add_${kind}`))),
    el("p", { class: "field-error", "aria-live": "polite" }));
}

export function mount(panel, ctx) {
  const writable = ctx.can("admin");
  const form = el("form", { id: "calendar-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    field({ name: "scope", label: "adm.cal.scope", options: [["", "adm.cal.center"]], hint: "adm.cal.scope_hint" }),
    el("fieldset", { disabled: !writable },
      el("legend", { "data-i18n": "adm.cal.title" }, t("adm.cal.title")),
      field({ name: "always", label: "adm.cal.always", type: "checkbox", hint: "adm.cal.always_hint" }),
      el("div", { class: "weekly" }, WEEKDAYS.map((d) => field({ name: `weekly.${d}`, label: `adm.wd.${d}`,
        attrs: { placeholder: "08:30-12:00, 13:30-17:30" } }))),
      el("p", { class: "hint muted", "data-i18n": "adm.cal.hours_hint" }, t("adm.cal.hours_hint")),
      dayList("holidays"),
      dayList("workdays"),
      formError(),
      el("button", { class: "btn primary", type: "submit", id: "calendar-save", "data-i18n": "adm.save" },
        t("adm.save"))));
  const month = el("section", { class: "month", "aria-labelledby": "month-title" },
    el("div", { class: "row month-nav" },
      el("button", { class: "btn small", type: "button", id: "month-prev", "data-i18n-aria-label": "adm.cal.prev",
        "aria-label": t("adm.cal.prev") }, "‹"),
      el("h3", { id: "month-title", "aria-live": "polite" }),
      el("button", { class: "btn small", type: "button", id: "month-next", "data-i18n-aria-label": "adm.cal.next",
        "aria-label": t("adm.cal.next") }, "›")),
    el("div", { id: "month-grid", class: "month-grid", role: "grid" }),
    el("ul", { class: "legend" }, ["holiday", "workday", "open", "closed"].map((k) =>
      el("li", { class: `day kind-${k}` }, el("span", { "data-i18n": `adm.cal.kind.${k}` }, t(`adm.cal.kind.${k}`))))));
  panel.append(el("h2", { class: "adm-title", "data-i18n": "adm.tab.calendar" }, t("adm.tab.calendar")),
    el("div", { class: "adm-columns" }, form, month));
  ui = { form, month };
  form.elements.always.addEventListener("change", syncAlways);
  form.elements.scope.addEventListener("change", () => {
    unit = form.elements.scope.value;
    load();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  month.querySelector("#month-prev").addEventListener("click", () => showMonth(shift(shown, -1)));
  month.querySelector("#month-next").addEventListener("click", () => showMonth(shift(shown, 1)));
  onLangChange(() => shown && showMonth(shown));
}

function syncAlways() {
  for (const d of WEEKDAYS) ui.form.elements[`weekly.${d}`].disabled = ui.form.elements.always.checked;
}

function chips(kind) {
  ui.form.querySelector(`#${kind}-chips`).replaceChildren(...doc[kind].map((day) => el("li", { class: "chip-day" },
    el("time", { datetime: day }, day),
    el("button", { class: "btn tiny ghost", type: "button", "aria-label": t("adm.cal.remove_day", { day }),
      onclick: () => {
        doc[kind] = doc[kind].filter((d) => d !== day);
        chips(kind);
      } }, "×"))));
}

function addDay(kind) {
  const input = ui.form.querySelector(`#${kind}-add`);
  if (!input.value) return;
  if (!doc[kind].includes(input.value)) doc[kind] = [...doc[kind], input.value].sort();
  chips(kind);
  showMonth(input.value.slice(0, 7), false); // see where it falls (saved or not)
  input.value = "";
}

function fill() {
  const f = ui.form.elements;
  f.always.checked = doc.always;
  for (const d of WEEKDAYS) f[`weekly.${d}`].value = doc.weekly[String(d)] || "";
  syncAlways();
  chips("holidays");
  chips("workdays");
}

export async function load() {
  let units;
  try {
    [doc, units] = await Promise.all([api("GET", scoped("/admin/calendar")), api("GET", "/units")]);
  } catch (error) {
    toast(error.message);
    return;
  }
  const scope = ui.form.elements.scope;
  scope.replaceChildren(el("option", { value: "", "data-i18n": "adm.cal.center" }, t("adm.cal.center")),
    ...units.map((u) => el("option", { value: u.id }, `${t("adm.cal.unit")} ${u.name || u.id}`)));
  scope.value = unit;
  ui.days = null;
  fill();
  await showMonth(shown || thisMonth());
  ui.form.dataset.loaded = unit || "center"; // which calendar the form holds now
}

async function save() {
  const f = ui.form.elements;
  const weekly = {};
  for (const d of WEEKDAYS) if (f[`weekly.${d}`].value.trim()) weekly[String(d)] = f[`weekly.${d}`].value.trim();
  const body = { always: f.always.checked, weekly, holidays: doc.holidays, workdays: doc.workdays };
  const saved = await send(ui.form, "PUT", scoped("/admin/calendar"), body);
  if (!saved) return;
  doc = saved;
  fill();
  await showMonth(shown);
}

/** The month as the server computes it; unsaved days from the form are marked as pending. */
async function showMonth(month, fetchIt = true) {
  shown = month;
  const [y, m] = month.split("-").map(Number);
  setText(ui.month.querySelector("#month-title"),
    new Date(y, m - 1, 1).toLocaleDateString(getLang(), { year: "numeric", month: "long" }));
  ui.month.dataset.month = month;
  let days = ui.days?.month === month ? ui.days.days : null;
  if (fetchIt || !days) {
    try {
      days = (await api("GET", scoped(`/admin/calendar/month?month=${month}`))).days;
    } catch (error) {
      toast(error.message);
      return;
    }
    ui.days = { month, days };
  }
  const grid = ui.month.querySelector("#month-grid");
  const head = el("div", { class: "week head", role: "row" }, WEEKDAYS.map((d) =>
    el("span", { role: "columnheader", "data-i18n": `adm.wd.short.${d}` }, t(`adm.wd.short.${d}`))));
  const cells = [];
  for (let i = 0; i < days[0].weekday; i += 1) cells.push(el("span", { class: "day blank", role: "gridcell" }));
  for (const day of days) {
    let kind = day.kind;
    if (doc.holidays.includes(day.date)) kind = "holiday";
    else if (doc.workdays.includes(day.date)) kind = "workday";
    const pending = kind !== day.kind;
    const label = t(`adm.cal.kind.${kind}`);
    cells.push(el("span", { class: `day kind-${kind}${pending ? " pending" : ""}`, role: "gridcell",
      dataset: { date: day.date, kind }, title: `${day.date} ${label} ${day.hours}`.trim(),
      "aria-label": `${day.date} ${label}${pending ? ` (${t("adm.cal.unsaved")})` : ""} ${day.hours}`.trim() },
    el("b", {}, String(Number(day.date.slice(8)))),
    kind === "holiday" || kind === "workday" ? el("small", { class: "mark" }, t(`adm.cal.mark.${kind}`)) : null,
    el("small", { class: "hours" }, kind === "holiday" && !doc.always ? "" : day.hours)));
  }
  const rows = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(el("div", { class: "week", role: "row" }, cells.slice(i, i + 7)));
  grid.replaceChildren(head, ...rows);
}
