// What every signed-in screen shares: the header (user, connection, language, sign-out),
// the toast line for errors, and the one-second tick that moves the timers.

import { api, clearSession } from "./api.js";
import { applyI18n, getLang, LANGS, onLangChange, setLang, t } from "./i18n.js";
import { clockTime, el, setText } from "./format.js";

export function setupHeader(session, { onSignOut } = {}) {
  const select = document.getElementById("lang");
  if (select) {
    select.replaceChildren(...LANGS.map(([code, label]) => el("option", { value: code }, label)));
    select.value = getLang();
    select.addEventListener("change", () => setLang(select.value, session?.user?.id));
    onLangChange(() => {
      select.value = getLang();
    });
  }
  const who = document.getElementById("user-name");
  if (who && session) setText(who, session.user.display_name || session.user.username);
  const signOut = document.getElementById("signout");
  signOut?.addEventListener("click", async () => {
    signOut.disabled = true;
    try {
      if (onSignOut) await onSignOut();
    } catch (error) {
      console.warn("sign-out step failed", error);
    }
    clearSession();
    location.assign("/ui/login.html");
  });
  const clock = document.getElementById("clock");
  if (clock) {
    const tick = () => setText(clock, clockTime());
    tick();
    setInterval(tick, 1000);
  }
  applyI18n();
}

export function connectionIndicator(status) {
  const node = document.getElementById("conn");
  if (!node) return;
  node.dataset.status = status;
  node.dataset.i18n = `conn.${status}`;
  setText(node, t(`conn.${status}`));
}

let toastTimer = null;

/** A short message in the live region (errors from the server, confirmations). */
export function toast(message, kind = "error") {
  const node = document.getElementById("toast");
  if (!node) return;
  node.dataset.kind = kind;
  setText(node, message);
  node.classList.add("shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.classList.remove("shown"), kind === "error" ? 6000 : 3000);
}

/** The message for an API error in the user's language, falling back to the server's text. */
export function errorText(error) {
  const key = `error.${error.code}`;
  const text = t(key);
  return text === key ? error.message : text;
}

/** Run an API call from a button; show the error instead of throwing. */
export async function act(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (error) {
    toast(errorText(error));
    return null;
  }
}

/** Call ``fn`` about four times a second: timers stay smooth without re-rendering whole views. */
export function everyTick(fn) {
  fn();
  return setInterval(fn, 250);
}
