// "My work" (我的工作): callbacks due with their clocks (orders promised a callback, and IVR
// callback requests), and the orders I own or hold; a click opens an order in the form.
// Also the side panel's tabs (screen pop, knowledge base, my work).

import { api, ApiError } from "../shared/api.js";
import { duration, el, parseServerTime, setText } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { act, toast } from "../shared/shell.js";
import { stateText } from "./order_form.js";

const $ = (id) => document.getElementById(id);
const TABS = ["pop", "kb", "work"];
const REFRESH_MS = 30_000;

/** Select a tab of the side panel (WAI-ARIA tabs: arrows move between them). */
export function selectTab(name, { focus = false } = {}) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
}

export function bindTabs(onSelect) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    button.addEventListener("click", () => {
      selectTab(tab);
      onSelect?.(tab);
    });
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length];
      selectTab(next, { focus: true });
      onSelect?.(next);
    });
  }
}

export class MyWork {
  constructor({ now, openOrder, isLeader }) {
    this.now = now;
    this.openOrder = openOrder;
    this.isLeader = isLeader;
    this.callbacks = []; // [{kind: "order"|"ivr", due (epoch s) | null, ...}]
    this.orders = [];
    this.loading = null;
    this.ivrAllowed = true;
  }

  bind() {
    $("work-refresh").addEventListener("click", () => this.load());
    setInterval(() => this.load(), REFRESH_MS);
  }

  async load() {
    if (this.loading) return this.loading;
    this.loading = this.fetch().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  async fetch() {
    try {
      const [mine, due, ivr] = await Promise.all([
        api("GET", "/workorders/mine?page_size=50"),
        api("GET", "/workorders/callbacks"),
        // IVR callback requests: the server lists them to leaders and up
        this.isLeader && this.ivrAllowed ? api("GET", "/callbacks").catch((error) => {
          if (error instanceof ApiError && error.status === 403) this.ivrAllowed = false;
          return [];
        }) : Promise.resolve([]),
      ]);
      this.orders = mine.items;
      this.callbacks = [
        ...due.map((d) => ({ kind: "order", id: d.order.id, order: d.order,
          due: parseServerTime(d.clock.due) / 1000, label: d.order.number, title: d.order.title || d.order.caller_number })),
        ...ivr.map((c) => ({ kind: "ivr", id: c.id, due: null, requested: parseServerTime(c.requested_at) / 1000,
          label: c.number, title: t("work.ivr_request") })),
      ];
      this.render();
    } catch {
      /* the next refresh tries again */
    }
  }

  render() {
    const count = this.callbacks.length;
    const badge = $("work-badge");
    badge.hidden = count === 0;
    setText(badge, String(count));
    badge.setAttribute("aria-label", t("work.callbacks_due", { n: count }));
    $("work-callbacks").replaceChildren(...(count ? this.callbacks.map((c) => this.callbackItem(c))
      : [el("li", { class: "muted" }, t("work.no_callbacks"))]));
    $("work-orders").replaceChildren(...(this.orders.length ? this.orders.map((o) => this.orderItem(o))
      : [el("li", { class: "muted" }, t("work.no_orders"))]));
    this.tick();
  }

  callbackItem(c) {
    const open = c.kind === "order"
      ? el("button", { type: "button", class: "link", onclick: () => this.openOrder(c.id) }, c.label)
      : el("span", { class: "num" }, c.label);
    const done = c.kind === "ivr"
      ? el("button", { type: "button", class: "btn tiny", onclick: () => this.done(c) }, t("work.mark_done"))
      : el("button", { type: "button", class: "btn tiny", onclick: () => this.openOrder(c.id) }, t("work.open"));
    return el("li", { class: "work-item", dataset: { kind: c.kind, id: c.id } },
      el("span", { class: "work-clock timer", dataset: { due: c.due ?? "", since: c.requested ?? "" } }, "—"),
      open, el("span", { class: "work-title" }, c.title || ""), done);
  }

  orderItem(o) {
    const clock = (o.clocks || [])[0];
    return el("li", { class: "work-item", dataset: { id: o.id, number: o.number } },
      el("span", { class: "work-clock timer", dataset: { due: clock ? parseServerTime(clock.due) / 1000 : "" } },
        clock ? "" : "—"),
      el("button", { type: "button", class: "link", onclick: () => this.openOrder(o.id) }, o.number),
      el("span", { class: "work-title" }, o.urgent ? el("span", { class: "urgent" }, "急") : null,
        o.title || o.caller_number || t("work.untitled")),
      el("span", { class: "wo-state small", dataset: { state: o.state } }, stateText(o.state)));
  }

  async done(c) {
    const result = await act("POST", `/callbacks/${c.id}/done`);
    if (result) {
      toast(t("work.done", { number: c.label }), "info");
      this.load();
    }
  }

  /** Clocks: time left to the due time (red when past), or time since an IVR request. */
  tick() {
    const now = this.now();
    for (const node of document.querySelectorAll("#panel-work .work-clock")) {
      const due = Number(node.dataset.due);
      const since = Number(node.dataset.since);
      if (node.dataset.due) {
        const left = due - now;
        node.dataset.level = left <= 0 ? "over" : left <= 180 ? "warn" : "ok";
        setText(node, left <= 0 ? `+${duration(-left)}` : duration(left));
      } else if (node.dataset.since) {
        node.dataset.level = "ok";
        setText(node, duration(now - since));
      }
    }
  }
}
