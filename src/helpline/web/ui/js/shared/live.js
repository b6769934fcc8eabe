// The live event stream: ``/api/v1/events`` sends a snapshot, then numbered events. After a
// drop the client reconnects with ``?since=<last seq>`` and gets only what it missed; the
// server answers with a fresh snapshot instead when its backlog no longer reaches back.
// Other panels of the page (js/agent/floor.js) share the one stream: each snapshot and event is
// also dispatched on ``document`` as "helpline:snapshot" / "helpline:event" (detail: event).
// The stream is asked for ``batch=1``: what piled up between two sends comes as one array,
// so a wall screen under a busy floor gets tens of frames a second rather than hundreds.

import { api, clearSession, loginUrl } from "./api.js";

const MAX_BACKOFF_MS = 5000;

export class LiveStream {
  /**
   * @param {string} token bearer token (browsers cannot set headers on a WebSocket)
   * @param {import("./model.js").LiveModel} model where the snapshot and events go
   * @param {(status: string) => void} onStatus "connecting" | "live" | "reconnecting"
   */
  constructor(token, model, onStatus = () => {}) {
    this.token = token;
    this.model = model;
    this.onStatus = onStatus;
    this.seq = null;
    this.backoff = 250;
    this.socket = null;
    this.closed = false;
    this.synced = false;
  }

  start() {
    this.closed = false;
    this.connect();
    return this;
  }

  stop() {
    this.closed = true;
    this.socket?.close();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const params = new URLSearchParams({ token: this.token, batch: "1" });
    if (this.seq !== null && this.synced) params.set("since", String(this.seq));
    return `${scheme}://${location.host}/api/v1/events?${params}`;
  }

  connect() {
    this.onStatus(this.seq === null ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url());
    this.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      this.backoff = 250;
      this.onStatus("live");
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      for (const item of Array.isArray(data) ? data : [data]) {
        if (this.socket !== socket) return;
        if (!this.synced && item.type !== "snapshot") return; // after a failed event: resyncing
        this.receive(item);
      }
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      if (event.code === 1008) {
        // the token was refused (expired, or the account was disabled): sign in again
        clearSession();
        location.replace(loginUrl("expired"));
        return;
      }
      if (this.closed) return;
      if (!opened) {
        // a refused handshake looks like a network error (1006): if the token is the cause,
        // this request answers 401 and api() takes the user to the sign-in page
        api("GET", "/auth/me").catch(() => {});
      }
      this.onStatus("reconnecting");
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  receive(message) {
    if (message.type === "snapshot") {
      this.seq = message.seq;
      this.synced = true;
      this.model.load(message.data);
      document.dispatchEvent(new CustomEvent("helpline:snapshot"));
      return;
    }
    if (this.seq !== null && message.seq <= this.seq) return; // already applied
    this.seq = message.seq;
    try {
      this.model.apply(message.event);
      document.dispatchEvent(new CustomEvent("helpline:event", { detail: message.event }));
    } catch (error) {
      // a bug folding one event must not stop the stream: start again from a snapshot
      console.error("could not apply event", message, error);
      this.synced = false;
      this.socket?.close();
    }
  }
}
