// The leader's wallboard (班长监控): per queue waiting calls, oldest wait, service level (today,
// last 30 minutes) and abandonment, agents by state; the agent grid with supervision and force
// actions; the side column's tabs (js/wallboard/leader_floor.js): norm alerts, break requests, the order
// inbox and messages. Everything moves by WebSocket events; the only timer re-reads the clock
// to advance the displayed durations.

import { api, atLeast, requireSession } from "../shared/api.js";
import { duration, el, holdLevel, setText } from "../shared/format.js";
import { initLang, onLangChange, t } from "../shared/i18n.js";
import { LeaderFloor } from "./leader_floor.js";
import { LiveStream } from "../shared/live.js";
import { LiveModel } from "../shared/model.js";
import { act, connectionIndicator, everyTick, setupHeader, toast } from "../shared/shell.js";

const $ = (id) => document.getElementById(id);
const STATE_ORDER = ["ready", "reserved", "talking", "on_hold", "consulting", "conference", "wrap_up",
  "not_ready", "logged_out"];
// not a NORMS figure: a common target for abandonment, above which the card turns red
const ABANDON_TARGET = 0.05;
const ON_CALL = new Set(["talking", "on_hold", "consulting", "conference"]);
const SUPERVISE = ["listen", "whisper", "barge", "intercept"];
// a queue card counts its members in five groups: on a call covers talk, hold, consult, conference
const QUEUE_GROUPS = [["ready", ["ready"]], ["reserved", ["reserved"]],
  ["talking", ["talking", "on_hold", "consulting", "conference"]], ["wrap_up", ["wrap_up"]],
  ["not_ready", ["not_ready"]]];

async function start(session) {
  initLang(session.user);
  setupHeader(session);
  const model = new LiveModel();
  const board = new Wallboard(model, session.user.id);
  board.floor = new LeaderFloor(model, session.user.id, () => board.renderStats());
  onLangChange(() => {
    board.render(true);
    board.floor.renderAlerts();
    board.floor.renderBreaks();
    board.floor.renderInbox();
  });
  try {
    model.setQueueConfigs(await api("GET", "/queues"));
  } catch {
    toast(t("error.load_failed"));
  }
  board.fillSimQueues();
  model.subscribe((kind, payload) => board.onModel(kind, payload));
  new LiveStream(session.token, model, connectionIndicator).start();
  board.bind();
  board.floor.start();
  everyTick(() => {
    board.tick();
    board.floor.tick();
  });
}

class Wallboard {
  constructor(model, me) {
    this.model = model;
    this.me = me;
    this.cards = new Map();
    this.rows = new Map();
    this.structure = "";
  }

  onModel(kind, payload) {
    if (kind === "event") this.floor?.onEvent(payload);
    if (kind === "event" && payload.type === "queue_changed") {
      api("GET", "/queues").then((q) => {
        this.model.setQueueConfigs(q);
        this.fillSimQueues();
        this.render(true);
      }).catch(() => {});
    }
    if (kind === "snapshot") {
      // the desktop link is for leaders who also take calls (who have an agent profile)
      $("to-desktop").hidden = !this.model.agents.has(this.me);
    }
    this.render(kind === "snapshot");
  }

  queueList() {
    return [...this.model.queues.values()].filter((q) => q.name !== undefined)
      .sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0) || a.id.localeCompare(b.id));
  }

  agentList() {
    return [...this.model.agents.values()].sort((a, b) =>
      (a.extension || "~").localeCompare(b.extension || "~") || a.name.localeCompare(b.name));
  }

  /** Build the cards and rows when the set of queues or agents changes; fill them always. */
  render(force = false) {
    const structure = `${this.queueList().map((q) => q.id).join(",")}|${this.agentList().map((a) => a.id).join(",")}`;
    if (force || structure !== this.structure) {
      this.structure = structure;
      this.buildCards();
      this.buildRows();
    }
    this.renderTotals();
    for (const a of this.model.agents.values()) this.fillRow(a);
    this.renderWaiting();
    this.tick();
  }

  buildCards() {
    this.cards.clear();
    const nodes = this.queueList().map((q) => {
      const card = el("article", { class: "queue-card", dataset: { queue: q.id, level: "ok" },
        "aria-labelledby": `q-${q.id}-name` },
      el("header", {},
        el("h3", { id: `q-${q.id}-name`, class: "q-name" }, q.name || q.id),
        el("span", { class: "q-target" }, t("board.sl_target", { s: Math.round(q.sl_seconds ?? 20) }))),
      el("div", { class: "q-figures" },
        el("div", { class: "q-fig" }, el("span", { class: "q-waiting big-num" }, "0"),
          el("span", { class: "q-label" }, t("board.waiting_short"))),
        el("div", { class: "q-fig" }, el("span", { class: "q-oldest timer" }, "0:00"),
          el("span", { class: "q-label" }, t("board.oldest")))),
      el("dl", { class: "q-sl" },
        ...[["sl_today", "q-sl-today"], ["sl_30m", "q-sl-recent"], ["abandon", "q-abandon"]].map(([key, cls]) =>
          el("div", { class: `q-sl-fig ${cls}`, dataset: { level: "none" } },
            el("dt", {}, t(`lf.${key}`)), el("dd", {}, "—")))),
      el("ul", { class: "q-states" }));
      this.cards.set(q.id, card);
      return card;
    });
    $("queue-cards").replaceChildren(...nodes);
    this.renderStats();
  }

  /** Service level today and in the last 30 minutes, abandonment today: red below target. */
  renderStats() {
    const stats = this.floor?.stats;
    if (!stats) return;
    for (const [queueId, card] of this.cards) {
      const s = stats.get(queueId);
      const target = s?.sl_target ?? 0.8;
      const fill = (cls, value, missed) => {
        const node = card.querySelector(`.${cls}`);
        node.dataset.level = value === null || value === undefined ? "none" : missed(value) ? "missed" : "ok";
        setText(node.querySelector("dd"), value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`);
      };
      fill("q-sl-today", s?.today.service_level, (v) => v < target);
      fill("q-sl-recent", s?.last_30m.service_level, (v) => v < target);
      fill("q-abandon", s?.today.abandon_rate, (v) => v > ABANDON_TARGET);
    }
  }

  buildRows() {
    this.rows.clear();
    const rows = this.agentList().map((a) => {
      const actions = el("div", { class: "actions", role: "group", "aria-label": t("grid.actions_for", { name: a.name }) },
        ...SUPERVISE.map((mode) => actionButton(`sup-${mode}`, t(`sup.${mode}`), a.name)),
        actionButton("force-hangup", t("force.hangup"), a.name, "danger"),
        el("span", { class: "sep", "aria-hidden": "true" }),
        actionButton("force-not-ready", t("force.not_ready"), a.name),
        actionButton("force-ready", t("force.ready"), a.name),
        actionButton("force-logout", t("force.logout"), a.name, "danger"));
      const row = el("tr", { dataset: { agent: a.id, ext: a.extension || "" } },
        el("th", { scope: "row", class: "agent-name" }, a.name,
          el("span", { class: "ext" }, a.extension || "")),
        el("td", {}, el("span", { class: "chip state-chip" })),
        el("td", { class: "num in-state timer" }, "0:00"),
        el("td", { class: "reason" }),
        el("td", { class: "call" }),
        el("td", { class: "num hold timer" }),
        el("td", { class: "num calls" }),
        el("td", {}, actions));
      this.rows.set(a.id, row);
      return row;
    });
    $("agent-rows").replaceChildren(...rows);
  }

  fillRow(a) {
    const row = this.rows.get(a.id);
    if (!row) return;
    row.dataset.state = a.state;
    const chip = row.querySelector(".state-chip");
    chip.dataset.state = a.state;
    setText(chip, t(`state.${a.state}`));
    const reason = a.state === "not_ready" && a.reason ? reasonText(a.reason)
      : a.pending_not_ready ? t("grid.pending", { reason: reasonText(a.pending_not_ready) }) : "";
    setText(row.querySelector(".reason"), reason);
    const c = this.model.callOf(a.id);
    const queue = c ? this.model.queues.get(c.queue_id) : null;
    const number = c ? (c.direction === "outbound" ? c.callee : c.caller) : "";
    const mine = c?.supervisors?.[this.me];
    const callText = c ? [number, c.pop?.customer?.name, queue?.name, mine ? `(${t(`sup.${mine}`)})` : null]
      .filter(Boolean).join(" · ") : "";
    setText(row.querySelector(".call"), callText);
    setText(row.querySelector(".calls"), String(a.calls_today || 0));
    const supervisable = c && ON_CALL.has(a.state) && ["talking", "on_hold"].includes(c.state);
    for (const mode of SUPERVISE) {
      const button = row.querySelector(`[data-action="sup-${mode}"]`);
      button.disabled = !supervisable && mine !== mode;
      button.setAttribute("aria-pressed", String(mine === mode));
    }
    row.querySelector('[data-action="force-hangup"]').disabled = !supervisable;
    row.querySelector('[data-action="force-not-ready"]').disabled =
      !["ready", "wrap_up", "reserved"].includes(a.state);
    row.querySelector('[data-action="force-ready"]').disabled = !["not_ready", "wrap_up"].includes(a.state);
    row.querySelector('[data-action="force-logout"]').disabled =
      !["ready", "not_ready", "wrap_up", "reserved"].includes(a.state);
  }

  renderTotals() {
    const counts = {};
    for (const a of this.model.agents.values()) counts[a.state] = (counts[a.state] || 0) + 1;
    const key = JSON.stringify(counts) + document.documentElement.lang;
    const list = $("totals");
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    list.replaceChildren(...STATE_ORDER.map((state) => el("li", { dataset: { state } },
      el("span", { class: "dot", "aria-hidden": "true" }),
      el("span", { class: "label" }, t(`state.${state}`)),
      el("span", { class: "n" }, String(counts[state] || 0)))));
  }

  renderWaiting() {
    const calls = this.model.waitingCalls();
    const taken = this.model.interceptedCalls();
    setText($("waiting-count"), String(calls.filter((c) => c.state === "queued").length));
    $("waiting-empty").hidden = calls.length + taken.length > 0;
    const body = $("waiting-rows");
    const key = [...calls, ...taken].map((c) => `${c.id}:${c.state}:${c.offered_to.join("+")}`).join("|") +
      document.documentElement.lang;
    if (body.dataset.key === key) return;
    body.dataset.key = key;
    const caller = (c) => el("td", { class: "caller" }, c.caller || "—",
      c.priority > 0 ? el("span", { class: "vip" }, `P${c.priority}`) : null);
    const queueName = (c) => this.model.queues.get(c.queue_id)?.name || c.queue_id || "";
    body.replaceChildren(...calls.map((c) => {
      const to = c.offered_to.map((id) => this.model.agents.get(id)?.name || "").join(", ");
      return el("tr", { dataset: { call: c.id, state: c.state } }, caller(c), el("td", {}, queueName(c)),
        el("td", {}, c.state === "offered" ? t("wait.ringing_to", { name: to }) : t("wait.queued")),
        el("td", { class: "num wait timer" }, "0:00"));
    }), ...taken.map((c) => {
      const who = this.model.agents.get(c.intercepted_by)?.name || "";
      const hangup = c.intercepted_by === this.me
        ? el("button", { type: "button", class: "btn tiny danger", dataset: { hangup: c.id } }, t("force.hangup"))
        : null;
      return el("tr", { dataset: { call: c.id, state: "intercepted" } }, caller(c), el("td", {}, queueName(c)),
        el("td", {}, t("wait.intercepted", { name: who }), " ", hangup), el("td", { class: "num" }));
    }));
  }

  /** Advance every displayed duration from the server clock; colour what misses its target. */
  tick() {
    const now = this.model.now();
    for (const q of this.queueList()) {
      const card = this.cards.get(q.id);
      if (!card) continue;
      const s = this.model.queueStats(q.id, now);
      setText(card.querySelector(".q-waiting"), String(s.waiting));
      setText(card.querySelector(".q-oldest"), duration(s.oldest));
      const target = q.sl_seconds ?? 20;
      const ready = s.byState.ready || 0;
      let level = "ok";
      if (s.waiting > 0 && s.oldest >= target) level = "missed";
      else if (s.waiting > 0 && (s.oldest >= target / 2 || ready === 0)) level = "warn";
      card.dataset.level = level;
      const states = card.querySelector(".q-states");
      const groups = QUEUE_GROUPS.map(([state, members]) =>
        [state, members.reduce((sum, st) => sum + (s.byState[st] || 0), 0)]);
      const stateKey = JSON.stringify(groups) + document.documentElement.lang;
      if (states.dataset.key !== stateKey) {
        states.dataset.key = stateKey;
        states.replaceChildren(...groups.map(([state, n]) =>
          el("li", { dataset: { state, n: String(n) } },
            el("span", { class: "dot", "aria-hidden": "true" }),
            el("span", { class: "label" }, t(`group.${state}`)),
            el("span", { class: "n" }, String(n)))));
      }
    }
    for (const a of this.model.agents.values()) {
      const row = this.rows.get(a.id);
      if (!row) continue;
      setText(row.querySelector(".in-state"), a.state === "logged_out" ? "—" : duration(now - a.since));
      const c = this.model.callOf(a.id);
      const hold = row.querySelector(".hold");
      if (c && c.held_since !== null && c.held_since !== undefined) {
        const held = now - c.held_since;
        hold.dataset.level = holdLevel(held);
        setText(hold, duration(held));
      } else {
        hold.dataset.level = "idle";
        setText(hold, "");
      }
    }
    for (const row of $("waiting-rows").children) {
      const c = this.model.calls.get(row.dataset.call);
      if (!c || row.dataset.state === "intercepted") continue;
      const waited = now - (c.enqueued_at ?? now);
      const target = this.model.queues.get(c.queue_id)?.sl_seconds ?? 20;
      row.dataset.level = waited >= target ? "missed" : waited >= target / 2 ? "warn" : "ok";
      setText(row.querySelector(".wait"), duration(waited));
    }
  }

  fillSimQueues() {
    const select = $("sim-queue");
    const value = select.value;
    select.replaceChildren(...this.queueList().map((q) => el("option", { value: q.id }, q.name || q.id)));
    if (value) select.value = value;
  }

  bind() {
    $("agent-rows").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button || button.disabled) return;
      const agentId = button.closest("tr").dataset.agent;
      this.action(button.dataset.action, agentId);
    });
    $("waiting-rows").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-hangup]");
      if (button) act("POST", `/calls/${button.dataset.hangup}/force-hangup`);
    });
    $("sim-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await act("POST", "/sim/calls", { queue_id: $("sim-queue").value,
        caller: $("sim-caller").value.trim() || "10086" });
      if (result) toast(t("sim.placed"), "info");
    });
  }

  async action(name, agentId) {
    const a = this.model.agents.get(agentId);
    const c = this.model.callOf(agentId);
    if (name.startsWith("sup-")) {
      const mode = name.slice(4);
      if (!c) return;
      if (c.supervisors?.[this.me] === mode) await act("POST", `/calls/${c.id}/unsupervise`);
      else await act("POST", `/calls/${c.id}/supervise`, { mode });
      return;
    }
    if (name === "force-hangup") {
      if (c && await confirmAction(t("confirm.force_hangup", { name: a.name, number: c.caller || c.callee }))) {
        await act("POST", `/calls/${c.id}/force-hangup`);
      }
      return;
    }
    if (name === "force-logout" && !await confirmAction(t("confirm.force_logout", { name: a.name }))) return;
    const result = await act("POST", `/agents/${agentId}/${name}`);
    if (result) this.model.mergeAgentExtras(result);
  }
}

function actionButton(action, label, agentName, kind = "") {
  return el("button", { type: "button", class: `btn tiny ${kind}`.trim(), dataset: { action },
    "aria-label": `${label} ${agentName}`, title: `${label} · ${agentName}` }, label);
}

function confirmAction(text) {
  const dialog = $("confirm");
  setText($("confirm-text"), text);
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

function reasonText(reason) {
  const key = `reason.${reason}`;
  const text = t(key);
  return text === key ? reason : text;
}

// started last: the classes above must exist first
const session = requireSession();
if (session) {
  if (!atLeast(session.user, "leader")) location.replace("/ui/agent.html");
  else start(session);
}
