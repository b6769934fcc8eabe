"""Registering a phone of the server to the switch as an agent's extension: REGISTER,
answering the digest challenge (RFC 2617, qop=auth) with the password of the moment, so a
changed SIP password is used at the next refresh. The phone decides when to refresh."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.auth import digest_response, parse_credentials
from helpline.adapters.telephony.sip.dialog import new_call_id, new_tag
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.headers import Headers
from helpline.adapters.telephony.sip.message import Request, Response
from helpline.adapters.telephony.sip.ua import UserAgent


class RegisterFailed(Exception):
    """The switch refused the registration (wrong password, blocked, unreachable)."""


class Registration:
    """One address of record at the switch: one Call-ID and From tag, CSeq counting up."""

    def __init__(self, username: str, password: Callable[[], str], switch: Address, host: str) -> None:
        self.username = username
        self._password = password
        self.switch = switch
        self._call_id = new_call_id(host)
        self._from_tag = new_tag()
        self._cseq = 0

    async def register(self, ua: UserAgent, contact: str, expires: int) -> int:
        """REGISTER ``contact`` (answering the digest challenge); -> the expiry the
        registrar granted. Raises :class:`RegisterFailed`, or TimeoutError with no answer."""
        answer = await self._send(ua, contact, expires, None)
        if answer.status == 401:
            challenge = answer.headers.get("www-authenticate") or ""
            answer = await self._send(ua, contact, expires, self._authorization(challenge))
        if answer.status != 200:
            raise RegisterFailed(f"REGISTER {self.username}: {answer.status} {answer.reason}")
        for granted in answer.contacts:
            if granted.uri == contact.strip("<>"):
                raw = granted.params.get("expires")
                return int(raw) if raw and raw.isdigit() else expires
        return expires

    def _authorization(self, challenge: str) -> str:
        try:
            params = parse_credentials(challenge)
        except SipParseError as exc:
            raise RegisterFailed(f"unreadable challenge: {challenge!r}") from exc
        realm, nonce = params.get("realm", ""), params.get("nonce", "")
        uri = f"sip:{self.switch.host}:{self.switch.port}"
        qop = "auth" if "auth" in params.get("qop", "").split(",") else None
        cnonce, nc = secrets.token_hex(8), "00000001"
        response = digest_response(
            username=self.username,
            realm=realm,
            password=self._password(),
            method="REGISTER",
            uri=uri,
            nonce=nonce,
            qop=qop,
            nc=nc,
            cnonce=cnonce,
        )
        value = (
            f'Digest username="{self.username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm=MD5'
        )
        if qop:
            value += f', qop={qop}, nc={nc}, cnonce="{cnonce}"'
        return value

    async def _send(self, ua: UserAgent, contact: str, expires: int, authorization: str | None) -> Response:
        self._cseq += 1
        aor = f"sip:{self.username}@{self.switch.host}"
        headers = Headers()
        headers.add("Via", ua.via(self.switch))
        headers.add("Max-Forwards", "70")
        headers.add("From", f"<{aor}>;tag={self._from_tag}")
        headers.add("To", f"<{aor}>")
        headers.add("Call-ID", self._call_id)
        headers.add("CSeq", f"{self._cseq} REGISTER")
        headers.add("Contact", contact)
        headers.add("Expires", str(expires))
        headers.add("User-Agent", "Helpline-WebRTC")
        if authorization:
            headers.add("Authorization", authorization)
        request = Request(
            headers=headers, method="REGISTER", uri=f"sip:{self.switch.host}:{self.switch.port}"
        )
        done: asyncio.Future[Response] = asyncio.get_running_loop().create_future()

        def on_response(response: Response) -> None:
            if response.status >= 200 and not done.done():
                done.set_result(response)

        def on_timeout() -> None:
            if not done.done():
                done.set_exception(TimeoutError(f"no answer to REGISTER from {self.switch}"))

        ua.layer.request(request, self.switch, on_response, on_timeout)
        return await done
