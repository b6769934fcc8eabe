// The wallboard's side column beyond the waiting calls (NORMS §3, §4, §5): norm alerts as they
// happen (acknowledge), pending break requests (approve / refuse with a note), the inbox of
// complaint, help and urgent orders with their SLA clocks (assign, return, supervise), and
// messages to one agent or to all. Lists change on WebSocket events; they are re-read from
// the API only when an event says they changed.

import { api } from "../shared/api.js";
import { duration, el, parseServerTime, setText } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { act, toast } from "../shared/shell.js";

const $ = (id) => document.getElementById(id);
const TABS = ["waiting", "alerts", "breaks", "inbox", "messages"];
const SLA_SHOWN = new Set(["sla_warning", "sla_breached"]);
const STATS_EVENTS = new Set(["call_answered", "call_abandoned", "call_exited_queue", "call_ended"]);
const MAX_ALERTS = 200;

export class LeaderFloor {
  /** @param {import("../shared/model.js").LiveModel} model @param {() => void} onStats */
  constructor(model, me, onStats) {
    this.model = model;
    this.me = me;
    this.onStats = onStats;
    this.alerts = [];
    this.breaks = new Map();
    this.inbox = [];
    this.inboxAt = 0;
    this.stats = new Map();
    this.timers = {};
  }

  async start() {
    this.bindTabs();
    this.bind();
    await Promise.all([this.loadAlerts(), this.loadBreaks(), this.loadInbox(), this.loadSent(), this.loadStats()]);
    setInterval(() => this.loadStats(), 60_000); // the 30-minute window slides with time, not events
  }

  later(name, fn, ms = 400) {
    clearTimeout(this.timers[name]);
    this.timers[name] = setTimeout(fn, ms);
  }

  onEvent(ev) {
    if (ev.type === "norm_alert") {
      if (!this.alerts.some((a) => a.id === ev.id)) {
        this.alerts.unshift({ id: ev.id, kind: ev.kind, agent_id: ev.agent_id, agent_name: ev.detail?.agent_name,
          call_id: ev.call_id, order_ref: ev.order_ref, detail: ev.detail, raised_at: new Date(ev.at * 1000).toISOString(),
          acknowledged_at: null });
        this.alerts.length = Math.min(this.alerts.length, MAX_ALERTS);
      }
      this.renderAlerts();
    } else if (ev.type === "norm_alert_acknowledged") {
      const alert = this.alerts.find((a) => a.id === ev.id);
      if (alert) alert.acknowledged_at = new Date(ev.at * 1000).toISOString();
      this.renderAlerts();
    } else if (ev.topic === "sla" && SLA_SHOWN.has(ev.type)) {
      // the SLA board's own warnings and breaches (reply times, departments...): shown, not stored here
      if (!(ev.type === "sla_breached" && ["completion", "callback"].includes(ev.kind))) {
        this.alerts.unshift({ id: `sla-${ev.clock_id}-${ev.type}`, kind: ev.type, sla_kind: ev.kind, order_ref: ev.order_id,
          agent_id: ev.owner_id, detail: { due: ev.due }, raised_at: new Date(ev.at * 1000).toISOString(),
          acknowledged_at: null, transient: true });
        this.renderAlerts();
      }
      this.later("inbox", () => this.loadInbox());
    } else if (ev.type === "break_updated") {
      this.breaks.set(ev.request.id, ev.request);
      this.renderBreaks();
    } else if (ev.type === "leader_message") {
      this.later("sent", () => this.loadSent());
    } else if (ev.topic === "workorder") {
      this.later("inbox", () => this.loadInbox());
    }
    if (STATS_EVENTS.has(ev.type)) this.later("stats", () => this.loadStats(), 1000);
  }

  // ---- tabs ------------------------------------------------------------------------------

  bindTabs() {
    const list = $("side-tabs");
    list.addEventListener("click", (event) => {
      const tab = event.target.closest('[role="tab"]');
      if (tab) this.select(tab.id.slice(4));
    });
    list.addEventListener("keydown", (event) => {
      const i = TABS.indexOf(document.activeElement?.id?.slice(4));
      if (i < 0 || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
      event.preventDefault();
      const next = event.key === "Home" ? 0 : event.key === "End" ? TABS.length - 1
        : (i + (event.key === "ArrowRight" ? 1 : -1) + TABS.length) % TABS.length;
      this.select(TABS[next]);
      $(`tab-${TABS[next]}`).focus();
    });
  }

  select(name) {
    for (const tab of TABS) {
      const on = tab === name;
      $(`tab-${tab}`).setAttribute("aria-selected", String(on));
      $(`tab-${tab}`).tabIndex = on ? 0 : -1;
      $(`pane-${tab}`).hidden = !on;
    }
    if (name === "messages") this.fillRecipients();
  }

  bind() {
    $("alerts-open-only").addEventListener("change", () => this.loadAlerts());
    $("alerts-ack-all").addEventListener("click", async () => {
      for (const a of this.alerts.filter((x) => !x.acknowledged_at && !x.transient)) {
        await act("POST", `/floor/alerts/${a.id}/ack`);
      }
      this.alerts = this.alerts.filter((a) => !a.transient);
      this.renderAlerts();
    });
    $("alert-list").addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-ack]");
      if (!button) return;
      const id = button.dataset.ack;
      if (id.startsWith("sla-")) {
        this.alerts = this.alerts.filter((a) => String(a.id) !== id);
        this.renderAlerts();
        return;
      }
      const result = await act("POST", `/floor/alerts/${id}/ack`);
      if (result) {
        const alert = this.alerts.find((a) => String(a.id) === id);
        if (alert) alert.acknowledged_at = result.acknowledged_at;
        this.renderAlerts();
      }
    });
    $("break-list").addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-decide]");
      if (!button) return;
      const request = this.breaks.get(Number(button.dataset.id));
      const decision = button.dataset.decide;
      const note = await ask(t(`lf.${decision}_title`, { name: request.agent_name, reason: reasonText(request.reason),
        minutes: request.minutes }), { note: true });
      if (note === null) return;
      const result = await act("POST", `/floor/breaks/${request.id}/${decision}`, { note });
      if (result) {
        this.breaks.set(result.id, result);
        this.renderBreaks();
      }
    });
    $("inbox-list").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-order]");
      if (button) this.orderAction(button.dataset.action, button.dataset.order);
    });
    $("msg-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const to = $("msg-to").value;
      const result = await act("POST", "/floor/messages", { to_user_id: to || null, body: $("msg-body").value });
      if (result) {
        $("msg-body").value = "";
        toast(t("lf.sent_toast", { n: result.recipients }), "info");
        this.loadSent();
      }
    });
  }

  // ---- alerts ----------------------------------------------------------------------------

  async loadAlerts() {
    const scope = $("alerts-open-only").checked ? "open" : "today";
    try {
      const rows = await api("GET", `/floor/alerts?scope=${scope}`);
      this.alerts = [...this.alerts.filter((a) => a.transient), ...rows];
      this.renderAlerts();
    } catch {
      /* the stream's events still arrive */
    }
  }

  renderAlerts() {
    const openOnly = $("alerts-open-only").checked;
    const shown = this.alerts.filter((a) => !openOnly || !a.acknowledged_at)
      .sort((a, b) => parseServerTime(b.raised_at) - parseServerTime(a.raised_at));
    const open = this.alerts.filter((a) => !a.acknowledged_at).length;
    const count = $("alerts-count");
    setText(count, String(open));
    count.dataset.n = String(open);
    $("alerts-empty").hidden = shown.length > 0;
    const key = shown.map((a) => `${a.id}:${a.acknowledged_at ? 1 : 0}`).join(",") + document.documentElement.lang;
    const list = $("alert-list");
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    list.replaceChildren(...shown.map((a) => el("li", { class: "card alert-card",
      dataset: { kind: a.kind, acked: a.acknowledged_at ? "1" : "0", id: String(a.id) } },
    el("div", { class: "card-head" }, el("span", { class: "tag" }, t(`lf.kind.${a.kind}`)),
      el("time", { class: "muted" }, timeOf(a.raised_at))),
    el("div", { class: "card-body" }, this.alertText(a)),
    a.acknowledged_at ? el("span", { class: "muted small" }, t("lf.acked"))
      : el("button", { type: "button", class: "btn tiny", dataset: { ack: String(a.id) },
        "aria-label": `${t("lf.ack")} ${t(`lf.kind.${a.kind}`)}` }, t("lf.ack")))));
  }

  alertText(a) {
    const agent = a.agent_name || this.model.agents.get(a.agent_id)?.name || "";
    const limit = a.detail?.limit;
    const params = { agent, limit: limit >= 60 ? duration(limit) : `${Math.round(limit || 0)}s`,
      order: this.orderNumber(a.order_ref), reason: reasonText(a.detail?.reason || ""), sla: t(`lf.sla.${a.sla_kind}`) };
    if (a.kind === "long_absence" && a.detail?.approved) return t("lf.text.long_absence_approved", params);
    return t(`lf.text.${a.kind}`, params);
  }

  orderNumber(ref) {
    if (!ref) return "";
    return this.inbox.find((o) => o.id === ref)?.number || ref.slice(0, 8);
  }

  // ---- breaks ----------------------------------------------------------------------------

  async loadBreaks() {
    try {
      const rows = await api("GET", "/floor/breaks?status=open");
      this.breaks = new Map(rows.map((r) => [r.id, r]));
      this.renderBreaks();
    } catch {
      /* shown as the events come */
    }
  }

  renderBreaks() {
    const open = [...this.breaks.values()].filter((r) => ["pending", "approved", "started"].includes(r.status))
      .sort((a, b) => (a.status === "pending" ? 0 : 1) - (b.status === "pending" ? 0 : 1) || a.id - b.id);
    const pending = open.filter((r) => r.status === "pending").length;
    const count = $("breaks-count");
    setText(count, String(pending));
    count.dataset.n = String(pending);
    $("breaks-empty").hidden = open.length > 0;
    const key = open.map((r) => `${r.id}:${r.status}`).join(",") + document.documentElement.lang;
    const list = $("break-list");
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    list.replaceChildren(...open.map((r) => {
      const name = r.agent_name || this.model.agents.get(r.agent_id)?.name || "";
      const actions = r.status === "pending" ? el("div", { class: "row end" },
        el("button", { type: "button", class: "btn tiny primary", dataset: { decide: "approve", id: String(r.id) },
          "aria-label": `${t("lf.approve")} ${name}` }, t("lf.approve")),
        el("button", { type: "button", class: "btn tiny danger", dataset: { decide: "refuse", id: String(r.id) },
          "aria-label": `${t("lf.refuse")} ${name}` }, t("lf.refuse")))
        : el("span", { class: "muted small break-left timer", dataset: { ends: String(r.ends_at ?? "") } },
          t(`lf.break_${r.status}`));
      return el("li", { class: "card break-card", dataset: { id: String(r.id), status: r.status } },
        el("div", { class: "card-head" }, el("strong", {}, name),
          el("span", { class: "tag" }, `${reasonText(r.reason)} · ${t("lf.minutes", { n: r.minutes })}`),
          el("time", { class: "muted" }, timeOf(r.requested_at))),
        r.note ? el("div", { class: "card-body" }, r.note) : null, actions);
    }));
  }

  // ---- inbox -----------------------------------------------------------------------------

  async loadInbox() {
    try {
      const page = await api("GET", "/workorders/inbox?page_size=50");
      this.inbox = page.items;
      this.inboxAt = Date.now();
      const count = $("inbox-count");
      setText(count, String(page.total));
      count.dataset.n = String(page.total);
      this.renderInbox();
    } catch {
      /* kept as it was */
    }
  }

  renderInbox() {
    $("inbox-empty").hidden = this.inbox.length > 0;
    $("inbox-list").replaceChildren(...this.inbox.map((o) => el("li", { class: "card order-card",
      dataset: { order: o.id, category: o.category, urgent: o.urgent ? "1" : "0" } },
    el("div", { class: "card-head" },
      el("span", { class: "tag cat" }, t(`lf.cat.${o.category}`)),
      o.urgent ? el("span", { class: "tag urgent" }, t("lf.urgent")) : null,
      el("span", { class: "muted" }, o.number)),
    el("div", { class: "card-body order-title" }, o.title || "—"),
    el("div", { class: "clocks" }, ...(o.clocks || []).map((c) => el("span", { class: "clock-chip timer",
      dataset: { due: String(parseServerTime(c.due) / 1000), kind: c.kind, state: c.state } }))),
    el("div", { class: "row end" },
      el("button", { type: "button", class: "btn tiny", dataset: { action: "assign", order: o.id } }, t("lf.assign")),
      el("button", { type: "button", class: "btn tiny", dataset: { action: "return", order: o.id } }, t("lf.return")),
      el("button", { type: "button", class: "btn tiny", "aria-pressed": String(Boolean(o.supervised)),
        dataset: { action: "supervise", order: o.id } }, t(o.supervised ? "lf.supervised" : "lf.supervise"))))));
    this.tick();
  }

  async orderAction(action, orderId) {
    const order = this.inbox.find((o) => o.id === orderId);
    if (!order) return;
    let result = null;
    if (action === "assign") {
      const agents = [...this.model.agents.values()].map((a) => [a.id, a.name]);
      const answer = await ask(t("lf.assign_title", { number: order.number }), { note: true, targets: agents });
      if (answer === null) return;
      result = await act("POST", `/workorders/${orderId}/assign`, { kind: "user", id: answer.target, note: answer.note });
    } else if (action === "return") {
      const reason = await ask(t("lf.return_title", { number: order.number }), { note: true, required: true });
      if (reason === null) return;
      result = await act("POST", `/workorders/${orderId}/return`, { reason });
    } else {
      result = await act("POST", `/workorders/${orderId}/supervise`, { on: !order.supervised });
    }
    if (result) {
      toast(t("lf.done"), "info");
      this.loadInbox();
    }
  }

  // ---- messages --------------------------------------------------------------------------

  fillRecipients() {
    const select = $("msg-to");
    const value = select.value;
    const agents = [...this.model.agents.values()].sort((a, b) => a.name.localeCompare(b.name));
    select.replaceChildren(el("option", { value: "" }, t("lf.to_all")),
      ...agents.map((a) => el("option", { value: a.id }, a.extension ? `${a.name} (${a.extension})` : a.name)));
    select.value = value;
  }

  async loadSent() {
    try {
      const rows = await api("GET", "/floor/messages/sent");
      $("sent-list").replaceChildren(...rows.slice(0, 30).map((m) => el("li", { class: "card" },
        el("div", { class: "card-head" },
          el("strong", {}, m.to_all ? t("lf.to_all") : m.to_name || "—"),
          el("span", { class: "muted" }, t("lf.read_count", { read: m.read, n: m.recipients })),
          el("time", { class: "muted" }, timeOf(m.created_at))),
        el("div", { class: "card-body" }, m.body))));
    } catch {
      /* kept as it was */
    }
  }

  // ---- queue figures ---------------------------------------------------------------------

  async loadStats() {
    try {
      const rows = await api("GET", "/floor/queue-stats");
      this.stats = new Map(rows.map((r) => [r.queue_id, r]));
      this.onStats();
    } catch {
      /* the cards keep their last figures */
    }
  }

  /** Called four times a second by the wallboard: the SLA clocks and break countdowns. */
  tick() {
    const now = Date.now() / 1000;
    for (const chip of document.querySelectorAll("#inbox-list .clock-chip")) {
      const left = Number(chip.dataset.due) - now;
      chip.dataset.level = chip.dataset.state !== "running" ? "paused" : left <= 0 ? "over" : left <= 300 ? "warn" : "ok";
      setText(chip, `${t(`lf.sla.${chip.dataset.kind}`)} ${left <= 0 ? `-${duration(-left)}` : duration(left)}`);
    }
    for (const node of document.querySelectorAll("#break-list .break-left")) {
      const ends = Number(node.dataset.ends);
      if (!ends) continue;
      const left = ends - now;
      node.dataset.level = left <= 0 ? "over" : "ok";
      setText(node, left <= 0 ? t("lf.break_over", { t: duration(-left) }) : t("lf.break_left", { t: duration(left) }));
    }
  }
}

function reasonText(reason) {
  const key = `reason.${reason}`;
  const text = t(key);
  return text === key ? reason : text;
}

function timeOf(iso) {
  const ms = parseServerTime(iso);
  return Number.isNaN(ms) ? "" : new Date(ms).toLocaleTimeString("en-GB", { hour12: false });
}

/** The note (and target) dialog -> the note, ``{target, note}`` with targets, or null. */
function ask(title, { targets = null, required = false } = {}) {
  const dialog = $("ask");
  setText($("ask-title"), title);
  const select = $("ask-target");
  select.hidden = $("ask-target-label").hidden = !targets;
  select.replaceChildren(...(targets || []).map(([id, name]) => el("option", { value: id }, name)));
  const note = $("ask-note");
  note.value = "";
  note.required = required;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "ok") resolve(null);
      else resolve(targets ? { target: select.value, note: note.value.trim() } : note.value.trim());
    }, { once: true });
  });
}
