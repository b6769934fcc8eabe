// The agent desktop (坐席工作台): state bar, ringing banner with the screen pop, call
// controls with the hold timer, wrap-up countdown, keyboard shortcuts.

import { bindControls } from "./controls.js";
import { api, ApiError, atLeast, requireSession } from "../shared/api.js";
import { duration, el, holdLevel, HOLD_LIMIT_S, parseServerTime, setText } from "../shared/format.js";
import { initLang, onLangChange, t } from "../shared/i18n.js";
import { LiveStream } from "../shared/live.js";
import { KbPanel } from "./kb_panel.js";
import { LiveModel } from "../shared/model.js";
import { bindTabs, MyWork, selectTab } from "./my_work.js";
import { OrderForm } from "./order_form.js";
import { act, connectionIndicator, errorText, everyTick, setupHeader, toast } from "../shared/shell.js";

const AUTO_LOGIN_KEY = "helpline.autologin";
const IN_CALL = new Set(["talking", "on_hold", "consulting", "conference"]);
const $ = (id) => document.getElementById(id);
const DIRECTORY_REFRESH_MS = 3000; // colleagues' presence: fresh enough to pick whom to call

async function start(session) {
  const me = session.user.id;
  initLang(session.user);
  const model = new LiveModel({ self: me });
  const ui = new Desktop(model, me);
  setupHeader(session, {
    onSignOut: async () => {
      const a = model.agents.get(me);
      if (a && ["ready", "not_ready", "wrap_up"].includes(a.state)) await api("POST", "/agents/me/logout");
    },
  });
  $("to-wallboard").hidden = !atLeast(session.user, "leader");
  onLangChange(() => ui.render());

  let mine;
  try {
    [mine] = await Promise.all([api("GET", "/agents/me"), ui.loadReference(session.user)]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      ui.noProfile();
      return;
    }
    toast(errorText(error));
    return;
  }
  if (mine.state === "logged_out" && sessionStorage.getItem(AUTO_LOGIN_KEY)) {
    await act("POST", "/agents/me/login");
  }
  sessionStorage.removeItem(AUTO_LOGIN_KEY);
  await ui.startWork(session.user);
  model.subscribe((kind, payload) => ui.onModel(kind, payload));
  new LiveStream(session.token, model, connectionIndicator).start();
  bindControls(ui);
  everyTick(() => ui.tick());
}

class Desktop {
  constructor(model, me) {
    this.model = model;
    this.me = me;
    this.lastDialed = "";
    this.fetchingCalls = null;
    this.cdrAsked = new Set();
    this.reasons = [];
    this.directory = null; // colleagues for transfer/consult/internal calls, with presence
    this.directoryTimer = null;
    this.form = null; // the work-order form, the knowledge base and "my work" (startWork)
    this.kb = null;
    this.work = null;
    this.workReload = null;
  }

  /** The work-order side of the desktop: the form, the knowledge base, my work. */
  async startWork(user) {
    const now = () => this.model.now();
    this.form = new OrderForm({ userId: user.id, now });
    this.kb = new KbPanel({ onAnswer: (article) => this.form.answerWith(article) });
    this.work = new MyWork({ now, openOrder: (id) => this.form.open(id), isLeader: atLeast(user, "leader") });
    this.form.onChange = () => this.reloadWork();
    this.form.bind();
    this.kb.bind();
    this.work.bind();
    bindTabs((tab) => {
      if (tab === "work") this.work.load();
    });
    onLangChange(() => {
      this.fillSelects();
      this.form.relabel();
      this.work.render();
    });
    try {
      await this.form.loadReference();
    } catch (error) {
      toast(errorText(error));
    }
    this.work.load();
  }

  /** Orders changed: "my work" again, once for a burst of events. */
  reloadWork() {
    clearTimeout(this.workReload);
    this.workReload = setTimeout(() => this.work?.load(), 500);
  }

  get agent() {
    return this.model.agents.get(this.me);
  }

  async loadReference(user) {
    const [reasons, queues] = await Promise.all([api("GET", "/reasons"), api("GET", "/queues")]);
    const order = ["break", "meal", "training", "meeting", "after_call", "other"];
    const rank = (r) => (order.includes(r) ? order.indexOf(r) : order.length);
    this.reasons = [...reasons].sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
    this.model.setQueueConfigs(queues);
    await this.refreshDirectory();
  }

  /** Colleagues with their presence (any agent may list them); kept fresh every few seconds. */
  async refreshDirectory() {
    try {
      this.directory = await api("GET", "/agents/directory");
    } catch {
      return; // offline: keep the last list; the next round retries
    }
    this.fillSelects();
    if (!this.directoryTimer) {
      this.directoryTimer = setInterval(() => {
        if (!document.hidden) this.refreshDirectory();
      }, DIRECTORY_REFRESH_MS);
    }
  }

  fillSelects() {
    const reasonSelect = $("nr-reason");
    const chosen = reasonSelect.value;
    reasonSelect.replaceChildren(...this.reasons.map((r) => el("option", { value: r }, reasonText(r))));
    if (chosen) reasonSelect.value = chosen;
    const queueOptions = () => [...this.model.queues.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((q) => el("option", { value: q.id }, q.name || q.id));
    for (const id of ["target-queue", "sim-queue"]) {
      const select = $(id);
      const value = select.value;
      select.replaceChildren(...queueOptions());
      if (value) select.value = value;
    }
    if (this.directory) {
      const others = this.directory.filter((a) => a.id !== this.me);
      fillColleagues($("target-agent"), others);
      fillColleagues($("internal-agent"), others);
    }
  }

  noProfile() {
    setText($("state-label"), t("agent.no_profile"));
    for (const button of document.querySelectorAll(".statebar button, .call-panel button")) {
      button.disabled = true;
    }
  }

  // ---- events from the model -------------------------------------------------------------

  onModel(kind, payload) {
    if (kind === "event") {
      const ev = payload;
      if (ev.type === "agent_state_changed" && ev.agent_id === this.me) this.onMyState(ev);
      if (ev.type === "consult_answered") this.onConsultAnswered(ev);
      if (ev.type === "queue_changed") this.refreshQueues();
      if (ev.topic === "workorder" || ev.topic === "sla") {
        this.form?.onEvent(ev);
        this.reloadWork();
      }
      this.fetchStubs();
    }
    if (kind === "snapshot") this.fetchStubs();
    this.render();
  }

  onMyState(ev) {
    if (ev.new_state !== "reserved") this.lastDialed = ""; // the dial-out is answered or over
    if (ev.new_state === "wrap_up" || ev.new_state === "logged_out" || ev.old_state === "logged_out") {
      // today's tallies and any pending not-ready come from the server's own count
      api("GET", "/agents/me").then((snap) => this.model.mergeAgentExtras(snap)).catch(() => {});
    }
    if (ev.by && ev.by !== this.me) {
      const key = { not_ready: "notice.forced_not_ready", ready: "notice.forced_ready",
        logged_out: "notice.forced_logout" }[ev.new_state];
      if (key) toast(t(key), "info");
    }
  }

  /** The colleague I consult answered (their leg's own events go to them, not to me). */
  onConsultAnswered(ev) {
    const leg = this.model.calls.get(ev.consult_call_id);
    if (leg && leg.state !== "ended") {
      leg.state = "talking";
      leg.agent_id = ev.target_agent_id;
    }
  }

  async refreshQueues() {
    try {
      this.model.setQueueConfigs(await api("GET", "/queues"));
      this.fillSelects();
    } catch {
      /* the next change retries */
    }
  }

  /** An offer arrives without the caller's number: fetch the agent's calls once to fill it. */
  fetchStubs() {
    const needs = [...this.model.calls.values()].some((c) => c.stub);
    if (!needs || this.fetchingCalls) return;
    this.fetchingCalls = api("GET", "/calls")
      .then((list) => this.model.mergeCalls(list))
      .catch(() => {})
      .finally(() => {
        this.fetchingCalls = null;
      });
  }

  // ---- which view --------------------------------------------------------------------------

  ringingCall() {
    return [...this.model.calls.values()].find((c) => c.state === "offered" && c.offered_to.includes(this.me));
  }

  activeCall() {
    const a = this.agent;
    if (!a || !a.call_id) return undefined;
    return this.model.calls.get(a.call_id);
  }

  /** The call the screen pop describes: ringing, current, or the one just finished. */
  focusCall() {
    const a = this.agent;
    if (!a) return undefined;
    if (a.state === "reserved") return this.ringingCall() || this.activeCall();
    if (IN_CALL.has(a.state)) return this.activeCall();
    if (a.state === "wrap_up") return this.model.recent.get(a.wrap_call_id);
    return undefined;
  }

  view() {
    const a = this.agent;
    if (!a) return "idle";
    if (a.state === "reserved") {
      const c = this.activeCall();
      if (c && c.state === "dialing") return "dialing";
      // my internal call (内呼), ringing at the colleague
      if (c && c.state === "offered" && !(c.offered_to || []).includes(this.me)) return "dialing";
      if (!c && this.lastDialed && !this.ringingCall()) return "dialing";
      return "ringing";
    }
    if (IN_CALL.has(a.state)) return "active";
    if (a.state === "wrap_up") return "wrapup";
    return "idle";
  }

  // ---- rendering ---------------------------------------------------------------------------

  render() {
    const a = this.agent;
    if (!a) return;
    const view = this.view();
    for (const name of ["idle", "ringing", "dialing", "active", "wrapup"]) {
      $(`view-${name}`).hidden = name !== view;
    }
    setText($("agent-ext"), a.extension || "—");
    this.renderStateBar(a);
    if (view === "idle") this.renderIdle(a);
    if (view === "ringing") this.renderRinging();
    if (view === "dialing") this.renderDialing();
    if (view === "active") this.renderActive(a);
    if (view === "wrapup") this.renderWrapup(a);
    this.renderPop();
    this.renderHistory();
    this.renderNorms(a, view);
    this.followCall(a, view);
    this.tick();
  }

  /** The form opens with the call: the ringing call shows the screen pop; once answered, the
   *  call's order opens beside it (after a reload too, and in wrap-up). */
  followCall(a, view) {
    if (!this.form) return;
    if (view === "ringing" && this.lastView !== "ringing") selectTab("pop");
    this.lastView = view;
    let call = null;
    if (view === "active") call = this.activeCall();
    if (view === "wrapup") call = this.model.recent.get(a.wrap_call_id) || { id: a.wrap_call_id };
    if (!call?.id || call.consult_for || call.direction === "internal") return;
    if (view === "wrapup" && this.form.order) return; // the agent may have opened another order
    this.form.openForCall(call.id);
  }

  /** What the service norms (NORMS §3-§5) ask of the agent at this moment. */
  renderNorms(a, view) {
    let key = view;
    if (view === "idle") key = a.state;
    if (view === "active") key = a.state === "on_hold" ? "on_hold" : a.state === "consulting" ? "consulting" : "active";
    const lines = t(`norms.${key}`).split("|");
    const list = $("norms-list");
    const stamp = `${key}:${document.documentElement.lang}`;
    if (list.dataset.key === stamp) return;
    list.dataset.key = stamp;
    list.replaceChildren(...lines.map((line) => el("li", {}, line)));
  }

  renderStateBar(a) {
    const pill = $("state-pill");
    pill.dataset.state = a.state;
    setText($("state-label"), t(`state.${a.state}`));
    const reason = a.state === "not_ready" && a.reason ? reasonText(a.reason) : "";
    setText($("state-reason"), reason);
    const loggedOut = a.state === "logged_out";
    $("btn-login").hidden = !loggedOut;
    $("btn-logout").hidden = loggedOut;
    $("btn-logout").disabled = !["ready", "not_ready", "wrap_up"].includes(a.state);
    $("btn-ready").disabled = !["not_ready", "wrap_up"].includes(a.state) &&
      !(a.pending_not_ready && (IN_CALL.has(a.state) || a.state === "reserved"));
    $("btn-not-ready").disabled = loggedOut;
    $("nr-reason").disabled = loggedOut;
    const pending = a.pending_not_ready
      ? t("agent.pending_not_ready", { reason: reasonText(a.pending_not_ready) }) : "";
    setText($("pending-note"), pending);
    setText($("today-calls"), String(a.calls_today || 0));
    const calls = a.calls_today || 0;
    setText($("today-aht"), calls ? duration((a.talk_seconds_today || 0) / calls) : "—");
    setText($("today-talk"), duration(a.talk_seconds_today || 0));
  }

  renderIdle(a) {
    const key = { ready: "idle.ready", not_ready: "idle.not_ready", logged_out: "idle.logged_out" }[a.state];
    setText($("idle-text"), key ? t(key) : "");
    $("btn-dial").disabled = !["ready", "not_ready"].includes(a.state);
  }

  renderRinging() {
    const c = this.ringingCall();
    const number = $("ring-number");
    if (!c) {
      setText(number, "…");
      return;
    }
    const internal = c.direction === "internal" || c.consult_for;
    const colleague = c.direction === "internal" && !c.consult_for;
    setText($("ring-title"), t(colleague ? "call.incoming_colleague"
      : internal ? "call.incoming_internal" : "call.incoming"));
    setText(number, c.caller || "…");
    number.dataset.callId = c.id;
    setText($("ring-customer"), colleague ? this.colleagueByExtension(c.caller)?.name || "" : customerLine(c));
  }

  renderDialing() {
    const c = this.activeCall();
    const internal = c?.direction === "internal";
    const label = $("dialing-label");
    label.dataset.i18n = internal ? "call.dialing_colleague" : "call.dialing";
    setText(label, t(label.dataset.i18n));
    const who = internal ? this.colleagueByExtension(c.callee) : null;
    setText($("dialing-number"), who ? `${c.callee} ${who.name}` : c?.callee || this.lastDialed || "—");
  }

  renderActive(a) {
    const c = this.activeCall();
    if (!c) return;
    const label = {
      consulting: "call.label_consulting", conference: "call.label_conference", on_hold: "call.label_on_hold",
    }[a.state] || (c.consult_for || c.direction === "internal" ? "call.label_internal"
      : c.direction === "outbound" ? "call.label_outbound" : "call.label_inbound");
    setText($("active-label"), t(label));
    const mine = c.direction === "outbound" || (c.direction === "internal" && !c.consult_for
      && c.caller === (a.extension || this.me));
    setText($("active-number"), mine ? c.callee : c.caller || "—");
    const queue = this.model.queues.get(c.queue_id);
    const meta = [customerLine(c) || null, queue ? queue.name : null, c.priority > 0 ? t("call.priority", { n: c.priority }) : null,
      c.conference ? t("call.conference_with", { n: c.conference.length + 1 }) : null].filter(Boolean);
    setText($("active-meta"), meta.join(" · "));
    const leg = c.consult_for;
    const consulting = a.state === "consulting";
    $("btn-hold").disabled = !["talking", "on_hold"].includes(a.state);
    setText($("hold-text"), t(a.state === "on_hold" ? "action.retrieve" : "action.hold"));
    $("btn-transfer").disabled = leg || !["talking", "on_hold", "consulting"].includes(a.state);
    const transferText = $("btn-transfer").querySelector("span");
    transferText.dataset.i18n = consulting ? "action.complete_transfer" : "action.transfer";
    setText(transferText, t(transferText.dataset.i18n));
    $("btn-consult").disabled = leg || !["talking", "on_hold"].includes(a.state);
    $("btn-conference").disabled = !consulting;
    $("btn-cancel-consult").disabled = !consulting;
    $("btn-hangup").disabled = consulting;
    $("target").disabled = leg || a.state === "conference";
    let status = "";
    if (consulting && c.consult_call_id) {
      const legCall = this.model.calls.get(c.consult_call_id);
      const who = legCall?.target_number || this.colleagueName(legCall?.target_agent_id) || "";
      const answered = legCall && legCall.state === "talking";
      status = t(answered ? "consult.answered" : "consult.calling", { who });
    } else if (a.state === "conference") {
      status = t("consult.conference");
    }
    setText($("consult-status"), status);
    this.syncTargetInputs();
  }

  renderWrapup(a) {
    const hint = a.pending_not_ready
      ? t("wrap.then_not_ready", { reason: reasonText(a.pending_not_ready) }) : t("wrap.then_ready");
    setText($("wrap-hint"), hint);
    const known = this.model.recent.get(a.wrap_call_id) || this.model.calls.get(a.wrap_call_id);
    if (!known && a.wrap_call_id && !this.cdrAsked.has(a.wrap_call_id)) {
      // after a reload the finished call is not in the stream: its record names the queue
      const id = a.wrap_call_id;
      this.cdrAsked.add(id);
      api("GET", `/calls/${id}`).then((cdr) => {
        if (this.model.recent.has(id)) return;
        this.model.recent.set(id, { id, queue_id: cdr.queue_id, caller: cdr.caller, callee: cdr.callee,
          direction: cdr.direction, consult_for: null, data: {}, state: "ended", ended_by: cdr.ended_by,
          talk: cdr.talk_seconds, ended_at: cdr.ended_at ? parseServerTime(cdr.ended_at) / 1000 : null });
        this.render();
      }).catch(() => {});
    }
  }

  wrapSeconds(a) {
    const call = this.model.recent.get(a.wrap_call_id) || this.model.calls.get(a.wrap_call_id);
    if (!call) return null;
    const queue = this.model.queues.get(call.queue_id);
    return queue && typeof queue.wrapup_seconds === "number" ? queue.wrapup_seconds : null;
  }

  renderPop() {
    const c = this.focusCall();
    const queue = c ? this.model.queues.get(c.queue_id) : null;
    setText($("pop-caller"), c ? c.pop?.caller_display || c.caller || "—" : "—");
    setText($("pop-callee"), c ? c.callee || "—" : "—");
    setText($("pop-queue"), queue ? queue.name : "—");
    setText($("pop-priority"), c ? (c.priority > 0 ? t("call.priority", { n: c.priority }) : t("pop.normal")) : "—");
    const ivr = c?.data?.ivr && Object.keys(c.data.ivr).length
      ? Object.entries(c.data.ivr).map(([k, v]) => `${k}: ${v}`).join(", ") : "—";
    setText($("pop-ivr"), ivr);
    if (c) this.lookUp(c);
    const card = $("pop-customer");
    const stamp = `${c?.id}:${c?.pop ? "pop" : c?.popFailed ? "none" : "wait"}:${c?.caller}:${document.documentElement.lang}`;
    if (card.dataset.key === stamp) return;
    card.dataset.key = stamp;
    card.replaceChildren(...this.customerCard(c));
    const orders = c?.pop?.work_orders?.open;
    $("pop-orders").replaceChildren(...(orders && orders.length
      ? orders.slice(0, 5).map((o) => el("li", { title: o.title },
        o.urgent ? el("span", { class: "urgent" }, "急") : null,
        el("span", { class: "num" }, o.number), o.title || "", " · ", o.state))
      : [el("li", { class: "muted" }, c?.pop?.work_orders ? t("pop.no_orders") : "—")]));
    const recent = c?.pop?.recent_calls || [];
    if (!recent.length) $("pop-recent-body").replaceChildren(emptyRow(c?.pop ? t("pop.no_history") : "—"));
    else $("pop-recent-body").replaceChildren(...recent.map((r) => el("tr", {},
      el("td", {}, shortDateTime(r.arrived_at)),
      el("td", {}, this.model.queues.get(r.queue_id)?.name || r.queue_id || "—"),
      el("td", { class: "num" }, r.talk_seconds ? duration(r.talk_seconds) : "—"),
      el("td", {}, outcomeText(r.outcome)))));
  }

  /** The customer as the screen pop found them (or did not). */
  customerCard(c) {
    if (!c) return [el("p", { class: "muted" }, t("pop.no_call"))];
    if (c.consult_for || c.direction === "internal") return [el("p", { class: "muted" }, t("pop.internal"))];
    const pop = c.pop;
    if (!pop) return [el("p", { class: "muted" }, t(c.popFailed ? "pop.lookup_failed" : "pop.looking_up"))];
    const who = pop.customer;
    if (who) {
      return [
        el("p", { class: "customer-name" }, who.name || "—",
          who.vip_level > 0 ? el("span", { class: "vip" }, `VIP ${who.vip_level}`) : null),
        who.address ? el("p", {}, who.address) : null,
        who.tags?.length ? el("p", {}, ...who.tags.map((tag) => el("span", { class: "tag" }, tag))) : null,
        who.notes ? el("p", { class: "notes" }, who.notes) : null,
      ].filter(Boolean);
    }
    const number = pop.caller_display || c.caller || "";
    if (pop.matches?.length) {
      return [el("p", {}, t("pop.several", { names: pop.matches.map((m) => m.name).join("、") }))];
    }
    return [el("p", { class: "muted" }, t(pop.new_caller ? "pop.new_caller" : "pop.no_customer_for", { number }))];
  }

  /** A call with no pop from the server (after a reload, or dialled out): look the number up. */
  lookUp(c) {
    if (c.pop || c.popAsked || c.consult_for || c.direction === "internal" || !c.caller) return;
    const number = c.direction === "outbound" ? c.callee : c.caller;
    if (!number) return;
    // an inbound offer's pop is on its way from the server; ask only if it has not come soon
    const wait = c.direction === "inbound" && c.state === "offered" ? 1500 : 0;
    c.popAsked = true;
    setTimeout(() => {
      if (c.pop) return;
      api("GET", `/customers/lookup?phone=${encodeURIComponent(number)}`).then((matches) => {
        if (c.pop) return;
        const exact = matches.filter((m) => m.match === "exact");
        c.pop = { caller: number, customer: exact.length === 1 ? exact[0] : null, matches,
          recent_calls: [], new_caller: matches.length === 0, partial: true };
        this.render();
      }).catch(() => {
        c.popFailed = true;
        this.render();
      });
    }, wait);
  }

  renderHistory() {
    const rows = [...this.model.recent.values()].filter((c) => !c.consult_for && c.ended_at).reverse().slice(0, 8);
    const body = $("history-body");
    const key = rows.map((c) => `${c.id}:${c.ended_by}`).join("|") + applyLangKey();
    if (body.dataset.key === key) return;
    body.dataset.key = key;
    if (!rows.length) {
      body.replaceChildren(emptyRow(t("pop.no_history")));
      return;
    }
    body.replaceChildren(...rows.map((c) => el("tr", {},
      el("td", {}, new Date(c.ended_at * 1000).toLocaleTimeString("en-GB", { hour12: false }).slice(0, 5)),
      el("td", {}, c.direction === "outbound" ? c.callee : c.caller),
      el("td", { class: "num" }, duration(c.talk ?? (c.answered_at ? c.ended_at - c.answered_at : 0))),
      el("td", {}, t(`ended.${c.state === "abandoned" ? "abandoned" : c.ended_by || "other"}`)),
    )));
  }

  /** Timers: time in state, talk, hold against the norm, ringing, wrap-up countdown. */
  tick() {
    const a = this.agent;
    if (!a) return;
    const now = this.model.now();
    setText($("state-timer"), duration(now - a.since));
    const view = this.view();
    if (view === "ringing") {
      const c = this.ringingCall();
      if (c) {
        const queue = this.model.queues.get(c.queue_id);
        const parts = [queue ? queue.name : null,
          c.enqueued_at ? t("call.waited", { t: duration((c.offered_at ?? now) - c.enqueued_at) }) : null,
          t("call.ringing", { t: duration(now - (c.offered_at ?? now)) }),
          c.priority > 0 ? t("call.priority", { n: c.priority }) : null].filter(Boolean);
        setText($("ring-meta"), parts.join(" · "));
      }
    }
    if (view === "dialing") {
      const c = this.activeCall();
      setText($("dialing-timer"), duration(now - (c?.arrived_at ?? a.since)));
    }
    if (view === "active") {
      const c = this.activeCall();
      const customer = c;
      setText($("talk-timer"), c?.answered_at ? duration(now - c.answered_at) : duration(now - a.since));
      const box = $("hold-box");
      if (customer && customer.held_since !== null && customer.held_since !== undefined) {
        const held = now - customer.held_since;
        const level = holdLevel(held);
        box.dataset.level = level;
        setText($("hold-timer"), duration(held));
        setText($("hold-norm"), t(level === "over" ? "hold.over" : "hold.norm", { s: HOLD_LIMIT_S }));
      } else {
        box.dataset.level = "idle";
        setText($("hold-timer"), "—");
        setText($("hold-norm"), t("hold.norm", { s: HOLD_LIMIT_S }));
      }
      $("state-pill").dataset.hold = box.dataset.level;
    } else {
      $("state-pill").dataset.hold = "idle";
    }
    if (view === "wrapup") {
      const total = this.wrapSeconds(a);
      const elapsed = now - a.since;
      if (total === null) {
        setText($("wrap-countdown"), duration(elapsed));
        $("wrap-progress").value = 0;
      } else {
        const left = Math.max(0, total - elapsed);
        setText($("wrap-countdown"), duration(Math.ceil(left)));
        $("wrap-progress").value = total > 0 ? left / total : 0;
      }
    }
    this.form?.tick();
    this.work?.tick();
    const focus = this.focusCall();
    setText($("pop-waited"), focus?.enqueued_at && focus.queue_id
      ? duration((focus.answered_at ?? focus.offered_at ?? now) - focus.enqueued_at) : "—");
  }

  colleagueName(id) {
    if (!id) return "";
    const a = this.directory?.find((x) => x.id === id) || this.model.agents.get(id);
    return a ? `${a.extension || ""} ${a.name}`.trim() : id.slice(0, 8);
  }

  colleagueByExtension(extension) {
    return extension ? this.directory?.find((x) => x.extension === extension && x.id !== this.me) : undefined;
  }

  syncTargetInputs() {
    const kind = $("target-kind").value;
    $("target-queue").hidden = kind !== "queue";
    $("target-agent").hidden = kind !== "agent";
    $("target-number").hidden = kind !== "number";
  }

  target() {
    const kind = $("target-kind").value;
    if (kind === "queue") return { to_queue_id: $("target-queue").value || null };
    if (kind === "agent") return { to_agent_id: $("target-agent").value || null };
    const number = $("target-number").value.trim();
    return { to_number: number || null };
  }
}

/** Options "8002 李娜 · 空闲", same order as the server's list; logged-out colleagues cannot be
 * picked. The choice survives a refresh unless that colleague logged out. */
function fillColleagues(select, colleagues) {
  const value = select.value;
  select.replaceChildren(...colleagues.map((a) => el("option", {
    value: a.id,
    disabled: a.presence === "logged_out",
    "data-presence": a.presence,
  }, `${a.extension ? `${a.extension} ` : ""}${a.name} · ${t(`presence.${a.presence}`)}`)));
  const keep = colleagues.find((a) => a.id === value && a.presence !== "logged_out");
  const first = colleagues.find((a) => a.presence === "available")
    || colleagues.find((a) => a.presence !== "logged_out");
  select.value = keep?.id || first?.id || "";
}

/** "陈建国 · VIP 2" for the banner and the call header: agents address callers by surname. */
function customerLine(c) {
  const who = c?.pop?.customer;
  if (!who) return c?.pop?.new_caller ? t("pop.new_caller_short") : "";
  return [who.name, who.vip_level > 0 ? `VIP ${who.vip_level}` : null].filter(Boolean).join(" · ");
}

function emptyRow(text) {
  return el("tr", { class: "empty-row" }, el("td", { colspan: "4" }, text));
}

function outcomeText(outcome) {
  const key = `outcome.${outcome}`;
  const text = t(key);
  return text === key ? outcome || "—" : text;
}

function shortDateTime(iso) {
  const d = new Date(parseServerTime(iso));
  if (Number.isNaN(d.getTime())) return "—";
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function reasonText(reason) {
  const key = `reason.${reason}`;
  const text = t(key);
  return text === key ? reason : text;
}

function applyLangKey() {
  return document.documentElement.lang;
}


// started last: the classes above must exist first
const session = requireSession();
if (session) start(session);
