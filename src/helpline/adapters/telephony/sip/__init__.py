"""Helpline's own SIP softswitch: SIP core (parser, transport, transactions, dialogs,
registrar, digest auth), RTP/G.711 media, and :class:`SipSwitch`, the B2BUA that implements
the ACD's ``Telephony`` port. See docs/adr/0003-sip-softswitch.md."""
