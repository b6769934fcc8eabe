// Voice prompts: the platform's defaults and the tenant's own recordings; upload a WAV,
// generate one from text with the server's TTS, play any of them here, remove an own one.

import { API, api, ApiError, getSession } from "../shared/api.js";
import { el } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { clearErrors, field, formError, send, showErrors, table } from "./form.js";
import { toast } from "../shared/shell.js";

let ui = null;
let playing = null; // object URL of the prompt in the player

export function mount(panel) {
  const upload = el("form", { id: "upload-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    el("fieldset", {},
      el("legend", { "data-i18n": "adm.prompt.upload" }, t("adm.prompt.upload")),
      field({ name: "prompt_id", label: "adm.prompt.id", hint: "adm.prompt.id_hint",
        attrs: { required: true, maxlength: 64, pattern: "[A-Za-z0-9_.\\-]+" } }),
      field({ name: "file", label: "adm.prompt.file", type: "file", hint: "adm.prompt.file_hint",
        attrs: { accept: ".wav,audio/wav,audio/x-wav", required: true } }),
      formError(),
      el("button", { class: "btn primary", type: "submit", id: "upload-save", "data-i18n": "adm.prompt.upload_btn" },
        t("adm.prompt.upload_btn"))));
  const generate = el("form", { id: "generate-form", class: "adm-form", novalidate: true, autocomplete: "off" },
    el("fieldset", {},
      el("legend", { "data-i18n": "adm.prompt.generate" }, t("adm.prompt.generate")),
      field({ name: "prompt_id", label: "adm.prompt.id", attrs: { required: true, maxlength: 64 } }),
      field({ name: "zh", label: "adm.prompt.zh", type: "textarea", attrs: { rows: 2, maxlength: 500, lang: "zh-CN" } }),
      field({ name: "en", label: "adm.prompt.en", type: "textarea", attrs: { rows: 2, maxlength: 500, lang: "en" } }),
      formError(),
      el("button", { class: "btn primary", type: "submit", id: "generate-save", "data-i18n": "adm.prompt.generate_btn" },
        t("adm.prompt.generate_btn"))));
  const player = el("audio", { id: "prompt-player", controls: true, preload: "none" });
  const list = el("div", { id: "prompt-list", class: "adm-list" });
  panel.append(el("h2", { class: "adm-title", "data-i18n": "adm.tab.prompts" }, t("adm.tab.prompts")),
    el("div", { class: "adm-columns" },
      el("div", {}, el("div", { class: "player row" },
        el("span", { id: "player-label", "data-i18n": "adm.prompt.player" }, t("adm.prompt.player")), player), list),
      el("div", { class: "adm-forms" }, upload, generate)));
  player.setAttribute("aria-labelledby", "player-label");
  ui = { list, upload, generate, player };
  upload.addEventListener("submit", (event) => {
    event.preventDefault();
    sendFile();
  });
  generate.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = generate.elements;
    const id = f.prompt_id.value.trim();
    const button = generate.querySelector("#generate-save");
    button.disabled = true;
    const done = await send(generate, "POST", `/ivr/prompts/${encodeURIComponent(id)}/generate`,
      { zh: f.zh.value, en: f.en.value }, "adm.prompt.generated");
    button.disabled = false;
    if (done) {
      await load();
      play(id);
    }
  });
}

export async function load() {
  let prompts;
  try {
    prompts = await api("GET", "/ivr/prompts");
  } catch (error) {
    toast(error.message);
    return;
  }
  ui.list.replaceChildren(table(["adm.prompt.id", "adm.prompt.source", "adm.prompt.seconds", "adm.prompt.text",
    "adm.prompt.actions"], prompts.map((p) => el("tr", { dataset: { prompt: p.id, source: p.source } },
    el("td", {}, el("code", {}, p.id)),
    el("td", { "data-i18n": `adm.prompt.src.${p.source}` }, t(`adm.prompt.src.${p.source}`)),
    el("td", { class: "num" }, p.seconds == null ? "—" : `${p.seconds}s`),
    el("td", { class: "text" }, p.text ? p.text.join(" / ") : ""),
    el("td", { class: "row" },
      el("button", { class: "btn tiny", type: "button", disabled: p.seconds == null, "data-i18n": "adm.prompt.play",
        "aria-label": `${t("adm.prompt.play")} ${p.id}`, onclick: () => play(p.id) }, t("adm.prompt.play")),
      p.source === "tenant" ? el("button", { class: "btn tiny danger", type: "button", "data-i18n": "adm.delete",
        "aria-label": `${t("adm.delete")} ${p.id}`, onclick: () => remove(p.id) }, t("adm.delete")) : null))),
  "adm.tab.prompts"));
}

/** The player needs the bearer token, which an <audio src> cannot send: fetch, then play a blob. */
async function play(id) {
  const session = getSession();
  const response = await fetch(`${API}/ivr/prompts/${encodeURIComponent(id)}`,
    { headers: { Authorization: `Bearer ${session?.token}` } });
  if (!response.ok) {
    toast(new ApiError(response.status, await response.json().catch(() => null)).message);
    return;
  }
  if (playing) URL.revokeObjectURL(playing);
  playing = URL.createObjectURL(await response.blob());
  ui.player.src = playing;
  ui.player.dataset.prompt = id;
  ui.player.play().catch(() => {}); // a browser may want a gesture first; the controls are there
}

async function sendFile() {
  const form = ui.upload;
  const f = form.elements;
  const id = f.prompt_id.value.trim();
  const file = f.file.files[0];
  clearErrors(form);
  const body = new FormData();
  if (file) body.append("file", file, file.name); // none: the server names the missing field
  const response = await fetch(`${API}/ivr/prompts/${encodeURIComponent(id)}`,
    { method: "PUT", body, headers: { Authorization: `Bearer ${getSession()?.token}` } });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    showErrors(form, new ApiError(response.status, data));
    return;
  }
  toast(t("adm.prompt.uploaded", { id, seconds: data.seconds }), "info");
  form.reset();
  await load();
}

async function remove(id) {
  if (!confirm(t("adm.prompt.confirm_delete", { id }))) return;
  if (await send(ui.upload, "DELETE", `/ivr/prompts/${encodeURIComponent(id)}`, undefined, "adm.deleted")) await load();
}
