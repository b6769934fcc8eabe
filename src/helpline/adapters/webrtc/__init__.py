"""The browser softphone's gateway: WebRTC (aiortc) on one side, a SIP phone on loopback that
registers to Helpline's own switch on the other (docs/adr/0005-browser-softphone.md)."""
