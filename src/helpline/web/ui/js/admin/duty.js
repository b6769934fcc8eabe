// The duty roster (值班表): shifts of the shift leaders (complaint, help and urgent orders go to
// the one on duty), a week drawn as the server counts it (center time, China; a shift belongs
// to the day it starts, "20:00-08:00" ends the next morning, a dated shift takes precedence)
// and who is on duty now, as the server says. Leaders read; supervisors change.

import { api } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { onLangChange, t } from "../shared/i18n.js";
import { field, formError, send, table } from "./form.js";
import { toast } from "../shared/shell.js";

const CENTER_TZ = "Asia/Shanghai"; // the roster's zone (domain/duty.py: CHINA_TZ)
const DAY_MIN = 24 * 60;
const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6];
let ui = null;
let ctx = null;
let shifts = [];
let now = { leaders: [], names: {}, leader_id: null };
let monday = null; // "YYYY-MM-DD": the week shown

/** Today's date and the minute of the day at the center (whatever the browser's zone). */
export function centerNow(date = new Date()) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: CENTER_TZ, year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .formatToParts(date).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

const toUtc = (day) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
const addDays = (day, n) => iso(toUtc(day) + n * 86_400_000);
const weekday = (day) => (new Date(toUtc(day)).getUTCDay() + 6) % 7; // 0 = Monday
const mondayOf = (day) => addDays(day, -weekday(day));
const hhmm = (minute) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

function span(hours) {
  const match = /^\s*(\d{1,2}):?(\d{2})?\s*-\s*(\d{1,2}):?(\d{2})?\s*$/.exec(hours);
  if (!match) return null;
  const start = Number(match[1]) * 60 + Number(match[2] || 0);
  let end = Number(match[3]) * 60 + Number(match[4] || 0);
  if (end === DAY_MIN && start) end = 0;
  const length = end > start ? end - start : end + DAY_MIN - start;
  return { start, length };
}

function startsOn(shift, day) {
  if (shift.day) return shift.day === day;
  return !shift.weekdays?.length || shift.weekdays.includes(weekday(day));
}

/** The pieces of each shift inside the week: ``{shift, day, from, to}`` in minutes of ``day``. */
export function pieces(list, weekStart) {
  const out = [];
  for (let i = -1; i < 7; i += 1) {
    const day = addDays(weekStart, i);
    for (const shift of list) {
      const hours = span(shift.hours);
      if (!hours || !startsOn(shift, day)) continue;
      const end = hours.start + hours.length;
      if (i >= 0) out.push({ shift, day, from: hours.start, to: Math.min(end, DAY_MIN) });
      if (end > DAY_MIN && i < 6) out.push({ shift, day: addDays(day, 1), from: 0, to: end - DAY_MIN, carried: true });
    }
  }
  return out;
}

export function mount(panel, context) {
  ctx = context;
  const writable = ctx.can("supervisor");
  const form = el("form", { id: "shift-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    el("fieldset", { disabled: !writable },
      el("legend", { "data-i18n": "adm.duty.add" }, t("adm.duty.add")),
      el("div", { class: "grid" },
        field({ name: "leader_id", label: "adm.duty.leader", options: [["", "adm.duty.choose"]] }),
        field({ name: "hours", label: "adm.duty.hours", hint: "adm.duty.hours_hint",
          attrs: { placeholder: "20:00-08:00", maxlength: 20 } }),
        field({ name: "day", label: "adm.duty.day", type: "date", hint: "adm.duty.day_hint" })),
      el("fieldset", { class: "weekdays", dataset: { field: "weekdays" } },
        el("legend", { "data-i18n": "adm.duty.weekdays" }, t("adm.duty.weekdays")),
        el("div", { class: "row" }, WEEKDAYS.map((d) => el("label", { class: "check" },
          el("input", { type: "checkbox", name: "weekdays", value: String(d) }),
          el("span", { "data-i18n": `adm.wd.${d}` }, t(`adm.wd.${d}`))))),
        el("small", { class: "hint muted", "data-i18n": "adm.duty.weekdays_hint" }, t("adm.duty.weekdays_hint")),
        el("p", { class: "field-error", "aria-live": "polite" })),
      formError(),
      el("button", { class: "btn primary", type: "submit", id: "shift-add", "data-i18n": "adm.duty.add_button" },
        t("adm.duty.add_button"))));
  const onDuty = el("section", { id: "duty-now", class: "duty-now", "aria-labelledby": "duty-now-title" },
    el("h3", { id: "duty-now-title", "data-i18n": "adm.duty.now" }, t("adm.duty.now")),
    el("p", { id: "duty-now-names", "aria-live": "polite" }));
  const week = el("section", { class: "duty-week", "aria-labelledby": "duty-week-title" },
    el("div", { class: "row month-nav" },
      el("button", { class: "btn small", type: "button", id: "week-prev", "data-i18n-aria-label": "adm.duty.prev",
        "aria-label": t("adm.duty.prev") }, "‹"),
      el("h3", { id: "duty-week-title", "aria-live": "polite" }),
      el("button", { class: "btn small", type: "button", id: "week-next", "data-i18n-aria-label": "adm.duty.next",
        "aria-label": t("adm.duty.next") }, "›")),
    el("div", { id: "duty-grid", class: "duty-grid" }),
    el("p", { class: "hint muted", "data-i18n": "adm.duty.week_hint" }, t("adm.duty.week_hint")));
  const list = el("div", { id: "shift-list", class: "adm-list" });
  panel.append(el("h2", { class: "adm-title", "data-i18n": "adm.tab.duty" }, t("adm.tab.duty")),
    el("div", { class: "adm-columns" }, el("div", {}, onDuty, week), el("div", {}, list, form)));
  ui = { form, week, list, onDuty };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    add();
  });
  week.querySelector("#week-prev").addEventListener("click", () => drawWeek(addDays(monday, -7)));
  week.querySelector("#week-next").addEventListener("click", () => drawWeek(addDays(monday, 7)));
  onLangChange(() => {
    if (!monday) return;
    drawWeek(monday);
    drawList();
    drawNow();
  });
  // "on duty now" changes with the clock; re-read it each minute while the tab is open
  setInterval(() => {
    if (!document.getElementById("panel-duty")?.hidden) refreshNow();
  }, 60_000);
}

const dayLabel = (shift) => (shift.day ? shift.day : !shift.weekdays?.length || shift.weekdays.length === 7
  ? t("adm.duty.every_day") : shift.weekdays.map((d) => t(`adm.wd.short.${d}`)).join(" "));

function drawList() {
  ui.list.replaceChildren(table(["adm.duty.leader", "adm.duty.hours", "adm.duty.when", ...(ctx.can("supervisor")
    ? ["adm.duty.actions"] : [])], shifts.map((shift) => el("tr", { dataset: { shift: shift.id, leader: shift.leader_id } },
    el("td", {}, shift.leader_name),
    el("td", { class: "num" }, shift.hours),
    el("td", {}, dayLabel(shift)),
    ctx.can("supervisor") ? el("td", {}, el("button", { class: "btn tiny danger", type: "button",
      "aria-label": t("adm.duty.remove", { name: shift.leader_name, hours: shift.hours }),
      onclick: () => remove(shift) }, t("adm.delete"))) : null)), "adm.duty.list"));
}

function drawNow() {
  const names = now.leaders.map((id) => now.names[id] || id);
  const line = ui.onDuty.querySelector("#duty-now-names");
  line.dataset.leaders = now.leaders.join(" ");
  if (!names.length) {
    setText(line, t("adm.duty.nobody"));
    return;
  }
  line.replaceChildren(...names.map((name, i) => el("span", { class: "on-duty", dataset: { leader: now.leaders[i] } },
    name, i === 0 && names.length > 1 ? ` (${t("adm.duty.responsible")})` : "")));
}

function lanes(list) {
  // overlapping pieces side by side: each gets the first lane free at its start
  const ends = [];
  for (const piece of [...list].sort((a, b) => a.from - b.from || b.to - a.to)) {
    let lane = ends.findIndex((end) => end <= piece.from);
    if (lane < 0) lane = ends.length;
    ends[lane] = piece.to;
    piece.lane = lane;
  }
  for (const piece of list) piece.lanes = Math.max(1, ends.length);
}

function drawWeek(start) {
  monday = start;
  const today = centerNow();
  const days = WEEKDAYS.map((i) => addDays(start, i));
  setText(ui.week.querySelector("#duty-week-title"), t("adm.duty.week_of", { from: days[0], to: days[6] }));
  ui.week.dataset.week = start;
  const all = pieces(shifts, start);
  const axis = el("div", { class: "duty-axis", "aria-hidden": "true" }, [0, 6, 12, 18, 24].map((h) =>
    el("span", { style: `top:${(h / 24) * 100}%` }, `${String(h).padStart(2, "0")}:00`)));
  const columns = days.map((day, i) => {
    const mine = all.filter((p) => p.day === day);
    lanes(mine);
    const column = el("div", { class: `duty-day${day === today.date ? " today" : ""}`, role: "list",
      "aria-labelledby": `duty-day-${i}`, dataset: { date: day } },
    mine.map((p) => {
      const label = `${p.shift.leader_name} ${hhmm(p.from)}-${hhmm(p.to)}`;
      const running = day === today.date && p.from <= today.minute && today.minute < p.to;
      return el("div", { role: "listitem", class: `duty-shift${p.shift.day ? " dated" : ""}${running ? " running" : ""}`,
        style: `top:${(p.from / DAY_MIN) * 100}%;height:${((p.to - p.from) / DAY_MIN) * 100}%;` +
          `left:${(p.lane / p.lanes) * 100}%;width:${100 / p.lanes}%`,
        title: `${label} (${p.shift.hours})`, "aria-label": `${label} (${p.shift.hours})`,
        dataset: { leader: p.shift.leader_id, shift: p.shift.id, from: hhmm(p.from), to: hhmm(p.to) } },
      el("span", {}, p.shift.leader_name), el("small", {}, `${hhmm(p.from)}-${hhmm(p.to)}`));
    }),
    day === today.date ? el("div", { class: "duty-nowline", style: `top:${(today.minute / DAY_MIN) * 100}%`,
      "aria-hidden": "true" }) : null);
    return el("div", { class: "duty-col" },
      el("div", { class: "duty-head", id: `duty-day-${i}` }, el("span", { "data-i18n": `adm.wd.short.${i}` },
        t(`adm.wd.short.${i}`)), " ", el("small", {}, day.slice(5))), column);
  });
  ui.week.querySelector("#duty-grid").replaceChildren(el("div", { class: "duty-axis-col" },
    el("div", { class: "duty-head" }), axis), ...columns);
}

async function refreshNow() {
  try {
    now = await api("GET", "/duty/now");
  } catch (error) {
    toast(error.message);
    return;
  }
  drawNow();
  if (monday) drawWeek(monday);
}

async function add() {
  const f = ui.form.elements;
  const day = f.day.value || null;
  const weekdays = [...ui.form.querySelectorAll('input[name="weekdays"]:checked')].map((box) => Number(box.value));
  const body = { leader_id: f.leader_id.value, hours: f.hours.value.trim(), day, weekdays: day ? null : weekdays };
  if (!(await send(ui.form, "POST", "/duty/shifts", body))) return;
  f.hours.value = "";
  f.day.value = "";
  await load();
}

async function remove(shift) {
  if (!confirm(t("adm.duty.confirm_delete", { name: shift.leader_name, hours: shift.hours }))) return;
  if (await send(ui.form, "DELETE", `/duty/shifts/${shift.id}`, undefined, "adm.deleted")) await load();
}

export async function load() {
  let leaders = null;
  try {
    [shifts, now, leaders] = await Promise.all([api("GET", "/duty/shifts"), api("GET", "/duty/now"),
      ctx.can("supervisor") ? api("GET", "/users") : null]);
  } catch (error) {
    toast(error.message);
    return;
  }
  if (leaders) {
    const select = ui.form.elements.leader_id;
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "", "data-i18n": "adm.duty.choose" }, t("adm.duty.choose")),
      ...leaders.filter((u) => u.role !== "agent" && u.is_active !== false).map((u) =>
        el("option", { value: u.id }, `${u.display_name || u.username} (${u.username})`)));
    select.value = chosen;
  }
  drawList();
  drawNow();
  drawWeek(monday || mondayOf(centerNow().date));
}
