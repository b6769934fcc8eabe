// What every form of the admin console shares: fields built with a label and a reserved line
// for their error (so nothing jumps when one appears), the server's refusals shown beside the
// field they name, and saving with a confirmation.

import { api } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { errorText, toast } from "../shared/shell.js";

let serial = 0;

/** A labelled control: ``field({name, label, type, options, value, hint, attrs})``. ``options``
 * makes a <select> (``[value, i18n key or text]``); ``type: "textarea"`` a text area. */
export function field({ name, label, type = "text", options = null, value = "", hint = null, attrs = {} }) {
  const id = `f${++serial}-${name.replace(/[^\w-]/g, "_")}`;
  let control;
  if (options) {
    control = el("select", { id, name, ...attrs },
      options.map(([v, key]) => el("option", { value: v, "data-i18n": key.includes(".") ? key : null },
        key.includes(".") ? t(key) : key)));
    if (value !== "" || options.some(([v]) => v === "")) control.value = value;
  } else if (type === "textarea") {
    control = el("textarea", { id, name, ...attrs });
    control.value = value;
  } else if (type === "checkbox") {
    control = el("input", { id, name, type, ...attrs });
    control.checked = Boolean(value);
  } else {
    control = el("input", { id, name, type, value, ...attrs });
  }
  const error = el("p", { class: "field-error", id: `${id}-err`, "aria-live": "polite" });
  control.setAttribute("aria-describedby", `${id}-err`);
  const wrapper = el("div", { class: `field field-${type}`, dataset: { field: name } },
    el("label", { for: id, "data-i18n": label }, t(label)), control,
    hint ? el("small", { class: "hint muted", "data-i18n": hint }, t(hint)) : null, error);
  return wrapper;
}

/** A heading "<translated key> <name>" that stays right when the language changes. */
export function legendFor(node, key, name) {
  node.replaceChildren(el("span", { "data-i18n": key }, t(key)), name ? ` ${name}` : "");
}

/** The form's level error line (for errors no field claims). */
export function formError() {
  return el("p", { class: "form-error", role: "alert", "aria-live": "assertive" });
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error, .form-error")) setText(node, "");
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function fieldNode(form, path) {
  // "body.overflow.0.after" -> tries "overflow.0.after", "overflow.0", "overflow"
  const parts = path.replace(/^body\.?/, "").split(".");
  for (let n = parts.length; n > 0; n -= 1) {
    const name = parts.slice(0, n).join(".");
    const node = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (node) return node;
  }
  return null;
}

/** Show an ApiError beside the fields it names; what names no field goes to the form's line. */
export function showErrors(form, error) {
  clearErrors(form);
  const items = error.errors?.length
    ? error.errors.map((e) => [e.field, e.message])
    : [[error.fields?.field || "", errorText(error)]];
  const general = [];
  for (const [path, message] of items) {
    const node = path ? fieldNode(form, path) : null;
    if (!node) {
      general.push(path ? `${path.replace(/^body\./, "")}: ${message}` : message);
      continue;
    }
    node.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
    const line = node.querySelector(".field-error");
    setText(line, line.textContent ? `${line.textContent}; ${message}` : message);
  }
  const line = form.querySelector(".form-error");
  if (general.length && line) setText(line, general.join("; "));
  else if (general.length) toast(general.join("; "));
}

/** ``send(form, method, path, body)``: the server's answer, or null with the errors shown. */
export async function send(form, method, path, body, saved = "adm.saved") {
  clearErrors(form);
  try {
    const result = await api(method, path, body);
    if (saved) toast(t(saved), "info");
    return result ?? {};
  } catch (error) {
    showErrors(form, error);
    return null;
  }
}

/** Read "key=level" pairs ("zh=8, billing=6") into ``{zh: 8, billing: 6}``; a bare key gets ``fallback``. */
export function parseLevels(text, fallback = 1) {
  const out = {};
  for (const part of text.split(/[,，\s]+/).filter(Boolean)) {
    const [key, level] = part.split(/[=:：]/);
    out[key.trim()] = level === undefined ? fallback : Number(level);
  }
  return out;
}

export function formatLevels(levels) {
  return Object.entries(levels || {}).map(([k, v]) => `${k}=${v}`).join(", ");
}

export function lines(text) {
  return text.split(/[\n,，]+/).map((s) => s.trim()).filter(Boolean);
}

/** A table with translated headers and one row per item. */
export function table(headers, rows, caption) {
  return el("table", { class: "adm-table" },
    caption ? el("caption", { class: "sr-only", "data-i18n": caption }, t(caption)) : null,
    el("thead", {}, el("tr", {}, headers.map((key) => el("th", { scope: "col", "data-i18n": key }, t(key))))),
    el("tbody", {}, rows));
}
