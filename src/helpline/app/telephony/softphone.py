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
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db.tables.telephony import SipAccount
from helpline.app.telephony import sip_accounts
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import CallAnswered, Event

if TYPE_CHECKING:
    from helpline.adapters.webrtc.gateway import WebRtcGateway
    from helpline.bootstrap_sip import SipRuntime

log = structlog.get_logger("helpline.softphone")
MAX_OFFER = 64 * 1024
UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")

# why the softphone cannot be used, for the panel to say so
VIRTUAL_SWITCH = "virtual_switch"  # HELPLINE_TELEPHONY=sim: there is no audio at all
NO_WEBRTC = "no_webrtc"  # aiortc is not installed


def webrtc_missing() -> bool:
    try:
        import aiortc  # noqa: F401
    except ImportError:
        return True
    return False


class SoftphoneService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sip: SipRuntime | None,
        gateway: WebRtcGateway | None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.sip = sip
        self.gateway = gateway

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

    def _require(self) -> WebRtcGateway:
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
        from helpline.adapters.webrtc.sip_phone import RegisterFailed

        try:
            directory = self.sip.directory if self.sip is not None else None
            current = (lambda: directory.passwords.get(username, password)) if directory else password
            _, answer = await gateway.open((tenant_id, user_id), username, current, offer_sdp)
        except RegisterFailed as exc:
            raise InvalidTransition("softphone_register_failed", str(exc)) from exc
        except ValueError as exc:  # aiortc refuses an offer it cannot answer
            raise Invalid("invalid_offer", f"the offer cannot be answered: {exc}", field="sdp") from exc
        return {"type": "answer", "sdp": answer, **self.status(tenant_id, user_id)}

    async def turn_off(self, tenant_id: str, user_id: str, line_id: str | None = None) -> bool:
        if self.gateway is None:
            return False
        return await self.gateway.close((tenant_id, user_id), line_id=line_id)

    def _line(self, tenant_id: str, user_id: str) -> Any:
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
        async with self.sessionmaker() as session, session.begin():
            try:
                row: SipAccount = await sip_accounts.get_account(session, tenant_id, user_id)
                return row.username, row.password
            except NotFound:
                pass
            password = secrets.token_urlsafe(18)
            try:
                row = await sip_accounts.set_account(
                    session, self.sip.directory, tenant_id, user_id, password=password
                )
            except Invalid as exc:
                if exc.code != "username_required":
                    raise
                username = "web-" + UNSAFE.sub("", user_id)[:40]
                row = await sip_accounts.set_account(
                    session, self.sip.directory, tenant_id, user_id, password=password, username=username
                )
            log.info("softphone_account_created", tenant=tenant_id, user=user_id, sip_user=row.username)
            return row.username, row.password

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


def build_softphone(
    sessionmaker: async_sessionmaker[AsyncSession], sip: SipRuntime | None, ice_servers: Sequence[str] = ()
) -> SoftphoneService:
    """The service, with a gateway when the switch is SIP and aiortc is installed."""
    if sip is None or webrtc_missing():
        return SoftphoneService(sessionmaker, sip, None)
    from helpline.adapters.webrtc.gateway import WebRtcGateway

    def switch_address() -> tuple[str, int]:
        config = sip.switch.config
        host = config.host if config.host not in ("", "0.0.0.0") else "127.0.0.1"
        return host, sip.switch.port

    return SoftphoneService(sessionmaker, sip, WebRtcGateway(switch_address, ice_servers=list(ice_servers)))
