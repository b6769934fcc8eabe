// The agent's side of the floor (NORMS §5), in the state bar's #floor-panel: messages from the
// leader (unread badge, list, mark read) and "request a break" with its pending / approved /
// refused status, a start button once approved and a countdown while on the break.
// It listens on a stream of its own (agent.js owns the desktop's); only floor events matter here.

import { api, getSession } from "../shared/api.js";
import { duration, el, parseServerTime, setText } from "../shared/format.js";
import { onLangChange, t } from "../shared/i18n.js";
import { act, errorText, toast } from "../shared/shell.js";

const OPEN = new Set(["pending", "approved", "started"]);

class AgentFloor {
  constructor(root, session) {
    this.root = root;
    this.me = session.user.id;
    this.token = session.token;
    this.messages = [];
    this.unread = 0;
    this.request = null; // the latest break request
    this.reasons = [];
    this.limits = null;
  }

  async start() {
    if (!document.querySelector('link[href="css/floor.css"]')) {
      document.head.append(el("link", { rel: "stylesheet", href: "css/floor.css" }));
    }
    this.build();
    onLangChange(() => this.render());
    await this.reload();
    // the desktop's own event stream (js/shared/live.js), not a second socket
    document.addEventListener("helpline:snapshot", () => this.reload());
    document.addEventListener("helpline:event", (event) => this.onEvent(event.detail));
    setInterval(() => this.tick(), 250);
  }

  async reload() {
    try {
      const [inbox, mine, reasons, limits] = await Promise.all([api("GET", "/floor/messages"),
        api("GET", "/floor/breaks?mine=true"), api("GET", "/reasons"), api("GET", "/floor/settings")]);
      this.messages = inbox.items;
      this.unread = inbox.unread;
      this.request = mine[0] || null;
      this.reasons = reasons;
      this.limits = limits;
      this.fillReasons();
      this.render();
    } catch (error) {
      console.warn("floor panel not loaded", error);
    }
  }

  onEvent(ev) {
    if (ev.type === "leader_message" && ev.ids?.[this.me] !== undefined) {
      this.messages.unshift({ id: ev.ids[this.me], body: ev.body, from_name: ev.from_name, to_all: ev.to_all,
        created_at: new Date(ev.at * 1000).toISOString(), read_at: null });
      this.unread += 1;
      this.render();
      toast(t("floor.msg_toast", { name: ev.from_name || t("floor.leader"), body: ev.body }), "info");
    } else if (ev.type === "break_updated" && ev.agent_id === this.me) {
      const previous = this.request?.status;
      this.request = ev.request;
      this.render();
      if (previous !== ev.request.status && ["approved", "refused"].includes(ev.request.status)) {
        toast(t(`floor.break_${ev.request.status}_toast`), "info");
      }
    }
  }

  build() {
    this.msgCount = el("span", { class: "floor-badge", "aria-hidden": "true" });
    this.msgList = el("ol", { class: "floor-list", id: "floor-messages" });
    this.msgSummary = el("summary", { class: "btn small" }, el("span", { dataset: { i18n: "floor.messages" } }),
      " ", this.msgCount);
    this.msgBox = el("details", { class: "floor-pop msg-pop", id: "floor-msg-box" }, this.msgSummary,
      el("div", { class: "floor-pop-body" },
        el("div", { class: "row between" }, el("strong", { dataset: { i18n: "floor.messages_title" } }),
          el("button", { type: "button", class: "btn tiny", id: "floor-read-all", dataset: { i18n: "floor.read_all" },
            onclick: () => this.readAll() })),
        this.msgList, el("p", { class: "empty", id: "floor-no-messages", dataset: { i18n: "floor.no_messages" } })));
    this.msgBox.addEventListener("toggle", () => {
      if (this.msgBox.open && this.unread) this.readAll();
    });

    this.reasonSelect = el("select", { id: "floor-reason", required: true });
    this.minutes = el("input", { id: "floor-minutes", type: "number", min: "1", max: "5", value: "5",
      required: true, inputmode: "numeric" });
    this.note = el("input", { id: "floor-note", maxlength: "200", autocomplete: "off" });
    this.form = el("form", { class: "floor-form", id: "floor-break-form" },
      el("label", { for: "floor-reason", dataset: { i18n: "floor.reason" } }), this.reasonSelect,
      el("label", { for: "floor-minutes", dataset: { i18n: "floor.minutes" } }), this.minutes,
      el("label", { for: "floor-note", dataset: { i18n: "floor.note" } }), this.note,
      el("button", { type: "submit", class: "btn small primary", dataset: { i18n: "floor.ask" } }));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.ask();
    });
    this.reasonSelect.addEventListener("change", () => this.fillLimit());
    this.breakBox = el("details", { class: "floor-pop break-pop", id: "floor-break-box" },
      el("summary", { class: "btn small", dataset: { i18n: "floor.request_break" } }),
      el("div", { class: "floor-pop-body" }, this.form));
    this.status = el("div", { class: "floor-status", id: "floor-break-status", role: "status",
      "aria-live": "polite" });
    this.root.replaceChildren(this.msgBox, this.breakBox, this.status);
  }

  fillReasons() {
    const value = this.reasonSelect.value;
    this.reasonSelect.replaceChildren(...this.reasons.map((r) => el("option", { value: r }, reasonText(r))));
    if (value && this.reasons.includes(value)) this.reasonSelect.value = value;
    this.fillLimit();
  }

  fillLimit() {
    if (!this.limits) return;
    const scheduled = this.limits.scheduled_reasons.includes(this.reasonSelect.value);
    const max = scheduled ? this.limits.max_break_minutes : Math.max(1, Math.floor(this.limits.absence_limit / 60));
    this.minutes.max = String(max);
    if (Number(this.minutes.value) > max) this.minutes.value = String(max);
  }

  render() {
    for (const node of this.root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const option of this.reasonSelect.options) option.textContent = reasonText(option.value);
    setText(this.msgCount, this.unread ? String(this.unread) : "");
    this.msgCount.hidden = !this.unread;
    this.msgSummary.setAttribute("aria-label", t("floor.messages_unread", { n: this.unread }));
    this.msgBox.dataset.unread = String(this.unread);
    this.msgList.replaceChildren(...this.messages.slice(0, 30).map((m) => el("li",
      { class: m.read_at ? "read" : "unread", dataset: { id: String(m.id) } },
      el("div", { class: "floor-meta" }, `${m.from_name || t("floor.leader")}${m.to_all ? ` · ${t("floor.to_all")}` : ""}`,
        " · ", timeOf(m.created_at)),
      el("div", { class: "floor-body" }, m.body))));
    this.root.querySelector("#floor-no-messages").hidden = this.messages.length > 0;
    this.renderBreak();
  }

  renderBreak() {
    const r = this.request;
    const open = r && OPEN.has(r.status);
    this.breakBox.hidden = Boolean(open);
    if (open) this.breakBox.open = false;
    const parts = [];
    if (r && (open || r.status === "refused")) {
      this.status.dataset.status = r.status;
      parts.push(el("span", { class: "floor-break-state" },
        t(`floor.status_${r.status}`, { reason: reasonText(r.reason), minutes: r.minutes })));
      if (r.decision_note) parts.push(el("span", { class: "floor-note-text" }, `“${r.decision_note}”`));
      if (r.status === "started") parts.push(el("span", { class: "floor-countdown timer", id: "floor-countdown" }));
      if (r.status === "approved") {
        parts.push(el("button", { type: "button", class: "btn small primary", id: "floor-start",
          onclick: () => this.change("start") }, t("floor.start")));
      }
      if (r.status === "pending" || r.status === "approved") {
        parts.push(el("button", { type: "button", class: "btn small ghost", id: "floor-cancel",
          onclick: () => this.change("cancel") }, t("floor.cancel")));
      }
      if (r.status === "refused") {
        parts.push(el("button", { type: "button", class: "btn tiny ghost", "aria-label": t("floor.dismiss"),
          onclick: () => { this.request = null; this.render(); } }, "×"));
      }
    } else {
      this.status.dataset.status = "none";
    }
    const key = JSON.stringify([r?.id, r?.status, r?.decision_note, document.documentElement.lang]);
    if (this.status.dataset.key !== key) {
      this.status.dataset.key = key;
      this.status.replaceChildren(...parts);
    }
    this.tick();
  }

  tick() {
    const node = this.status.querySelector("#floor-countdown");
    if (!node || !this.request?.ends_at) return;
    const left = this.request.ends_at - Date.now() / 1000;
    node.dataset.level = left <= 0 ? "over" : left <= 60 ? "warn" : "ok";
    setText(node, left <= 0 ? t("floor.overdue", { t: duration(-left) }) : t("floor.left", { t: duration(left) }));
  }

  async ask() {
    const body = { reason: this.reasonSelect.value, minutes: Number(this.minutes.value), note: this.note.value.trim() };
    try {
      this.request = await api("POST", "/floor/breaks", body);
      this.note.value = "";
      this.breakBox.open = false;
      this.render();
    } catch (error) {
      toast(errorText(error));
    }
  }

  async change(action) {
    const result = await act("POST", `/floor/breaks/${this.request.id}/${action}`);
    if (result) {
      this.request = result;
      this.render();
    }
  }

  async readAll() {
    const result = await act("POST", "/floor/messages/read");
    if (result) {
      this.messages = result.items;
      this.unread = result.unread;
      this.render();
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
  return Number.isNaN(ms) ? "" : new Date(ms).toLocaleTimeString("en-GB", { hour12: false, hour: "2-digit", minute: "2-digit" });
}

const root = document.getElementById("floor-panel");
const session = getSession();
if (root && session && session.expires > Date.now()) {
  // after agent.js has set the language; the panel fills itself once its data is in
  queueMicrotask(() => new AgentFloor(root, session).start());
}
