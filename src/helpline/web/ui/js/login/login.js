// Sign-in: exchange username and password for a token, then open the right screen
// (agents: the desktop; leaders and supervisors: the wallboard; admins: the admin console),
// or the page the visitor came from.

import { atLeast, getSession, signIn } from "../shared/api.js";
import { applyI18n, getLang, LANGS, setLang, t } from "../shared/i18n.js";
import { el, setText } from "../shared/format.js";

const AUTO_LOGIN_KEY = "helpline.autologin";
const LEADER_PAGES = new Set(["wallboard.html", "admin.html"]);
const params = new URLSearchParams(location.search);
const form = document.getElementById("login-form");
const error = document.getElementById("login-error");
const submit = document.getElementById("login-submit");

const select = document.getElementById("lang");
select.replaceChildren(...LANGS.map(([code, label]) => el("option", { value: code }, label)));
select.value = getLang();
select.addEventListener("change", () => setLang(select.value));
document.documentElement.lang = getLang();
applyI18n();
if (params.get("reason") === "expired") setText(error, t("login.expired"));

function destination(user) {
  const next = params.get("next");
  if (next && /^[a-z]+\.html$/.test(next) && next !== "login.html") {
    if (!LEADER_PAGES.has(next) || atLeast(user, "leader")) return next;
  }
  if (atLeast(user, "admin")) return "admin.html";
  return atLeast(user, "leader") ? "wallboard.html" : "agent.html";
}

const existing = getSession();
if (existing && existing.expires > Date.now() && !params.get("reason")) {
  location.replace(destination(existing.user));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  setText(error, "");
  submit.disabled = true;
  setText(submit, t("login.busy"));
  try {
    const session = await signIn(form.username.value.trim(), form.password.value, form.tenant.value.trim());
    const target = destination(session.user);
    // the desktop logs an agent in to the ACD once after a password sign-in (签入)
    if (target === "agent.html") sessionStorage.setItem(AUTO_LOGIN_KEY, "1");
    location.assign(target);
  } catch (failure) {
    setText(error, failure.status === 401 ? t("login.failed") : failure.message);
    submit.disabled = false;
    setText(submit, t("login.submit"));
    form.password.select();
  }
});
