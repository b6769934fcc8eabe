// The agent desktop's controls: buttons, forms and keyboard shortcuts (Alt+letter, by key
// position so that any keyboard layout works). A shortcut presses the button it names, so it
// is allowed exactly when the button is.

import { t } from "../shared/i18n.js";
import { selectTab } from "./my_work.js";
import { act, toast } from "../shared/shell.js";

const $ = (id) => document.getElementById(id);

export function bindControls(desk) {
  const own = (path, body) => act("POST", `/agents/me/${path}`, body)
    .then((snap) => snap && desk.model.mergeAgentExtras(snap));
  $("btn-login").addEventListener("click", () => own("login"));
  $("btn-logout").addEventListener("click", () => own("logout"));
  $("btn-ready").addEventListener("click", () => own("ready"));
  $("btn-not-ready").addEventListener("click", () => own("not-ready", { reason: $("nr-reason").value }));
  $("btn-end-wrap").addEventListener("click", () => own("wrap-up/end"));
  $("btn-answer").addEventListener("click", () => {
    const c = desk.ringingCall();
    if (c) act("POST", `/calls/${c.id}/answer`);
  });
  $("btn-reject").addEventListener("click", () => {
    const c = desk.ringingCall();
    if (c) act("POST", `/calls/${c.id}/reject`);
  });
  const onCall = (path, body) => {
    const c = desk.activeCall();
    return c ? act("POST", `/calls/${c.id}/${path}`, body) : null;
  };
  $("btn-hold").addEventListener("click", () => onCall(desk.agent?.state === "on_hold" ? "retrieve" : "hold"));
  $("btn-hangup").addEventListener("click", () => onCall("hangup"));
  $("btn-cancel-dial").addEventListener("click", () => onCall("hangup"));
  $("btn-conference").addEventListener("click", () => onCall("conference"));
  $("btn-cancel-consult").addEventListener("click", () => onCall("consult/cancel"));
  $("btn-transfer").addEventListener("click", () => {
    if (desk.agent?.state === "consulting") return onCall("consult/complete");
    const target = desk.target();
    if (!Object.values(target).some(Boolean)) return toast(t("error.target_required"));
    return onCall("transfer", target);
  });
  $("btn-consult").addEventListener("click", () => {
    const target = desk.target();
    if ("to_queue_id" in target) return toast(t("error.consult_needs_person"));
    if (!Object.values(target).some(Boolean)) return toast(t("error.target_required"));
    return onCall("consult", target);
  });
  $("target-kind").addEventListener("change", () => desk.syncTargetInputs());
  $("internal-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const colleague = desk.directory?.find((a) => a.id === $("internal-agent").value);
    if (!colleague) return toast(t("error.colleague_required"));
    return callColleague(desk, colleague);
  });
  $("dial-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = $("dial-number").value.trim();
    if (!number) return toast(t("error.number_required"));
    const colleague = desk.colleagueByExtension(number); // a colleague's extension: 内呼
    if (colleague) {
      if (await callColleague(desk, colleague)) $("dial-number").value = "";
      return undefined;
    }
    desk.lastDialed = number;
    const result = await act("POST", "/calls/dial", { number });
    if (result) {
      desk.model.placedCall(result.call_id, { direction: "outbound", callee: number, state: "dialing",
        agent_id: desk.me, arrived_at: desk.model.now(), stub: false });
      $("dial-number").value = "";
      desk.render();
    }
    return undefined;
  });
  $("sim-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await act("POST", "/sim/calls", { queue_id: $("sim-queue").value,
      caller: $("sim-caller").value.trim() || "10086" });
    if (result) toast(t("sim.placed"), "info");
  });
  $("sim-answered").addEventListener("click", () => {
    const c = desk.activeCall();
    const legId = c?.consult_call_id;
    const id = c?.state === "dialing" ? c.id : legId;
    if (id) act("POST", `/sim/calls/${id}/answered`);
    else toast(t("sim.nothing_dialing"));
  });
  $("sim-hangup").addEventListener("click", () => {
    const c = desk.focusCall();
    if (c && c.state !== "ended") act("POST", `/sim/calls/${c.id}/hangup`);
    else toast(t("sim.no_call"));
  });
  document.addEventListener("keydown", (event) => shortcut(desk, event));
}

/** 内呼: ring a colleague; my desktop shows it as dialing until they answer. */
async function callColleague(desk, colleague) {
  const result = await act("POST", "/calls/dial", { to_agent_id: colleague.id });
  if (!result) return false;
  const me = desk.agent;
  desk.model.placedCall(result.call_id, { direction: "internal", caller: me?.extension || desk.me,
    callee: colleague.extension || colleague.id, state: "offered", offered_to: [colleague.id],
    arrived_at: desk.model.now(), stub: false });
  desk.render();
  return true;
}

// Alt + key -> the button it presses (docs/ui.md lists them; so does the desktop's footer)
const SHORTCUTS = {
  KeyI: "btn-login", KeyR: "btn-ready", KeyN: "btn-not-ready", KeyA: "btn-answer", KeyJ: "btn-reject",
  KeyH: "btn-hold", KeyT: "btn-transfer", KeyC: "btn-consult", KeyM: "btn-conference",
  KeyQ: "btn-cancel-consult", KeyW: "btn-end-wrap", KeyS: "btn-wo-send", KeyL: "btn-internal",
};

function shortcut(desk, event) {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.code === "KeyX") {
    event.preventDefault();
    const id = desk.view() === "dialing" ? "btn-cancel-dial" : "btn-hangup";
    clickIfUsable($(id));
    return;
  }
  if (event.code === "KeyO") {
    event.preventDefault();
    const input = $("dial-number");
    if (document.activeElement === input && input.value.trim()) $("dial-form").requestSubmit();
    else if (!$("view-idle").hidden) input.focus();
    return;
  }
  if (event.code === "KeyK") {
    event.preventDefault();
    selectTab("kb");
    desk.kb?.focus();
    return;
  }
  if (event.code === "KeyG") {
    event.preventDefault();
    selectTab("work", { focus: true });
    desk.work?.load();
    return;
  }
  if (event.code === "KeyB") {
    event.preventDefault();
    if (desk.form?.order) desk.form.focusFirst();
    else $("order-panel").focus();
    return;
  }
  const id = SHORTCUTS[event.code];
  if (!id) return;
  event.preventDefault();
  clickIfUsable($(id));
}

function clickIfUsable(button) {
  if (!button || button.disabled || button.hidden || button.closest("[hidden]")) return;
  button.click();
}
