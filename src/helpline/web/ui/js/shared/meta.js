// The fixed enumerations as the server serves them (GET /api/v1/meta): queue strategies, exit
// actions, roles, work-order categories… The values are the domain's, so a select never offers
// what the server refuses nor misses a new value. Each value's names join the dictionaries as
// ``meta.<list>.<value>``, so ``t()`` and ``data-i18n`` follow the language switch as usual.

import { api } from "./api.js";
import { addTexts } from "./i18n.js";

let loading = null;

/** ``{queue_strategies: [{value, labels: {"zh-CN", en}}], …}``, read once per page. */
export function loadMeta() {
  loading ??= api("GET", "/meta").then(install, (error) => {
    loading = null; // the next caller asks again
    throw error;
  });
  return loading;
}

function install(meta) {
  for (const [list, entries] of Object.entries(meta)) {
    for (const entry of entries) {
      if (typeof entry !== "object") continue; // ``languages`` is a plain list
      for (const [lang, text] of Object.entries(entry.labels)) addTexts(lang, { [metaKey(list, entry.value)]: text });
    }
  }
  return meta;
}

/** The i18n key of a value's name: ``t(metaKey("roles", "leader"))``. */
export function metaKey(list, value) {
  return `meta.${list}.${value}`;
}

/** A list's values in the server's order (empty when the lists could not be read). */
export function metaValues(meta, list) {
  return (meta?.[list] || []).map((entry) => entry.value);
}

/** ``[value, i18n key]`` pairs: the options of a select built with the admin ``field()``. */
export function metaOptions(meta, list) {
  return metaValues(meta, list).map((value) => [String(value), metaKey(list, value)]);
}
