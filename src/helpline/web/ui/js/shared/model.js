// The live picture of the contact center in the browser: a snapshot, then every event
// folded in, in order (see src/helpline/domain/events.py). Both screens read from it; it
// never talks to the network itself.

import { blankCall, callFromSnapshot, HANDLERS } from "./fold.js";

const RECENT_LIMIT = 50;
const SEEN_LIMIT = 500;

export class LiveModel {
  /** @param {{self?: string}} opts self: the agent's own id, for the agent's filtered view */
  constructor({ self = null } = {}) {
    this.self = self;
    this.agents = new Map();
    this.calls = new Map();
    this.queues = new Map(); // id -> config merged with the snapshot's status
    this.recent = new Map(); // ended calls, newest last: the desktop's history and wrap-up
    this.seen = new Set(); // calls events have named lately, oldest first (see placedCall)
    this.offsetMs = 0; // server clock minus browser clock
    this.segmentStart = new Map(); // agent id -> when their talk began (today's talk time)
    this.listeners = new Set();
  }

  /** Server time now, in epoch seconds (timers are computed from server timestamps). */
  now() {
    return (Date.now() + this.offsetMs) / 1000;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(kind, payload) {
    for (const fn of this.listeners) fn(kind, payload);
  }

  load(snapshot) {
    const at = snapshot.at;
    this.offsetMs = at * 1000 - Date.now();
    this.agents.clear();
    for (const a of snapshot.agents) {
      const agent = { ...a };
      if (agent.state === "wrap_up") {
        agent.wrap_call_id = agent.call_id;
        agent.call_id = null;
      }
      this.agents.set(a.id, agent);
    }
    this.calls.clear();
    for (const c of snapshot.calls) this.calls.set(c.id, callFromSnapshot(c, at));
    if (this.self) {
      for (const c of this.calls.values()) c.mine = this.isMine(c);
    }
    for (const q of snapshot.queues || []) {
      const old = this.queues.get(q.queue_id) || { id: q.queue_id };
      this.queues.set(q.queue_id, { ...old, name: q.name, status: q });
    }
    this.emit("snapshot", snapshot);
  }

  setQueueConfigs(configs) {
    for (const q of configs) {
      const old = this.queues.get(q.id) || {};
      this.queues.set(q.id, { ...old, ...q });
    }
    this.emit("queues", configs);
  }

  /** Counters the REST answers carry that events do not (pending not-ready, today's tallies). */
  mergeAgentExtras(snap) {
    const a = this.agents.get(snap.id);
    if (!a) return;
    a.pending_not_ready = snap.pending_not_ready;
    a.calls_today = snap.calls_today;
    a.talk_seconds_today = snap.talk_seconds_today;
    this.emit("agent", a);
  }

  /** Details of calls the agent's stream announced without them (an offer carries no caller). */
  mergeCalls(list) {
    for (const snap of list) {
      const known = this.calls.get(snap.id);
      if (!known) continue;
      for (const key of ["caller", "callee", "direction", "priority", "data", "arrived_at"]) {
        known[key] = snap[key];
      }
      for (const key of ["answered_at", "held_since"]) known[key] = known[key] ?? snap[key];
      if (known.enqueued_at === null && snap.queue_id) {
        known.enqueued_at = (snap.answered_at ?? this.now()) - (snap.waited || 0);
      }
      known.queue_id = known.queue_id ?? snap.queue_id;
      known.consult_for = known.consult_for ?? snap.data?.consult_for ?? null;
      known.stub = false;
      this.emit("call", known);
    }
  }

  apply(ev) {
    const handler = HANDLERS[ev.type];
    if (handler) handler(this, ev);
    if (ev.call_id) {
      this.seen.add(ev.call_id);
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value);
    }
    if (this.self && ev.call_id) this.prune(ev.call_id);
    this.emit("event", ev);
  }

  // ---- helpers the handlers share ----------------------------------------------------------

  call(id) {
    return this.calls.get(id);
  }

  ensureCall(id, fields) {
    let c = this.calls.get(id);
    if (!c) {
      c = blankCall(id);
      c.stub = true;
      Object.assign(c, fields);
      this.calls.set(id, c);
    }
    return c;
  }

  /** A call this desktop just placed, shown before its first event arrives; unless its
   * events came first and it is over already (declined at once): it ended, or my agent was
   * named on it and has moved on. */
  placedCall(id, fields) {
    const me = this.self && this.agents.get(this.self);
    const over = this.seen.has(id) && !this.calls.has(id) && me && me.call_id !== id;
    return this.recent.has(id) || over ? null : this.ensureCall(id, fields);
  }

  endCall(id, ev) {
    const c = this.calls.get(id);
    if (!c) return;
    this.calls.delete(id);
    c.state = ev.type === "call_abandoned" ? "abandoned" : "ended";
    c.ended_at = ev.at;
    if (ev.talk !== undefined) c.talk = ev.talk;
    if (ev.held !== undefined) c.held_total = ev.held;
    c.ended_by = ev.ended_by || ev.cause || null;
    if (c.consult_for) return; // consult legs are not history of their own
    this.recent.delete(id);
    this.recent.set(id, c);
    while (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value);
  }

  isMine(c) {
    const me = this.self;
    return c.agent_id === me || c.offered_to.includes(me) || (c.conference || []).includes(me) ||
      this.agents.get(me)?.call_id === c.id || Boolean(c.consult_for && this.calls.has(c.consult_for));
  }

  /** In an agent's view, forget calls that no longer concern the agent (no more events come). */
  prune(id) {
    const c = this.calls.get(id);
    if (!c) return;
    if (this.isMine(c)) {
      c.mine = true;
    } else if (c.mine) {
      const endedBy = c.transferred ? "transfer" : c.answered_at === null ? "missed" : null;
      this.endCall(id, { type: "call_left", at: this.now(), ended_by: endedBy });
    } else {
      this.calls.delete(id); // another agent's call, seen on a leader's stream: not our history
    }
  }

  // ---- derived figures ---------------------------------------------------------------------

  /** Waiting calls, the oldest wait and members by state, as ``/queues/{id}/status`` gives. */
  queueStats(queueId, now = this.now()) {
    let waiting = 0;
    let oldest = 0;
    let ringing = 0;
    for (const c of this.calls.values()) {
      if (c.queue_id !== queueId) continue;
      if (c.state === "queued") {
        waiting += 1;
        oldest = Math.max(oldest, now - (c.enqueued_at ?? now));
      } else if (c.state === "offered") {
        ringing += 1;
      }
    }
    const byState = {};
    let members = 0;
    for (const a of this.agents.values()) {
      if (!a.queues || !(queueId in a.queues)) continue;
      members += 1;
      byState[a.state] = (byState[a.state] || 0) + 1;
    }
    return { waiting, oldest, ringing, members, byState };
  }

  /** Calls a leader took over (拦截): they have no agent any more, the leader ends them. */
  interceptedCalls() {
    return [...this.calls.values()].filter((c) => c.intercepted_by && !c.agent_id);
  }

  waitingCalls() {
    return [...this.calls.values()]
      .filter((c) => (c.state === "queued" || c.state === "offered") && c.queue_id && !c.consult_for)
      .sort((a, b) => (a.enqueued_at ?? 0) - (b.enqueued_at ?? 0));
  }

  /** The customer call an agent is on (not the consult leg), or undefined. */
  callOf(agentId) {
    const a = this.agents.get(agentId);
    if (!a || !a.call_id) return undefined;
    const c = this.calls.get(a.call_id);
    if (c && c.consult_for && this.calls.get(c.consult_for)?.agent_id === agentId) {
      return this.calls.get(c.consult_for);
    }
    return c;
  }
}
