// Chinese (default) and English. Static text carries ``data-i18n="key"`` (and
// ``data-i18n-title`` / ``data-i18n-placeholder`` / ``data-i18n-aria-label``); code calls
// ``t(key, {param})``. The choice is remembered in localStorage, per user once signed in.

import * as en from "./lang/en.js";
import * as zh from "./lang/zh-CN.js";
// Each feature keeps its strings in a pack of its own: { "zh-CN": {...}, en: {...} }.
import { PACK as adminPack } from "./lang/admin.js";
import { PACK as floorPack } from "./lang/floor.js";
import { PACK as ordersPack } from "./lang/orders.js";
import { PACK as softphonePack } from "./lang/softphone.js";

export const LANGS = [["zh-CN", "中文"], ["en", "English"]];
const DEFAULT_LANG = "zh-CN";
const GLOBAL_KEY = "helpline.lang";
const userKey = (userId) => `helpline.lang.${userId}`;

export const DICT = {};
for (const [lang, pack] of [["zh-CN", zh], ["en", en]]) {
  DICT[lang] = { ...pack.STRINGS };
  for (const [state, text] of Object.entries(pack.STATES)) DICT[lang][`state.${state}`] = text;
  for (const feature of [adminPack, floorPack, ordersPack, softphonePack]) Object.assign(DICT[lang], feature[lang]);
}

let current = normalise(localStorage.getItem(GLOBAL_KEY)) || DEFAULT_LANG;
const listeners = new Set();

function normalise(lang) {
  if (!lang) return null;
  if (lang in DICT) return lang;
  if (lang.toLowerCase().startsWith("zh")) return "zh-CN";
  if (lang.toLowerCase().startsWith("en")) return "en";
  return null;
}

/** Texts that arrive at run time (the names of the server's enumerations, see meta.js). */
export function addTexts(lang, texts) {
  if (lang in DICT) Object.assign(DICT[lang], texts);
}

export function getLang() {
  return current;
}

export function t(key, params = {}) {
  const text = DICT[current][key] ?? DICT[DEFAULT_LANG][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** The user's own choice, else the account's locale, else the last choice on this browser. */
export function initLang(user) {
  const chosen = normalise(localStorage.getItem(userKey(user.id))) || normalise(user.locale) ||
    normalise(localStorage.getItem(GLOBAL_KEY)) || DEFAULT_LANG;
  use(chosen);
}

export function setLang(lang, userId) {
  const value = normalise(lang) || DEFAULT_LANG;
  localStorage.setItem(GLOBAL_KEY, value);
  if (userId) localStorage.setItem(userKey(userId), value);
  use(value);
}

function use(lang) {
  current = lang;
  document.documentElement.lang = lang;
  applyI18n();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

const ATTRIBUTES = [["title", "i18nTitle"], ["placeholder", "i18nPlaceholder"], ["aria-label", "i18nAriaLabel"]];

export function applyI18n(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const [attribute, data] of ATTRIBUTES) {
    for (const node of root.querySelectorAll(`[data-i18n-${attribute}]`)) {
      node.setAttribute(attribute, t(node.dataset[data]));
    }
  }
}
