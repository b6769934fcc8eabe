// Strings of the softphone screens, per language; merged into the dictionaries by i18n.js.
export const PACK = {
  "zh-CN": {},
  en: {},
};
