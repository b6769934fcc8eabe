"""The browser softphone as the platform offers it: who may turn it on, with which SIP
account, and how the desktop's own "answer" reaches the phone in the browser.

The gateway (``adapters/webrtc``) does the media; this module decides. A user who turns the
softphone on gets a SIP account if they have none (their extension, a random password: the
browser never needs it). When the ACD says an agent answered (the desktop's answer button,
``POST /calls/{id}/answer``), the agent's ringing softphone picks up, so the switch bridges
the call, just as when the agent clicks "answer" in the softphone panel itself.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Any

import structlog

from helpline.app.telephony import sip_accounts
from helpline.app.telephony.ports import SipSide, SoftphoneGateway, SoftphoneLine, TelephonyUnits
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import CallAnswered, Event

log = structlog.get_logger("helpline.softphone")
MAX_OFFER = 64 * 1024
UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")

# why the softphone cannot be used, for the panel to say so
VIRTUAL_SWITCH = "virtual_switch"  # HELPLINE_TELEPHONY=sim: there is no audio at all
NO_WEBRTC = "no_webrtc"  # aiortc is not installed


class NoRegistration(Exception):
    """Never raised: the ``register_failed`` of a service without a gateway."""


class SoftphoneService:
    """The softphone of every signed-in user. ``gateway`` is None where there is no audio (the
    virtual switch, or no aiortc); ``register_failed`` is the error its ``open`` raises when
    the switch refuses the phone's registration."""

    def __init__(
        self,
        units: TelephonyUnits,
        sip: SipSide | None,
        gateway: SoftphoneGateway | None,
        register_failed: type[Exception] = NoRegistration,
    ) -> None:
        self.units = units
        self.sip = sip
        self.gateway = gateway
        self.register_failed = register_failed

    @property
    def unavailable(self) -> str | None:
        """None when the softphone can be used, else why not."""
        if self.sip is None:
            return VIRTUAL_SWITCH
        if self.gateway is None:
            return NO_WEBRTC
        return None

    def status(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        reason = self.unavailable
        line = self.gateway.get((tenant_id, user_id)) if self.gateway is not None else None
        ice = self.gateway.ice_servers if self.gateway is not None else []
        base: dict[str, Any] = {"available": reason is None, "reason": reason, "ice_servers": ice}
        if line is None:
            return {**base, "state": "off", "call": None}
        return {**base, **line.snapshot()}

    def _require(self) -> SoftphoneGateway:
        reason = self.unavailable
        if reason is not None or self.gateway is None or self.sip is None or not self.sip.started:
            raise InvalidTransition(
                "softphone_unavailable",
                "the softphone needs the SIP switch (HELPLINE_TELEPHONY=sip) and aiortc",
                reason=reason or "switch_not_started",
            )
        return self.gateway

    async def turn_on(self, tenant_id: str, user_id: str, offer_sdp: str) -> dict[str, Any]:
        """Register the user's phone in the gateway and answer the browser's WebRTC offer."""
        gateway = self._require()
        if "m=audio" not in offer_sdp or len(offer_sdp) > MAX_OFFER:
            raise Invalid("invalid_offer", "an SDP offer with one audio stream is needed", field="sdp")
        username, password = await self.account(tenant_id, user_id)
        try:
            directory = self.sip.directory if self.sip is not None else None
            current = (lambda: directory.passwords.get(username, password)) if directory else password
            _, answer = await gateway.open((tenant_id, user_id), username, current, offer_sdp)
        except self.register_failed as exc:
            raise InvalidTransition("softphone_register_failed", str(exc)) from exc
        except ValueError as exc:  # aiortc refuses an offer it cannot answer
            raise Invalid("invalid_offer", f"the offer cannot be answered: {exc}", field="sdp") from exc
        return {"type": "answer", "sdp": answer, **self.status(tenant_id, user_id)}

    async def turn_off(self, tenant_id: str, user_id: str, line_id: str | None = None) -> bool:
        if self.gateway is None:
            return False
        return await self.gateway.close((tenant_id, user_id), line_id=line_id)

    def _line(self, tenant_id: str, user_id: str) -> SoftphoneLine:
        line = self.gateway.get((tenant_id, user_id)) if self.gateway is not None else None
        if line is None:
            raise NotFound("softphone_off", "the softphone is not on")
        return line

    def answer(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        if not self._line(tenant_id, user_id).answer():
            raise InvalidTransition("softphone_not_ringing", "no call is ringing on the softphone")
        return self.status(tenant_id, user_id)

    def dtmf(self, tenant_id: str, user_id: str, digits: str) -> dict[str, Any]:
        """Keypad keys for the call in progress (queued; sent one after the other)."""
        try:
            sent = self._line(tenant_id, user_id).dtmf(digits)
        except ValueError as exc:
            raise Invalid("invalid_digits", str(exc), field="digits") from exc
        if not sent:
            raise InvalidTransition("softphone_no_call", "no call in progress on the softphone")
        return {**self.status(tenant_id, user_id), "digits": digits}

    def hangup(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        if not self._line(tenant_id, user_id).hangup():
            raise InvalidTransition("softphone_idle", "no call on the softphone")
        return self.status(tenant_id, user_id)

    async def account(self, tenant_id: str, user_id: str) -> tuple[str, str]:
        """The user's SIP user name and password; created when missing (the extension as the
        user name, or ``web-<user>`` for users without one; a random password)."""
        assert self.sip is not None
        async with self.units(tenant_id) as uow:
            found = await uow.sip_accounts.get(user_id)
            if found is not None:
                return found.username, found.password
            password = secrets.token_urlsafe(18)
            try:
                account = await sip_accounts.set_account(uow, self.sip.directory, user_id, password=password)
            except Invalid as exc:
                if exc.code != "username_required":
                    raise
                username = "web-" + UNSAFE.sub("", user_id)[:40]
                account = await sip_accounts.set_account(
                    uow, self.sip.directory, user_id, password=password, username=username
                )
        log.info("softphone_account_created", tenant=tenant_id, user=user_id, sip_user=account.username)
        return account.username, account.password

    def on_events(self, events: Sequence[Event]) -> None:
        """A dispatch hook of the ACD: the desktop answered -> the agent's softphone picks up.

        Runs after the switch was told to bridge (``CenterService._dispatch``), so the switch
        connects the call as soon as the phone's 200 OK arrives."""
        if self.gateway is None:
            return
        for event in events:
            if isinstance(event, CallAnswered):
                line = self.gateway.get((event.tenant_id, event.agent_id))
                call = line.phone.call if line is not None else None
                if line is not None and call is not None and call.call_id == event.call_id:
                    line.answer()

    async def stop(self) -> None:
        if self.gateway is not None:  # after the switch stopped (shutdown order): no unregister
            await self.gateway.close_all(unregister=self.sip is not None and self.sip.started)
