// How each event changes the browser's picture of the center (see
// src/helpline/domain/events.py). One handler per event type; unknown types are ignored, so
// an older page keeps working when the server learns new events.

const IDLE_STATES = new Set(["ready", "not_ready", "logged_out"]);

export function blankCall(id) {
  return {
    id,
    state: "arrived",
    direction: "inbound",
    caller: "",
    callee: "",
    queue_id: null,
    priority: 0,
    agent_id: null,
    offered_to: [],
    arrived_at: null,
    enqueued_at: null,
    offered_at: null,
    answered_at: null,
    held_since: null,
    held_total: 0,
    data: {},
    supervisors: {},
    conference: null,
    consult_call_id: null,
    consult_for: null,
  };
}

export function callFromSnapshot(s, at) {
  const c = { ...blankCall(s.id), ...s };
  c.offered_to = [...(s.offered_to || [])];
  c.supervisors = { ...(s.data?.supervisors || {}) };
  c.conference = s.data?.conference ? [...s.data.conference] : null;
  c.consult_for = s.data?.consult_for ?? null;
  c.intercepted_by = s.data?.intercepted_by ?? null;
  const waitedFrom = s.answered_at ?? at;
  c.enqueued_at = waitedFrom - (s.waited || 0);
  if (c.state === "offered") c.offered_at = at;
  return c;
}

function agentOf(model, id) {
  let a = model.agents.get(id);
  if (!a) {
    a = { id, name: id, extension: "", state: "logged_out", since: 0, queues: {}, calls_today: 0,
      talk_seconds_today: 0, call_id: null, reason: null };
    model.agents.set(id, a);
  }
  return a;
}

export const HANDLERS = {
  agent_state_changed(m, ev) {
    const a = agentOf(m, ev.agent_id);
    a.state = ev.new_state;
    a.since = ev.at;
    a.reason = ev.reason;
    a.by = ev.by;
    if (IDLE_STATES.has(ev.new_state) || ev.new_state === "wrap_up") {
      a.call_id = null;
      if (ev.new_state !== "wrap_up") a.pending_not_ready = null;
    } else if (ev.call_id) {
      a.call_id = ev.call_id;
    }
    if (ev.old_state === "reserved" && ev.new_state === "talking") m.segmentStart.set(a.id, ev.at);
    if (ev.new_state === "wrap_up") {
      a.calls_today = (a.calls_today || 0) + 1;
      const start = m.segmentStart.get(a.id);
      if (start !== undefined) a.talk_seconds_today = (a.talk_seconds_today || 0) + (ev.at - start);
      m.segmentStart.delete(a.id);
      a.wrap_call_id = ev.call_id;
    }
  },
  call_arrived(m, ev) {
    const c = m.ensureCall(ev.call_id, {});
    Object.assign(c, { direction: ev.direction, caller: ev.caller, callee: ev.callee,
      priority: ev.priority, arrived_at: ev.at, stub: false });
    if (c.direction === "outbound" && !c.consult_for) c.state = "dialing";
  },
  call_queued(m, ev) {
    const c = m.ensureCall(ev.call_id, {});
    c.queue_id = ev.queue_id;
    c.state = "queued";
    c.priority = ev.priority;
    if (c.enqueued_at === null) c.enqueued_at = ev.at;
  },
  call_offered(m, ev) {
    const c = m.ensureCall(ev.call_id, { queue_id: ev.queue_id });
    c.state = "offered";
    c.offered_to = [...ev.agent_ids];
    c.offered_at = ev.at;
    if (ev.queue_id) c.queue_id = ev.queue_id;
    if (c.enqueued_at === null) c.enqueued_at = ev.at - (ev.waited || 0);
  },
  call_offer_ended(m, ev) {
    const c = m.call(ev.call_id);
    if (!c) return;
    c.offered_to = c.offered_to.filter((id) => id !== ev.agent_id);
    if (c.state === "offered" && c.offered_to.length === 0) c.state = "queued";
  },
  call_answered(m, ev) {
    const c = m.call(ev.call_id);
    if (!c) return;
    c.state = "talking";
    if (!c.consult_for || c.direction === "internal") c.agent_id = ev.agent_id;
    if (c.answered_at === null) c.answered_at = ev.at;
    c.offered_to = [];
    if (ev.queue_id) c.queue_id = ev.queue_id;
  },
  call_held(m, ev) {
    const c = m.call(ev.call_id);
    if (!c) return;
    c.state = "on_hold";
    if (c.held_since === null) c.held_since = ev.at;
  },
  call_retrieved(m, ev) {
    const c = m.call(ev.call_id);
    if (!c) return;
    c.state = "talking";
    c.held_since = null;
    c.held_total = (c.held_total || 0) + (ev.held || 0);
  },
  call_transferred(m, ev) {
    let c = m.call(ev.call_id);
    if (!c && ev.flow === "attended" && ev.to_agent_id && ev.to_agent_id === m.self) {
      // the consulted agent takes over a caller they have not seen: details come by REST
      c = m.ensureCall(ev.call_id, { state: "talking", agent_id: ev.to_agent_id });
    }
    if (!c) return;
    if (c.held_since !== null) {
      c.held_total += ev.at - c.held_since;
      c.held_since = null;
    }
    c.transferred = true;
    if (ev.flow === "attended") {
      c.state = "talking";
      c.agent_id = ev.to_agent_id;
      if (ev.to_agent_id) {
        const helper = agentOf(m, ev.to_agent_id);
        const leg = m.calls.get(helper.call_id);
        if (leg && leg.id !== ev.call_id && leg.consult_for) m.endCall(leg.id, ev);
        helper.call_id = ev.call_id;
      }
    } else {
      c.agent_id = null;
    }
  },
  consult_started(m, ev) {
    const c = m.call(ev.call_id);
    if (c) {
      c.state = "on_hold";
      if (c.held_since === null) c.held_since = ev.at;
      c.consult_call_id = ev.consult_call_id;
    }
    const leg = m.ensureCall(ev.consult_call_id, {
      direction: ev.target_agent_id ? "internal" : "outbound",
      callee: ev.target_number || "",
      state: ev.target_agent_id ? "offered" : "dialing",
      arrived_at: ev.at,
    });
    leg.consult_for = ev.call_id;
    leg.target_agent_id = ev.target_agent_id;
    leg.target_number = ev.target_number;
    leg.from_agent_id = ev.agent_id;
    if (!ev.target_agent_id) leg.state = "dialing";
    leg.stub = false;
  },
  consult_ended(m, ev) {
    const c = m.call(ev.call_id);
    if (c) c.consult_call_id = null;
    m.endCall(ev.consult_call_id, ev);
  },
  conference_started(m, ev) {
    const c = m.call(ev.call_id);
    if (!c) return;
    c.conference = [...ev.agent_ids];
    c.conference_number = ev.number;
    c.state = "talking";
    if (c.held_since !== null) {
      c.held_total += ev.at - c.held_since;
      c.held_since = null;
    }
  },
  call_exited_queue(m, ev) {
    if (!(ev.action === "queue" && ev.to_queue_id)) m.endCall(ev.call_id, ev);
  },
  call_abandoned(m, ev) {
    m.endCall(ev.call_id, ev);
  },
  call_ended(m, ev) {
    m.endCall(ev.call_id, ev);
  },
  supervisor_joined(m, ev) {
    const c = m.call(ev.call_id);
    if (!c) return;
    c.supervisors[ev.supervisor_id] = ev.mode;
    if (ev.mode === "intercept") {
      c.agent_id = null;
      c.intercepted_by = ev.supervisor_id;
      if (c.held_since !== null) {
        c.held_total += ev.at - c.held_since;
        c.held_since = null;
        c.state = "talking";
      }
    }
  },
  supervisor_left(m, ev) {
    const c = m.call(ev.call_id);
    if (c) delete c.supervisors[ev.supervisor_id];
  },
  screen_pop(m, ev) {
    // 来电弹屏: who is calling, built by the server just after the offer
    const c = m.call(ev.call_id);
    if (!c) return;
    c.pop = ev.pop;
    if (!c.caller && ev.pop.caller) c.caller = ev.pop.caller;
  },
  queue_changed(m, ev) {
    if (ev.removed) m.queues.delete(ev.queue_id);
  },
};
