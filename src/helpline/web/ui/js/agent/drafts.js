// Drafts of the order form that survive a page reload and a network drop. What the agent types
// goes to localStorage at once (keyed by user and order), and to the server (PATCH) a moment
// later; a failed save stays in the browser and is sent again when the connection is back.
// On restore the newer edit of each field wins, so nothing typed offline is lost.

import { api, ApiError } from "../shared/api.js";

const PREFIX = "helpline.wo.draft";
const SAVE_DELAY_MS = 700;
const RETRY_MS = 4000;
const CONFLICT_RETRY_MS = 300;

export function draftKey(userId, orderId) {
  return `${PREFIX}.${userId}.${orderId}`;
}

/** ``{values, base, edited_at}``: the form's values, the server values they started from, and
 *  when (server epoch seconds) the agent last typed; null when nothing is kept. */
export function readDraft(userId, orderId) {
  try {
    const draft = JSON.parse(localStorage.getItem(draftKey(userId, orderId)) || "null");
    return draft && typeof draft.values === "object" ? draft : null;
  } catch {
    return null;
  }
}

export function writeDraft(userId, orderId, draft) {
  try {
    localStorage.setItem(draftKey(userId, orderId), JSON.stringify(draft));
  } catch {
    /* storage full or disabled: the server copy still gets saved */
  }
}

/** The ids of the orders with a draft kept for this user. */
export function keptOrderIds(userId) {
  const prefix = `${PREFIX}.${userId}.`;
  const ids = [];
  for (let i = 0; i < localStorage.length; i += 1) {
    const key = localStorage.key(i);
    if (key?.startsWith(prefix)) ids.push(key.slice(prefix.length));
  }
  return ids;
}

export function dropDraft(userId, orderId) {
  localStorage.removeItem(draftKey(userId, orderId));
}

/** Equal for the form: an empty text and a field never set are the same. */
const blank = (v) => (v === "" || v === undefined ? null : v);
const same = (a, b) => JSON.stringify(blank(a)) === JSON.stringify(blank(b));

/** The fields a draft changed against what the server had when the agent began. */
export function changedFields(values, base) {
  const out = {};
  for (const [name, value] of Object.entries(values)) {
    if (!same(value, base?.[name])) out[name] = value;
  }
  return out;
}

/**
 * Merge a kept draft with the order as the server has it now. A field the agent changed
 * keeps the agent's value unless the server changed that same field later than the agent
 * typed (the newer wins); every other field takes the server's value.
 * -> ``{values, pending}``: the form's values and what still has to be saved.
 */
export function mergeDraft(draft, serverValues, serverUpdatedAt) {
  const values = { ...serverValues };
  const pending = {};
  if (!draft) return { values, pending };
  for (const [name, mine] of Object.entries(changedFields(draft.values, draft.base))) {
    const serverMoved = !same(serverValues[name], draft.base?.[name]);
    if (serverMoved && serverUpdatedAt > (draft.edited_at || 0)) continue;
    values[name] = mine;
    if (!same(mine, serverValues[name])) pending[name] = mine;
  }
  return { values, pending };
}

/**
 * Saves one order's edits: ``change(values)`` on every keystroke; the PATCH goes after a
 * short pause, and again after a failure (every few seconds, and as soon as the browser
 * says it is online). ``onStatus("saving"|"saved"|"offline"|"error", detail)``.
 */
export class DraftSync {
  constructor({ userId, order, now, onSaved, onStatus }) {
    this.userId = userId;
    this.orderId = order.id;
    this.base = { ...order.values };
    this.values = { ...order.values };
    this.editedAt = 0;
    this.now = now;
    this.onSaved = onSaved;
    this.onStatus = onStatus;
    this.timer = null;
    this.inFlight = null;
    this.closed = false;
    this.onOnline = () => this.schedule(0);
    window.addEventListener("online", this.onOnline);
  }

  /** Start from a kept draft merged with the server's copy; returns the form's values. */
  restore(serverValues, serverUpdatedAt) {
    const kept = readDraft(this.userId, this.orderId);
    const { values, pending } = mergeDraft(kept, serverValues, serverUpdatedAt);
    this.base = { ...serverValues };
    this.values = values;
    if (Object.keys(pending).length) {
      this.editedAt = kept?.edited_at || this.now();
      this.keep();
      this.schedule(0);
    } else {
      dropDraft(this.userId, this.orderId);
    }
    return { ...values };
  }

  get dirty() {
    return Object.keys(changedFields(this.values, this.base)).length > 0;
  }

  change(values) {
    this.values = { ...values };
    this.editedAt = this.now();
    this.keep();
    this.schedule(SAVE_DELAY_MS);
  }

  keep() {
    writeDraft(this.userId, this.orderId, { values: this.values, base: this.base, edited_at: this.editedAt });
  }

  schedule(delay) {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush().catch(() => {}), delay);
  }

  /** Send what is not saved yet; resolves with the server's order (or null when nothing to do).
   *  Rejects with the ApiError of a refused edit (422: the form shows it by its fields). */
  async flush() {
    clearTimeout(this.timer);
    if (this.inFlight) {
      await this.inFlight.catch(() => {});
    }
    const changes = changedFields(this.values, this.base);
    if (!Object.keys(changes).length) return null;
    if (!navigator.onLine) {
      // the browser knows it is offline: keep the draft here; the "online" event sends it
      this.onStatus?.("offline");
      throw new TypeError("offline");
    }
    this.onStatus?.("saving");
    const sent = { ...this.values };
    this.inFlight = api("PATCH", `/workorders/${this.orderId}`, changes);
    try {
      const order = await this.inFlight;
      this.base = { ...this.base, ...changes };
      if (!this.dirty) dropDraft(this.userId, this.orderId);
      else this.keep();
      this.onStatus?.("saved");
      this.onSaved?.(order, sent);
      return order;
    } catch (error) {
      if (error instanceof ApiError && error.code === "conflict") {
        // another change of the order (the hang-up noted on it) went in at the same moment
        this.schedule(CONFLICT_RETRY_MS);
        throw error;
      }
      if (error instanceof ApiError) {
        this.onStatus?.("error", error);
        throw error;
      }
      // the network: keep it in the browser and try again
      this.onStatus?.("offline");
      this.schedule(RETRY_MS);
      throw error;
    } finally {
      this.inFlight = null;
    }
  }

  /** The server's copy changed (an event, a send): new base, keep what is still unsaved. */
  rebase(serverValues) {
    const pending = changedFields(this.values, this.base);
    this.base = { ...serverValues };
    this.values = { ...serverValues, ...pending };
    return { ...this.values };
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.onOnline);
  }
}
