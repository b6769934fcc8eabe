// Small formatting helpers shared by the screens.

/** 75 -> "1:15", 3725 -> "1:02:05"; negative values count as zero. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** The hold norm (NORMS §3.2): one hold lasts at most 30 s; warn from 20 s. */
export const HOLD_WARN_S = 20;
export const HOLD_LIMIT_S = 30;

export function holdLevel(seconds) {
  if (seconds >= HOLD_LIMIT_S) return "over";
  if (seconds >= HOLD_WARN_S) return "warn";
  return "ok";
}

/** Set text only when it changed, so a timer tick does not touch the DOM needlessly. */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clockTime(date = new Date()) {
  return date.toLocaleTimeString("en-GB", { hour12: false });
}

/** Epoch milliseconds of a server timestamp; one without an offset is UTC, as the server keeps. */
export function parseServerTime(iso) {
  if (!iso) return Number.NaN;
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
}
