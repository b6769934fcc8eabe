// The admin console (管理控制台): one tab per thing a hotline configures. Each tab is a module
// with ``mount(panel, ctx)`` (builds its forms once) and ``load()`` (reads the server each time
// the tab is opened). Agents are refused here, as the API refuses them.

import { atLeast, requireSession } from "../shared/api.js";
import { setText } from "../shared/format.js";
import { initLang, onLangChange, t } from "../shared/i18n.js";
import { loadMeta, metaKey } from "../shared/meta.js";
import { setupHeader, toast } from "../shared/shell.js";
import * as calendar from "./calendar.js";
import * as codes from "./codes.js";
import * as duty from "./duty.js";
import * as ivr from "./ivr.js";
import * as prompts from "./prompts.js";
import * as queues from "./queues.js";
import * as units from "./units.js";
import * as users from "./users.js";

const $ = (id) => document.getElementById(id);
// who may open a tab; what each may change is the tab's business (and the server's)
const TABS = [
  ["users", users, "supervisor"],
  ["queues", queues, "leader"],
  ["ivr", ivr, "admin"],
  ["codes", codes, "leader"],
  ["units", units, "supervisor"],
  ["duty", duty, "leader"],
  ["calendar", calendar, "leader"],
  ["prompts", prompts, "admin"],
];

/** The server's enumerations (strategies, roles, …) that the tabs' selects offer; null when
 *  they could not be read (the selects are then empty, and the error is shown). */
async function readMeta() {
  try {
    return await loadMeta();
  } catch (error) {
    toast(error.message);
    return null;
  }
}

async function start(session) {
  const user = session.user;
  initLang(user);
  setupHeader(session);
  const meta = await readMeta();
  const role = () => setText($("user-role"), t(metaKey("roles", user.role)));
  role();
  onLangChange(role);
  $("to-wallboard").hidden = !atLeast(user, "leader");
  $("to-desktop").hidden = false;
  if (!atLeast(user, "leader")) {
    $("no-access").hidden = false;
    document.body.dataset.ready = "refused";
    return;
  }
  const ctx = { user, meta, can: (needed) => atLeast(user, needed) };
  const open = TABS.filter(([, , needed]) => atLeast(user, needed));
  const mounted = new Set();
  const tabs = [];
  for (const [name, , needed] of TABS) {
    const tab = document.querySelector(`[data-tab="${name}"]`);
    tab.hidden = !atLeast(user, needed);
    if (!tab.hidden) tabs.push(tab);
  }

  async function show(name, focus = false) {
    const entry = open.find(([n]) => n === name) || open[0];
    const [current, module] = entry;
    for (const tab of tabs) {
      const selected = tab.dataset.tab === current;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      $(`panel-${tab.dataset.tab}`).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    const panel = $(`panel-${current}`);
    if (!mounted.has(current)) {
      module.mount(panel, ctx);
      mounted.add(current);
    }
    if (location.hash !== `#${current}`) history.replaceState(null, "", `#${current}`);
    panel.dataset.loading = "1";
    try {
      await module.load();
    } finally {
      delete panel.dataset.loading;
      document.body.dataset.ready = current;
    }
  }

  // one tab opens another with what to show there (a unit's calendar from the departments tab)
  ctx.open = (name, options = {}) => {
    TABS.find(([n]) => n === name)?.[1].prepare?.(options);
    return show(name, true);
  };
  for (const tab of tabs) {
    tab.addEventListener("click", () => show(tab.dataset.tab));
    tab.addEventListener("keydown", (event) => {
      const index = tabs.indexOf(tab);
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: tabs.length - 1 - index };
      if (!(event.key in moves)) return;
      event.preventDefault();
      show(tabs[(index + moves[event.key] + tabs.length) % tabs.length].dataset.tab, true);
    });
  }
  $("admin-shell").hidden = false;
  show(location.hash.slice(1));
}

const session = requireSession();
if (session) start(session);
