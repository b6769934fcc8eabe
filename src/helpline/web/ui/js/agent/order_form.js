// The work-order form on the agent desktop (NORMS §4): it opens with the answered call (the
// order the server drafted for it), hints at missing fields as the agent types, keeps the
// draft (js/agent/drafts.js), shows the 15-minute completion clock, and sends the order in one
// click: submit, then to the leader on duty or a unit. The server's 422 names every bad
// field; each message goes beside its field.

import { api, ApiError } from "../shared/api.js";
import { DraftSync, dropDraft, keptOrderIds } from "./drafts.js";
import { duration, el, parseServerTime, setText } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { loadMeta, metaKey, metaValues } from "../shared/meta.js";
import { toast } from "../shared/shell.js";
import {
  CATEGORIES, completionClock, composeTitle, contentProblems, makeRules, needsLeader, requiredFor, TEXT_FIELDS,
} from "./wo_rules.js";

const $ = (id) => document.getElementById(id);
const FIND_TRIES = 20;
const FIND_PAUSE_MS = 400;
const NULL_WHEN_EMPTY = new Set(["reason_code", "unit_id", "customer_id", "answer_mode", "category"]);
const REPLYABLE = new Set(["submitted", "accepted", "in_progress"]);
const TIME_KEYS = ["created_at", "updated_at", "submitted_at", "closed_at", "call_ended_at"];

/** Server timestamps (ISO) as epoch seconds, as the clock helpers take them. */
export function orderTimes(view) {
  const order = { ...view };
  for (const key of TIME_KEYS) order[key] = view[key] ? parseServerTime(view[key]) / 1000 : null;
  order.clocks = (view.clocks || []).map((c) => ({ ...c, due: c.due ? parseServerTime(c.due) / 1000 : null }));
  return order;
}

export class OrderForm {
  constructor({ userId, now }) {
    this.userId = userId;
    this.now = now;
    this.rules = makeRules();
    this.units = [];
    this.order = null; // the server's view of the open order (times as epoch seconds)
    this.values = {};
    this.sync = null;
    this.touched = new Set();
    this.serverErrors = new Map(); // field -> message from the last refused request
    this.showAll = false; // after a send was refused: hint every missing field
    this.findingCall = null;
    this.followed = new Set(); // calls whose order was opened with them
    this.onChange = null; // the desktop refreshes "my work" when an order changes
  }

  async loadReference() {
    const [settings, fields, reasons, units, meta] = await Promise.all([
      api("GET", "/workorder-settings").catch(() => ({})),
      api("GET", "/workorder-fields").catch(() => []),
      api("GET", "/reason-codes").catch(() => []),
      api("GET", "/units").catch(() => []),
      loadMeta(),
    ]);
    this.rules = makeRules(settings, fields, reasons);
    this.units = units;
    this.buildChoices(meta);
    this.buildReasons();
    this.buildCustom();
    this.buildDestinations();
    this.syncKept();
  }

  /** The category radios and the answer modes: the domain's lists, named in the UI's language. */
  buildChoices(meta) {
    const radios = $("wo-categories");
    radios.replaceChildren(...metaValues(meta, "workorder_categories").map((value) => {
      const name = el("span", { "data-i18n": metaKey("workorder_categories", value) }, t(metaKey("workorder_categories", value)));
      return el("label", {}, el("input", { type: "radio", name: "category", value }), " ", name);
    }));
    const modes = $("wo-answer_mode");
    for (const option of [...modes.options].slice(1)) option.remove(); // keep "choose"
    for (const value of metaValues(meta, "answer_modes")) {
      const key = metaKey("answer_modes", value);
      modes.append(el("option", { value, "data-i18n": key }, t(key)));
    }
  }

  /** Drafts kept in this browser for orders not open now (typed offline, then the next call
   *  came): sent to the server now, and whenever the connection comes back. */
  async syncKept() {
    if (!navigator.onLine) return;
    for (const id of keptOrderIds(this.userId)) {
      if (id === this.order?.id) continue;
      try {
        const view = await api("GET", `/workorders/${encodeURIComponent(id)}`);
        if (!["draft", "submitted"].includes(view.state)) {
          dropDraft(this.userId, id); // finished meanwhile: nothing left to write into
          continue;
        }
        const sync = new DraftSync({ userId: this.userId, order: view, now: this.now });
        sync.restore(view.values, orderTimes(view).updated_at);
        if (sync.dirty) await sync.flush().catch(() => {});
        sync.close();
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) dropDraft(this.userId, id);
      }
    }
  }

  bind() {
    const form = $("wo-form");
    form.addEventListener("input", (event) => this.onInput(event));
    form.addEventListener("change", (event) => this.onInput(event));
    form.addEventListener("submit", (event) => event.preventDefault());
    $("btn-wo-send").addEventListener("click", () => this.send());
    $("btn-wo-new").addEventListener("click", () => this.create(null));
    $("btn-wo-new-empty").addEventListener("click", () => this.create(null));
    $("btn-wo-reply").addEventListener("click", () => this.reply());
    window.addEventListener("online", () => {
      this.renderSave(this.sync?.dirty ? "saving" : "saved");
      this.syncKept();
    });
    window.addEventListener("offline", () => this.renderSave("offline"));
  }

  // ---- finding and opening orders ----------------------------------------------------------

  /** The answered call's order: the server drafts it a moment after the answer. */
  async openForCall(callId) {
    if (!callId || this.followed.has(callId)) return;
    this.followed.add(callId); // once per call: the agent may open another order meanwhile
    if (this.order?.call_id === callId) return;
    this.findingCall = callId;
    try {
      for (let i = 0; i < FIND_TRIES && this.findingCall === callId; i += 1) {
        const found = await api("GET", `/workorders?call_id=${encodeURIComponent(callId)}`).catch(() => null);
        const item = found?.items?.[0];
        if (item) {
          if (this.findingCall === callId && this.order?.call_id !== callId) await this.open(item.id);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, FIND_PAUSE_MS));
      }
    } finally {
      if (this.findingCall === callId) this.findingCall = null;
    }
  }

  /** A live event about an order: the call's draft appeared, or the open order changed. */
  onEvent(ev) {
    if (ev.type === "work_order_created" && ev.call_id && ev.call_id === this.findingCall) {
      this.findingCall = null;
      this.open(ev.order_id);
      return;
    }
    if (this.order && ev.order_id === this.order.id && ev.type !== "work_order_edited") this.refresh();
    else if (this.order && ev.order_id === this.order.id && ev.by && ev.by !== this.userId) this.refresh();
  }

  async open(ref) {
    let view;
    try {
      view = await api("GET", `/workorders/${encodeURIComponent(ref)}`);
    } catch (error) {
      toast(error.message);
      return;
    }
    this.show(view);
  }

  async create(callId) {
    try {
      const view = await api("POST", "/workorders", callId ? { call_id: callId } : {});
      this.show(view);
      this.focusFirst();
      this.onChange?.();
    } catch (error) {
      toast(error.message);
    }
  }

  show(view) {
    const previous = this.sync;
    if (previous?.dirty) previous.flush().catch(() => {}).finally(() => previous.close()); // kept if it fails
    else previous?.close();
    this.order = orderTimes(view);
    this.touched = new Set();
    this.serverErrors = new Map();
    this.showAll = false;
    this.sync = new DraftSync({
      userId: this.userId,
      order: view,
      now: this.now,
      onStatus: (status, error) => this.onSaveStatus(status, error),
      onSaved: (saved) => this.onSaved(saved),
    });
    this.values = this.order.state === "draft" || this.order.state === "submitted"
      ? this.sync.restore(view.values, this.order.updated_at) : { ...view.values };
    this.fill();
    this.render();
    this.renderSave(this.sync.dirty ? (navigator.onLine ? "saving" : "offline") : "saved");
  }

  async refresh() {
    if (!this.order) return;
    try {
      const view = await api("GET", `/workorders/${this.order.id}`);
      if (view.id !== this.order?.id) return;
      this.order = orderTimes(view);
      this.values = this.sync.rebase(view.values);
      this.fill();
      this.render();
    } catch {
      /* the next event or send tries again */
    }
  }

  focusFirst() {
    const first = $("wo-form").querySelector("input:not([disabled]):not([hidden]), select, textarea");
    first?.focus();
  }

  // ---- the form's values ---------------------------------------------------------------------

  readForm() {
    const form = $("wo-form");
    const values = { ...this.values };
    const checked = form.querySelector('input[name="category"]:checked');
    values.category = checked ? checked.value : null;
    values.urgent = $("wo-urgent").checked;
    for (const node of form.querySelectorAll("input[name], select[name], textarea[name]")) {
      if (node.disabled || node.type === "radio" || node.type === "checkbox") continue;
      values[node.name] = this.fieldValue(node);
    }
    return values;
  }

  fieldValue(node) {
    const raw = node.value;
    const custom = this.rules.fields.find((f) => f.key === node.name);
    if (custom) {
      if (raw.trim() === "") return null;
      return custom.type === "number" ? Number(raw) : raw;
    }
    if (NULL_WHEN_EMPTY.has(node.name)) return raw.trim() === "" ? null : raw;
    return raw;
  }

  fill() {
    const form = $("wo-form");
    const v = this.values;
    for (const radio of form.querySelectorAll('input[name="category"]')) radio.checked = radio.value === v.category;
    $("wo-urgent").checked = v.urgent === true;
    for (const node of form.querySelectorAll("input[name], select[name], textarea[name]")) {
      if (node.type === "radio" || node.type === "checkbox" || node === document.activeElement) continue;
      const value = v[node.name];
      const text = value === null || value === undefined ? "" : String(value);
      if (node.value !== text) node.value = text;
    }
    this.renderBasis();
  }

  onInput(event) {
    const name = event.target.name;
    if (!name || !this.order) return;
    this.touched.add(name);
    this.serverErrors.delete(name);
    this.values = this.readForm();
    if (this.editable()) this.sync.change(this.values);
    this.render();
  }

  /** A direct answer from a knowledge-base article, citing it as the basis (NORMS §4.5). */
  answerWith(article) {
    if (!this.order) {
      toast(t("wo.no_order"));
      return;
    }
    const basis = [...(this.values.basis || [])].filter((b) => !(b.kind === "kb_article" && b.ref === article.id));
    basis.push({ kind: "kb_article", ref: article.id, title: article.title, clause: "" });
    const answer = (this.values.answer || "").trim();
    this.values = {
      ...this.values,
      category: this.values.category || "inquiry",
      answer_mode: "direct",
      answer: answer ? `${answer}\n${article.body}` : article.body,
      basis,
    };
    for (const name of ["category", "answer_mode", "answer", "basis"]) {
      this.touched.add(name);
      this.serverErrors.delete(name);
    }
    this.fill();
    if (this.editable()) this.sync.change(this.values);
    this.render();
    $("wo-basis").scrollIntoView({ block: "nearest" });
    toast(t("wo.cited", { title: article.title }), "info");
  }

  removeBasis(index) {
    const basis = [...(this.values.basis || [])];
    basis.splice(index, 1);
    this.values = { ...this.values, basis };
    this.touched.add("basis");
    if (this.editable()) this.sync.change(this.values);
    this.renderBasis();
    this.render();
  }

  editable() {
    return this.order && !["closed", "visited", "merged"].includes(this.order.state);
  }

  // ---- sending ------------------------------------------------------------------------------

  /** One click: save, submit (the server checks every field and routes complaint/help/urgent
   *  to the leader on duty), then hand it to the chosen leader or unit. */
  async send() {
    if (!this.order || this.sending) return;
    this.sending = true;
    $("btn-wo-send").disabled = true;
    const dest = $("wo-dest").value;
    try {
      this.values = this.readForm();
      this.sync.change(this.values);
      try {
        await this.sync.flush();
      } catch (error) {
        if (!(error instanceof ApiError && error.code === "conflict")) throw error;
        await this.sync.flush(); // once more: a concurrent change of the order went first
      }
      let view = null;
      if (this.order.state === "draft") {
        view = await api("POST", `/workorders/${this.order.id}/submit`);
        this.order = orderTimes(view);
      }
      const assignee = this.order.assignee;
      if (dest === "leader" && !(assignee && this.order.state === "assigned" && needsLeader(this.values))) {
        view = await api("POST", `/workorders/${this.order.id}/assign`, { kind: "leader" });
      } else if (dest.startsWith("unit:")) {
        const id = dest.slice(5);
        if (!(assignee?.kind === "unit" && assignee.id === id)) {
          view = await api("POST", `/workorders/${this.order.id}/assign`, { kind: "unit", id });
        }
      }
      if (view) {
        this.order = orderTimes(view);
        this.values = this.sync.rebase(view.values);
      }
      dropDraft(this.userId, this.order.id);
      this.serverErrors = new Map();
      this.showAll = false;
      toast(t("wo.sent", { number: this.order.number, state: stateText(this.order.state) }), "info");
      this.onChange?.();
    } catch (error) {
      this.refused(error);
    } finally {
      this.sending = false;
      this.render();
    }
  }

  /** An inquiry promised a callback (NORMS §4.5): the answer given on the callback is recorded,
   *  which meets the 15-minute callback clock. */
  async reply() {
    const text = $("wo-reply-text").value.trim();
    if (!this.order || !text) {
      toast(t("wo.reply_empty"));
      return;
    }
    try {
      const view = await api("POST", `/workorders/${this.order.id}/reply`, { text });
      this.order = orderTimes(view);
      $("wo-reply-text").value = "";
      toast(t("wo.replied", { number: this.order.number }), "info");
      this.onChange?.();
    } catch (error) {
      toast(error.message);
    }
    this.render();
  }

  refused(error) {
    if (!(error instanceof ApiError)) {
      toast(t("wo.offline_kept"));
      return;
    }
    const problems = error.fields?.problems || [];
    this.serverErrors = new Map();
    for (const p of problems) {
      if (!this.serverErrors.has(p.field)) this.serverErrors.set(p.field, problemText(p, this.rules));
    }
    if (!problems.length && error.fields?.fields) {
      for (const f of [].concat(error.fields.fields)) this.serverErrors.set(f, error.message);
    }
    this.showAll = true;
    const named = [...this.serverErrors.keys()].map((f) => fieldLabel(f, this.rules)).join(t("wo.list_sep"));
    toast(named ? t("wo.refused_fields", { fields: named }) : error.message);
    if (error.status === 409) this.refresh(); // the order moved on meanwhile
    const first = [...this.serverErrors.keys()][0];
    if (first) document.querySelector(`#wo-form [name="${first}"]`)?.focus();
  }

  onSaved(saved) {
    if (!this.order || saved.id !== this.order.id) return;
    const keepState = this.order;
    this.order = { ...orderTimes(saved), clocks: orderTimes(saved).clocks || keepState.clocks };
    this.render();
  }

  onSaveStatus(status, error) {
    if (status === "error" && error) {
      for (const p of error.fields?.problems || []) this.serverErrors.set(p.field, problemText(p, this.rules));
      this.render();
    }
    this.renderSave(status);
  }

  renderSave(status) {
    const node = $("wo-save");
    if (!this.order) return;
    const key = status === "saving" && !navigator.onLine ? "offline" : status;
    node.dataset.status = key;
    setText(node, t(`wo.save.${key}`));
  }

  // ---- rendering ----------------------------------------------------------------------------

  render() {
    const has = Boolean(this.order);
    $("wo-form").hidden = !has;
    $("wo-foot").hidden = !has;
    $("wo-empty").hidden = has;
    if (!has) return;
    const o = this.order;
    setText($("wo-number"), o.number);
    const stateNode = $("wo-state");
    stateNode.dataset.state = o.state;
    setText(stateNode, stateText(o.state));
    const v = this.values;
    setText($("wo-title"), composeTitle(v.location, v.summary, v.urgent) || "—");
    $("wo-answer-box").hidden = v.category !== "inquiry";
    for (const name of ["three_way_party"]) {
      document.querySelector(`[data-field="${name}"]`).hidden = v.answer_mode !== "three_way";
    }
    for (const name of ["answer", "basis"]) {
      document.querySelector(`[data-field="${name}"]`).hidden = v.answer_mode === "three_way";
    }
    $("wo-reply-box").hidden = !(v.answer_mode === "callback" && REPLYABLE.has(o.state));
    const required = v.category ? requiredFor(this.rules, v.category) : new Set();
    for (const node of document.querySelectorAll("#wo-form [data-field]")) {
      const name = node.dataset.field;
      const isRequired = required.has(name) || name === "category" ||
        (v.category === "inquiry" && (name === "answer_mode" ||
          (v.answer_mode === "direct" && (name === "answer" || name === "basis")) ||
          (v.answer_mode === "three_way" && name === "three_way_party")));
      node.dataset.required = isRequired ? "true" : "false";
    }
    this.renderHints();
    const fixed = !this.editable();
    for (const node of $("wo-form").elements) node.disabled = fixed || (node.id === "wo-reason_code-text"
      ? this.rules.reasons.size > 0 : node.id === "wo-reason_code" ? this.rules.reasons.size === 0 : false);
    const dest = $("wo-dest");
    const auto = dest.querySelector('option[value="auto"]');
    if (auto) setText(auto, t(needsLeader(v) ? "wo.dest.auto_leader" : "wo.dest.auto_keep"));
    $("btn-wo-send").disabled = fixed || this.sending;
    this.tick();
  }

  /** Hints as the agent types: a field touched (or every field after a refused send) shows
   *  what it lacks; the server's own message wins while the field is unchanged. */
  renderHints() {
    const local = new Map();
    for (const p of contentProblems(this.values, this.rules)) {
      if (!local.has(p.field)) local.set(p.field, p);
    }
    for (const node of document.querySelectorAll("#wo-form .wo-err")) {
      const name = node.id.slice("wo-err-".length);
      const server = this.serverErrors.get(name);
      const mine = local.get(name);
      const show = server || (mine && (this.showAll || this.touched.has(name)) ? problemText(mine, this.rules) : "");
      setText(node, show || "");
      if (show) node.title = show;
      else node.removeAttribute("title");
      node.dataset.source = server ? "server" : "local";
      const field = node.closest("[data-field]");
      if (field) field.dataset.invalid = show ? "true" : "false";
    }
    for (const name of this.serverErrors.keys()) {
      if (!$(`wo-err-${name}`)) {
        // a field the form does not show: name it in the summary line
        local.set(name, { field: name, code: "server" });
      }
    }
    // in the order the form shows them
    const position = [...document.querySelectorAll("#wo-form [data-field]")].map((n) => n.dataset.field);
    const rank = (name) => (position.includes(name) ? position.indexOf(name) : position.length);
    const missing = [...local.keys()].sort((a, b) => rank(a) - rank(b));
    setText($("wo-missing"), this.order.state !== "draft" ? "" : missing.length
      ? t("wo.missing", { n: missing.length, fields: missing.map((f) => fieldLabel(f, this.rules)).join(t("wo.list_sep")) })
      : t("wo.complete"));
    $("wo-missing").dataset.ok = missing.length ? "false" : "true";
  }

  renderBasis() {
    const list = $("wo-basis");
    const basis = this.values.basis || [];
    if (!basis.length) {
      list.replaceChildren(el("li", { class: "muted" }, t("wo.basis_none")));
      return;
    }
    list.replaceChildren(...basis.map((b, index) => el("li", { class: "wo-basis-item", dataset: { ref: b.ref } },
      el("span", { class: "basis-kind" }, t(`wo.basis.${b.kind}`)),
      el("span", { class: "basis-title" }, b.title || b.ref),
      el("button", { type: "button", class: "btn tiny ghost", "aria-label": t("wo.basis_remove", { title: b.title || b.ref }),
        onclick: () => this.removeBasis(index) }, "×"))));
  }

  /** The 15-minute completion clock (NORMS §4.4), from the order's own timestamps. */
  tick() {
    const box = $("wo-clock");
    const clock = completionClock(this.order, this.now(), this.rules.completionS);
    box.dataset.level = clock.level;
    let time = "—";
    let note = "";
    if (clock.level === "waiting") {
      time = duration(this.rules.completionS);
      note = t("wo.clock.waiting");
    } else if (clock.level === "ok" || clock.level === "warn") {
      time = duration(Math.ceil(clock.left));
      note = t("wo.clock.left");
    } else if (clock.level === "over") {
      time = `+${duration(-clock.left)}`;
      note = t("wo.clock.over");
    } else if (clock.level === "met" || clock.level === "late") {
      note = t(`wo.clock.${clock.level}`);
      time = clock.level === "met" ? "✓" : "!";
    }
    setText($("wo-clock-time"), time);
    setText($("wo-clock-note"), note);
  }

  // ---- reference data into the form -----------------------------------------------------------

  buildReasons() {
    const select = $("wo-reason_code");
    const leaves = this.rules.reasons.leaves();
    select.replaceChildren(el("option", { value: "" }, t("wo.choose")),
      ...leaves.map((n) => el("option", { value: n.code, dataset: { cats: (n.categories || []).join(" ") } },
        this.rules.reasons.label(n.code))));
    const text = $("wo-reason_code-text");
    select.hidden = leaves.length === 0;
    text.hidden = leaves.length > 0;
    if (this.order) this.fill();
  }

  buildCustom() {
    const box = $("wo-custom");
    box.replaceChildren(...this.rules.fields.map((f) => {
      const id = `wo-${f.key}`;
      let input;
      if (f.type === "choice") {
        input = el("select", { id, name: f.key, "aria-describedby": `wo-err-${f.key}` },
          el("option", { value: "" }, t("wo.choose")), ...(f.options || []).map((o) => el("option", { value: o }, o)));
      } else if (f.type === "tree_choice") {
        const tree = (f.tree || []).filter((n) => !(f.tree || []).some((m) => m.parent === n.code));
        input = el("select", { id, name: f.key, "aria-describedby": `wo-err-${f.key}` },
          el("option", { value: "" }, t("wo.choose")), ...tree.map((n) => el("option", { value: n.code }, n.label || n.code)));
      } else {
        const type = f.type === "number" ? "number" : f.type === "date" ? "date" : "text";
        input = el("input", { id, name: f.key, type, maxlength: f.type === "text" ? f.max_length || 500 : null,
          min: f.minimum ?? null, max: f.maximum ?? null, "aria-describedby": `wo-err-${f.key}` });
      }
      return el("div", { class: "wo-field", dataset: { field: f.key, custom: "true" } },
        el("label", { for: id }, f.label || f.key, " ", el("span", { class: "req", "aria-hidden": "true" }, "*")),
        input, el("p", { class: "wo-err", id: `wo-err-${f.key}`, "aria-live": "polite" }));
    }));
  }

  buildDestinations() {
    const select = $("wo-dest");
    const value = select.value;
    select.replaceChildren(
      el("option", { value: "auto" }, t("wo.dest.auto_keep")),
      el("option", { value: "leader" }, t("wo.dest.leader")),
      ...this.units.map((u) => el("option", { value: `unit:${u.id}` }, t("wo.dest.unit", { name: u.name || u.id }))),
    );
    if (value) select.value = value;
  }

  /** The language changed: texts built in code. */
  relabel() {
    this.buildReasons();
    this.buildDestinations();
    this.renderBasis();
    if (this.order) this.render();
  }
}

export function stateText(state) {
  const key = `wo.state.${state}`;
  const text = t(key);
  return text === key ? state : text;
}

/** A field's name for the user: a standard field's in their language, a custom field's own label. */
export function fieldLabel(name, rules) {
  const custom = rules?.fields?.find((f) => f.key === name);
  if (custom) return custom.label || name;
  const key = `wo.f.${name}`;
  const text = t(key);
  return text === key ? name : text;
}

/** A problem in the user's language: by its code, naming the field; else the server's text. */
export function problemText(problem, rules) {
  const key = `wo.problem.${problem.code}`;
  const text = t(key, { field: fieldLabel(problem.field, rules), n: problem.n ?? rules?.minSummary ?? 4 });
  return text === key ? problem.message || problem.code : text;
}

export { CATEGORIES, TEXT_FIELDS };
