// The work-order content rules, mirrored in the browser so that the form hints while the agent
// types (src/helpline/domain/wo_content.py is the authority: the server's 422 has the last
// word). Pure functions: no DOM, no network; time comes in as an argument.

export const CATEGORIES = ["inquiry", "suggestion", "complaint", "help"];
export const SERIOUS = new Set(["complaint", "help"]);
export const TITLE_FIELDS = ["location", "summary"];
export const BODY_FIELDS = ["event_time", "place", "course", "request"];
export const TEXT_FIELDS = [...TITLE_FIELDS, ...BODY_FIELDS, "who", "why", "how", "caller_name", "answer",
  "three_way_party"];
export const DEFAULT_REQUIRED = [...TITLE_FIELDS, ...BODY_FIELDS, "reason_code"];
export const ANSWER_MODES = ["direct", "three_way", "callback"];
export const URGENT_MARK = "【急件】";

/** NORMS §4.4: the order is written and completed within 15 minutes of the call. */
export const COMPLETION_S = 15 * 60;
/** Amber from 80 % of the span (the server's default warning rule), red past it. */
export const WARN_FRACTION = 0.8;

/** The tenant's rules from ``GET /workorder-settings``, ``/workorder-fields``, ``/reason-codes``. */
export function makeRules(settings = {}, fields = [], reasons = []) {
  return {
    required: settings.required || {},
    minSummary: Number.isInteger(settings.min_summary) ? settings.min_summary : 4,
    requireAnswerMode: settings.require_answer_mode !== false,
    fields,
    reasons: reasonTree(reasons),
    completionS: settings.sla?.spans?.completion || COMPLETION_S,
  };
}

export function requiredFor(rules, category) {
  const base = rules.required[category] || DEFAULT_REQUIRED;
  const custom = rules.fields.filter((f) => (f.required_for || []).includes(category)).map((f) => f.key);
  return new Set([...base, ...custom]);
}

function empty(value) {
  return value === null || value === undefined || value === "" ||
    (Array.isArray(value) && value.length === 0) || (typeof value === "string" && !value.trim());
}

/** Every reason the content cannot be submitted, as ``[{field, code}]`` (empty: it can). */
export function contentProblems(values, rules) {
  const category = CATEGORIES.includes(values.category) ? values.category : null;
  const problems = [];
  let required;
  if (category) {
    required = requiredFor(rules, category);
  } else {
    problems.push({ field: "category", code: "required" });
    const sets = CATEGORIES.map((c) => requiredFor(rules, c));
    required = new Set([...sets[0]].filter((name) => sets.every((s) => s.has(name))));
  }
  for (const name of [...required].sort()) {
    if (empty(values[name])) problems.push({ field: name, code: "required" });
  }
  if (!category) return problems;
  const location = (values.location || "").trim();
  const summary = (values.summary || "").trim();
  if (summary && ([...summary].length < rules.minSummary || summary === location)) {
    problems.push({ field: "summary", code: "too_short", n: rules.minSummary });
  }
  const code = values.reason_code;
  if (code && rules.reasons.size) {
    if (!rules.reasons.isLeaf(code)) problems.push({ field: "reason_code", code: "unknown_code" });
    else if (!rules.reasons.fits(code, category)) problems.push({ field: "reason_code", code: "wrong_category" });
  }
  if (category === "inquiry") problems.push(...answerProblems(values, rules));
  return problems;
}

function answerProblems(values, rules) {
  const mode = values.answer_mode;
  if (!mode) return rules.requireAnswerMode ? [{ field: "answer_mode", code: "required" }] : [];
  const out = [];
  if (mode === "direct") {
    if (empty(values.answer)) out.push({ field: "answer", code: "required" });
    if (empty(values.basis)) out.push({ field: "basis", code: "required" });
  }
  if (mode === "three_way" && empty(values.three_way_party)) out.push({ field: "three_way_party", code: "required" });
  return out;
}

/** The title as the server composes it: "地点：摘要", marked 【急件】 when urgent. */
export function composeTitle(location = "", summary = "", urgent = false) {
  const l = (location || "").trim();
  const s = (summary || "").trim();
  const title = l && s ? `${l}：${s}` : l || s;
  return urgent ? `${URGENT_MARK}${title}` : title;
}

/** Complaint, help and urgent orders go to the shift leader (NORMS §4.6-4.7). */
export function needsLeader(values) {
  return SERIOUS.has(values.category) || values.urgent === true;
}

/** The reason-code tree: leaves with their path, and whether a code fits a category. */
export function reasonTree(nodes) {
  const byCode = new Map(nodes.map((n) => [n.code, n]));
  const parents = new Set(nodes.map((n) => n.parent).filter(Boolean));
  const path = (code) => {
    const chain = [];
    let current = byCode.get(code);
    while (current && !chain.includes(current)) {
      chain.unshift(current);
      current = current.parent ? byCode.get(current.parent) : null;
    }
    return chain;
  };
  return {
    size: byCode.size,
    isLeaf: (code) => byCode.has(code) && !parents.has(code),
    fits: (code, category) => path(code).every((n) => !n.categories?.length || n.categories.includes(category)),
    leaves: () => nodes.filter((n) => !parents.has(n.code)),
    label: (code) => path(code).map((n) => n.label || n.code).join(" / "),
  };
}

/**
 * The 15-minute completion clock of an order, from its timestamps (epoch seconds, server
 * time): ``waiting`` while the call goes on, ``ok`` / ``warn`` (amber) / ``over`` (red)
 * after hang-up, ``met`` once submitted. ``left`` is the seconds to the due time.
 */
export function completionClock(order, now, spanS = COMPLETION_S) {
  if (!order) return { level: "none", left: null };
  const clock = (order.clocks || []).find((c) => c.kind === "completion");
  const ended = order.call_ended_at ?? null;
  let due = clock?.due ?? (ended !== null ? ended + spanS : null);
  if (order.state !== "draft") {
    // submitted: in time, or late (an order submitted while the caller is on the line is in time)
    const submitted = order.submitted_at ?? null;
    const late = due !== null && submitted !== null && submitted > due;
    return { level: late ? "late" : submitted !== null || due !== null ? "met" : "none", left: null, due };
  }
  if (due === null) return { level: "waiting", left: null };
  if (clock?.state === "met") return { level: "met", left: null, due };
  const left = due - now;
  const start = due - spanS;
  const level = left <= 0 ? "over" : now - start >= spanS * WARN_FRACTION ? "warn" : "ok";
  due = Math.round(due);
  return { level, left, due };
}
