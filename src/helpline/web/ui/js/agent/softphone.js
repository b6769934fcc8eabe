// The browser softphone (浏览器软电话): the agent talks through the browser, no desk phone needed.
// One RTCPeerConnection to the platform's WebRTC gateway, set up by one HTTP exchange (the offer
// with every ICE candidate, the answer back); the gateway's SIP phone rings, answers and hangs
// up at the switch, and pushes its state on the "events" data channel. See ADR 0005.

import { api, getSession } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { onLangChange, t } from "../shared/i18n.js";
import { errorText, toast } from "../shared/shell.js";

const WANTED_KEY = "helpline.softphone.on"; // turn it on again after a reload of the tab
const ICE_GATHER_MS = 3000;
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]; // the keypad, two rows of six
const $ = (id) => document.getElementById(id);

class Softphone {
  constructor(root) {
    this.root = root;
    this.state = "off";
    this.reason = null; // why the softphone cannot be used here
    this.note = null; // [key, params] of the line under the status
    this.call = null;
    this.username = null;
    this.line = null; // the server's id of this page's line
    this.pc = null;
    this.iceServers = []; // STUN servers the platform is configured with (HELPLINE_WEBRTC_ICE_SERVERS)
    this.stream = null;
    this.muted = false;
    this.audioContext = null;
    this.meterTimer = null;
    this.digits = ""; // the keys pressed during this call, shown under the keypad
    this.keying = Promise.resolve(); // keys go out one after the other, in order
    this.build();
    onLangChange(() => this.render());
  }

  build() {
    if (!document.querySelector('link[href="css/softphone.css"]')) {
      document.head.append(el("link", { rel: "stylesheet", href: "css/softphone.css" }));
    }
    this.root.replaceChildren(
      el("section", { class: "sp", "aria-labelledby": "sp-title" },
        el("div", { class: "sp-head" },
          el("h3", { id: "sp-title", "data-i18n": "softphone.title" }, t("softphone.title")),
          el("span", { id: "sp-status", class: "sp-status", role: "status", "aria-live": "polite" }),
        ),
        el("p", { id: "sp-note", class: "sp-note" }),
        el("div", { class: "sp-controls" },
          el("button", { id: "sp-toggle", class: "btn", type: "button", "aria-pressed": "false",
            onclick: () => this.toggle() }),
          el("button", { id: "sp-answer", class: "btn answer", type: "button",
            onclick: () => this.command("answer") }),
          el("button", { id: "sp-hangup", class: "btn danger", type: "button",
            onclick: () => this.command("hangup") }),
          el("button", { id: "sp-mute", class: "btn ghost", type: "button", "aria-pressed": "false",
            onclick: () => this.setMuted(!this.muted) }),
          el("span", { class: "sp-meter" },
            el("label", { for: "sp-meter", id: "sp-meter-label" }),
            el("meter", { id: "sp-meter", min: "0", max: "1", low: "0.6", high: "0.85", optimum: "0.3",
              value: "0" }),
          ),
        ),
        el("div", { class: "sp-dtmf" },
          el("div", { id: "sp-keypad", class: "sp-keypad", role: "group", "aria-labelledby": "sp-keypad-label" },
            ...KEYS.map((key) => el("button", { class: "sp-key", type: "button", "data-key": key,
              onclick: () => this.press(key) }, key)),
          ),
          el("div", { class: "sp-dtmf-side" },
            el("span", { id: "sp-keypad-label", class: "sp-keypad-label" }),
            el("output", { id: "sp-digits", class: "sp-digits", "aria-live": "polite" }),
          ),
        ),
        el("audio", { id: "sp-audio", autoplay: true }),
      ),
    );
    document.addEventListener("keydown", (event) => this.typed(event));
    $("sp-audio").setAttribute("aria-label", t("softphone.audio_label"));
    this.render();
  }

  render() {
    const on = !["off", "unavailable", "error"].includes(this.state);
    const status = $("sp-status");
    status.dataset.state = this.state;
    setText(status, t(`softphone.state.${this.state}`));
    const toggle = $("sp-toggle");
    setText(toggle, on ? t("softphone.turn_off") : t("softphone.turn_on"));
    toggle.setAttribute("aria-pressed", String(on));
    toggle.disabled = this.state === "unavailable" || this.state === "connecting";
    setText($("sp-answer"), t("softphone.answer"));
    $("sp-answer").disabled = this.state !== "ringing";
    setText($("sp-hangup"), t("softphone.hangup"));
    $("sp-hangup").disabled = !["ringing", "in_call"].includes(this.state);
    const mute = $("sp-mute");
    setText(mute, this.muted ? t("softphone.unmute") : t("softphone.mute"));
    mute.setAttribute("aria-pressed", String(this.muted));
    mute.disabled = !this.stream;
    setText($("sp-meter-label"), t("softphone.mic_level"));
    $("sp-audio").setAttribute("aria-label", t("softphone.audio_label"));
    setText($("sp-title"), t("softphone.title"));
    const keying = this.state === "in_call";
    for (const key of document.querySelectorAll("#sp-keypad .sp-key")) key.disabled = !keying;
    setText($("sp-keypad-label"), t("softphone.keypad"));
    if (!keying) this.digits = "";
    setText($("sp-digits"), this.digits);
    setText($("sp-note"), this.noteText());
  }

  noteText() {
    if (this.state === "unavailable") return t(`softphone.reason.${this.reason || "virtual_switch"}`);
    if (this.note) return t(...this.note);
    if (this.state === "error") return t("softphone.register_lost");
    const caller = this.call?.caller_name || this.call?.caller || "—";
    if (this.state === "ringing") return t("softphone.ringing_from", { caller });
    if (this.state === "in_call") return t("softphone.in_call_with", { caller });
    if (this.state === "registered") return t("softphone.hint_on", { username: this.username || "—" });
    return t("softphone.hint_off");
  }

  /** The server's view: {available, reason, state, call, username, ice_servers}. */
  apply(status) {
    if (!status) return;
    if (Array.isArray(status.ice_servers)) this.iceServers = status.ice_servers;
    if (status.available === false) {
      this.reason = status.reason;
      this.state = "unavailable";
    } else if (status.state) {
      const was = this.state;
      this.state = this.pc ? status.state : "off";
      if (this.state === "off" && this.pc) this.state = "connecting";
      if (was === "in_call" && this.state === "registered") this.note = ["softphone.ended"];
      else if (this.state !== was) this.note = null;
    }
    if ("call" in status) this.call = status.call;
    if (status.username) this.username = status.username;
    if (status.line) this.line = status.line;
    this.render();
  }

  async init() {
    if (!getSession()) return;
    try {
      this.apply(await api("GET", "/softphone"));
    } catch (error) {
      console.warn("softphone status", error);
      return;
    }
    if (this.state !== "unavailable" && sessionStorage.getItem(WANTED_KEY)) await this.turnOn();
  }

  async toggle() {
    if (this.pc && this.state !== "error") {
      await this.turnOff();
      return;
    }
    this.teardown(); // after an error: start over (the server replaces the old line)
    await this.turnOn();
  }

  async turnOn() {
    if (!window.RTCPeerConnection || !navigator.mediaDevices?.getUserMedia) {
      this.state = "error";
      this.note = ["softphone.no_browser_webrtc"];
      this.render();
      return;
    }
    this.state = "connecting";
    this.note = null;
    this.render();
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (error) {
      console.warn("microphone", error);
      this.state = "error";
      this.note = ["softphone.mic_denied"];
      this.render();
      return;
    }
    try {
      const pc = new RTCPeerConnection({ iceServers: this.iceServers.map((urls) => ({ urls })) });
      this.pc = pc;
      window.helplineSoftphone = this; // tests read the peer connection's statistics
      for (const track of this.stream.getAudioTracks()) pc.addTrack(track, this.stream);
      const channel = pc.createDataChannel("events");
      channel.onmessage = (event) => this.apply(JSON.parse(event.data));
      pc.ontrack = (event) => {
        $("sp-audio").srcObject = event.streams[0] || new MediaStream([event.track]);
      };
      pc.onconnectionstatechange = () => {
        if (this.pc === pc && ["failed", "disconnected"].includes(pc.connectionState)) this.lost();
      };
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const answer = await api("POST", "/softphone/session", { type: "offer", sdp: pc.localDescription.sdp });
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
      sessionStorage.setItem(WANTED_KEY, "1");
      this.startMeter();
      this.apply(answer);
    } catch (error) {
      console.warn("softphone", error);
      this.teardown();
      this.state = "error";
      this.note = ["softphone.failed", { message: errorText(error) }];
      this.render();
    }
  }

  async turnOff() {
    sessionStorage.removeItem(WANTED_KEY);
    this.teardown();
    this.state = "off";
    this.note = null;
    this.call = null;
    this.render();
    try {
      await api("DELETE", "/softphone/session");
    } catch (error) {
      toast(errorText(error));
    }
  }

  lost() {
    this.teardown();
    this.state = "error";
    this.note = ["softphone.lost"];
    this.render();
  }

  teardown() {
    clearInterval(this.meterTimer);
    this.meterTimer = null;
    this.audioContext?.close();
    this.audioContext = null;
    this.pc?.close();
    this.pc = null;
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
    this.muted = false;
    this.line = null;
    $("sp-audio").srcObject = null;
    $("sp-meter").value = 0;
  }

  async command(what) {
    try {
      this.apply(await api("POST", `/softphone/${what}`));
    } catch (error) {
      toast(errorText(error));
    }
  }

  /** A keypad key during the call: RFC 4733 from the gateway to the switch (e.g. an IVR after
   * a dial-out). Sent in order; a refusal (the call just ended) shows as a toast. */
  press(key) {
    if (this.state !== "in_call" || !KEYS.includes(key)) return;
    this.digits = (this.digits + key).slice(-24);
    setText($("sp-digits"), this.digits);
    const button = document.querySelector(`#sp-keypad [data-key="${CSS.escape(key)}"]`);
    button?.classList.add("pressed");
    setTimeout(() => button?.classList.remove("pressed"), 150);
    this.keying = this.keying.then(() => api("POST", "/softphone/dtmf", { digits: key }))
      .catch((error) => toast(errorText(error)));
  }

  /** Typing 0-9, * or # during a call presses the key, unless the agent is typing in a field. */
  typed(event) {
    if (this.state !== "in_call" || event.altKey || event.ctrlKey || event.metaKey) return;
    if (!KEYS.includes(event.key)) return;
    const target = event.target;
    if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    this.press(event.key);
  }

  setMuted(muted) {
    this.muted = muted;
    for (const track of this.stream?.getAudioTracks() || []) track.enabled = !muted;
    this.render();
  }

  /** The microphone's level, about ten times a second (muted shows zero: nothing is sent). */
  startMeter() {
    try {
      this.audioContext = new AudioContext();
      const analyser = this.audioContext.createAnalyser();
      analyser.fftSize = 512;
      this.audioContext.createMediaStreamSource(this.stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      this.meterTimer = setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const s of samples) sum += s * s;
        const rms = Math.sqrt(sum / samples.length);
        $("sp-meter").value = this.muted ? 0 : Math.min(1, rms * 4);
      }, 100);
    } catch (error) {
      console.warn("level meter", error);
    }
  }
}

/** Wait until the offer holds every ICE candidate (no trickle), or a few seconds at most. */
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, ICE_GATHER_MS);
  });
}

/** Leaving the page: its line goes too (the next page turns it on again if it was on). */
function release(line) {
  const session = getSession();
  if (!session || !line) return;
  fetch(`/api/v1/softphone/session?line=${encodeURIComponent(line)}`, {
    method: "DELETE", keepalive: true, headers: { Authorization: `Bearer ${session.token}` },
  }).catch(() => {});
}

const root = $("softphone-panel");
if (root) {
  const phone = new Softphone(root);
  window.addEventListener("pagehide", () => {
    if (phone.pc) release(phone.line);
  });
  phone.init();
}
