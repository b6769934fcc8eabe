"""``SipSwitch``: Helpline's softswitch, the real implementation of the ACD's Telephony port.

It listens for SIP on UDP and TCP, is the registrar of the agents' phones (digest
authentication, throttled after repeated failures: :mod:`admission`), answers calls to the inbound numbers,
runs the IVR, keeps callers on music on hold while the ACD queues them, rings agent phones
and bridges their audio with the caller's (see :mod:`b2bua`), consults, conferences and
transfers (:mod:`transfers`). It never relays: it terminates every call, and places calls
only to its own registered phones and, for its own actions (an agent's dial-out, a
transfer or consult to a number, the IVR), through the configured trunk.

Run it alone with a demo configuration::

    python -m helpline.adapters.telephony.sip.switch --port 5070
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import structlog

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.admission import Admission
from helpline.adapters.telephony.sip.auth import DigestAuth, FailureThrottle
from helpline.adapters.telephony.sip.b2bua import B2bua
from helpline.adapters.telephony.sip.calls import SwitchCall
from helpline.adapters.telephony.sip.config import SipConfig, demo_config
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.ivr import IvrFlow, MenuConfig, menu
from helpline.adapters.telephony.sip.listener import InboundCall, NullListener, SwitchListener
from helpline.adapters.telephony.sip.media import demo_hold_music, demo_prompt, load_wav
from helpline.adapters.telephony.sip.message import Request, Response
from helpline.adapters.telephony.sip.registrar import Registrar
from helpline.adapters.telephony.sip.rtp import PortPool
from helpline.adapters.telephony.sip.summary import CallSummary
from helpline.adapters.telephony.sip.transport import RateLimiter, SipTransport
from helpline.adapters.telephony.sip.ua import UserAgent

log = structlog.get_logger("helpline.sip")


class SipSwitch:
    """The SIP switch. ``listener`` hears about calls and phones (the ACD); ``extension_of``
    maps (tenant, agent id) to the agent's extension (identity by default); ``ivr`` is the
    flow callers go through first (a one-prompt menu by default); ``survey`` is what a caller
    hears after the agent hangs up (no survey: the call just ends); ``on_call_ended`` hears
    of every finished call (its recording, for the call record); ``agent_of`` maps a SIP
    user name to (tenant, agent) for calls agents place from their phones; ``forward_of``
    names the outside number an agent is reached at (through the trunk) instead of a phone;
    ``auto_answer_of`` says whose phone is asked to pick up offered calls by itself."""

    def __init__(
        self,
        config: SipConfig,
        *,
        listener: SwitchListener | None = None,
        extension_of: Callable[[str, str], str | None] | None = None,
        agent_of: Callable[[str], tuple[str, str] | None] | None = None,
        forward_of: Callable[[str, str], str | None] | None = None,
        auto_answer_of: Callable[[str, str], bool] | None = None,
        ivr: IvrFlow | None = None,
        clock: Callable[[], float] = time.time,
        survey: IvrFlow | None = None,
        on_call_ended: Callable[[CallSummary], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self.config = config
        self._listener: SwitchListener = listener or NullListener()
        self.extension_of = extension_of or (lambda tenant_id, agent_id: agent_id)
        # SIP user name -> (tenant, agent): whose phone places a call (dial-out, internal call)
        self.agent_of = agent_of or (lambda username: None)
        # (tenant, agent) -> the outside number an agent is reached at instead of a phone
        self.forward_of = forward_of or (lambda tenant_id, agent_id: None)
        # (tenant, agent) -> a headset agent: offered calls carry Call-Info answer-after=0
        self.auto_answer_of = auto_answer_of or (lambda tenant_id, agent_id: False)
        self.clock = clock
        self.registrar = Registrar(clock)
        throttle = FailureThrottle(
            clock, max_failures=config.auth_max_failures, block_for=config.auth_block_seconds
        )
        self.auth = DigestAuth(
            config.realm, config.users.get, clock, nonce_ttl=config.nonce_ttl, throttle=throttle
        )
        self.prompt = load_wav(config.prompt_wav) if config.prompt_wav else demo_prompt()
        self.hold_music = load_wav(config.hold_music_wav) if config.hold_music_wav else demo_hold_music()
        self._ivr = ivr or menu(
            MenuConfig(self.prompt, max_digits=config.ivr_max_digits, first_timeout=config.ivr_timeout)
        )
        self.survey_flow = survey
        self.on_call_ended = on_call_ended
        self.transport: SipTransport | None = None
        self.ua: UserAgent | None = None
        self.b2bua: B2bua | None = None

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        config = self.config
        transport = SipTransport(
            config.host,
            config.port,
            self._receive,
            RateLimiter(loop.time, config.rate_limit, config.rate_burst),
            tcp=config.tcp,
        )
        await transport.start()
        self.transport = transport
        ua = UserAgent(
            transport.send,
            loop,
            config.timers,
            host=config.advertised_host,
            port=transport.port,
            media_host=config.advertised_host,
            user_agent=config.user_agent,
        )
        ua.connected = transport.connected
        self.ua = ua
        pool = PortPool(*config.rtp_port_range)
        self.b2bua = B2bua(
            config, ua, self.registrar, pool, self._listener, self.extension_of, self._ivr, self.hold_music
        )
        self.b2bua.forward_of = self.forward_of
        self.b2bua.auto_answer_of = self.auto_answer_of
        self.b2bua.survey_flow = self.survey_flow
        self.b2bua.on_ended = self.on_call_ended
        admission = Admission(
            config, ua, self.auth, self.registrar, self.b2bua, lambda user: self.agent_of(user), self.clock
        )
        ua.on_request = admission.on_request
        log.info("sip_listening", host=config.host, port=transport.port, tcp=config.tcp)

    async def stop(self) -> None:
        if self.b2bua is not None:
            await self.b2bua.close()
            await asyncio.sleep(0.05)  # let the BYEs leave
        if self.ua is not None:
            self.ua.layer.close()
        if self.transport is not None:
            await self.transport.stop()
        self.transport = self.ua = self.b2bua = None

    async def __aenter__(self) -> SipSwitch:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def listener(self) -> SwitchListener:
        return self._listener

    @listener.setter
    def listener(self, listener: SwitchListener) -> None:
        """Who hears about calls; may be set after :meth:`start` (the ACD is built later)."""
        self._listener = listener
        if self.b2bua is not None:
            self.b2bua.listener = listener

    @property
    def port(self) -> int:
        return self.transport.port if self.transport else self.config.port

    def _receive(self, message: Request | Response, source: Address) -> None:
        if self.ua is not None:
            self.ua.receive(message, source)

    @property
    def calls(self) -> dict[str, SwitchCall]:
        return self.b2bua.calls if self.b2bua else {}

    def stats(self) -> dict[str, Any]:
        transport = self.transport.stats if self.transport else None
        return {
            "registrations": self.registrar.count(),
            "calls": len(self.calls),
            "transactions": len(self.ua.layer.client) + len(self.ua.layer.server) if self.ua else 0,
            "rtp_ports_in_use": self.b2bua.pool.in_use if self.b2bua else 0,
            "transport": vars(transport) if transport else {},
        }

    # -- the ACD's Telephony port ---------------------------------------------------------------

    async def ring_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        if self.b2bua is not None:
            await self.b2bua.ring_agent(tenant_id, call_id, agent_id)

    async def bridge(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        if self.b2bua is not None:
            await self.b2bua.bridge(tenant_id, call_id, agent_id)

    async def hold(self, tenant_id: str, call_id: str) -> None:
        if self.b2bua is not None:
            await self.b2bua.hold(tenant_id, call_id)

    async def retrieve(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        if self.b2bua is not None:
            await self.b2bua.retrieve(tenant_id, call_id, agent_id)

    async def monitor(self, tenant_id: str, call_id: str, supervisor_id: str, mode: str) -> None:
        if self.b2bua is not None:
            await self.b2bua.monitor(tenant_id, call_id, supervisor_id, mode)

    async def hangup(self, tenant_id: str, call_id: str) -> None:
        if self.b2bua is not None:
            await self.b2bua.hangup(tenant_id, call_id)

    async def survey(self, tenant_id: str, call_id: str) -> None:
        """The agent ended the call: the caller rates it (when a survey is set), then hangs up."""
        if self.b2bua is not None:
            await self.b2bua.survey(tenant_id, call_id)

    async def take_over(self, tenant_id: str, call_id: str, flow: IvrFlow) -> bool:
        """Run ``flow`` with the caller alone (agents dropped), then hang up (voicemail or a
        callback confirmation after the queue gave up on the call)."""
        return self.b2bua is not None and await self.b2bua.take_over(tenant_id, call_id, flow)

    async def announce(self, tenant_id: str, call_id: str, pcm: Pcm) -> bool:
        """Tell a waiting caller something (position, expected wait), then music again."""
        return self.b2bua is not None and await self.b2bua.announce(tenant_id, call_id, pcm)

    async def release_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        """The agent transferred the call away: their phone goes, the caller hears music."""
        if self.b2bua is not None:
            await self.b2bua.release_agent(tenant_id, call_id, agent_id)

    async def cancel_ring(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        """Stop ringing one agent (the ACD's CallOfferEnded)."""
        if self.b2bua is not None:
            await self.b2bua.cancel_ring(tenant_id, call_id, agent_id)

    async def unmonitor(self, tenant_id: str, call_id: str, supervisor_id: str) -> None:
        """The supervisor leaves (the ACD's SupervisorLeft)."""
        if self.b2bua is not None:
            await self.b2bua.unmonitor(tenant_id, call_id, supervisor_id)

    # -- call control beyond the Telephony port (see transfers.py) -----------------------------

    async def consult(
        self,
        tenant_id: str,
        call_id: str,
        consult_id: str,
        agent_id: str,
        *,
        target_agent_id: str | None = None,
        number: str | None = None,
    ) -> None:
        """The agent consults a colleague or a number; the caller hears music meanwhile."""
        if self.b2bua is not None:
            await self.b2bua.consult(
                tenant_id, call_id, consult_id, agent_id, target_agent_id=target_agent_id, number=number
            )

    async def end_consult(self, tenant_id: str, call_id: str, consult_id: str, outcome: str) -> None:
        """``cancelled``, ``transferred`` (attended transfer) or ``conferenced`` (three-way)."""
        if self.b2bua is not None:
            await self.b2bua.end_consult(tenant_id, call_id, consult_id, outcome)

    async def transfer_out(self, tenant_id: str, call_id: str, number: str) -> bool:
        """Send the caller to a number through the trunk; False when it cannot be called."""
        return self.b2bua is not None and await self.b2bua.transfer_out(tenant_id, call_id, number)

    def carries(self, tenant_id: str, call_id: str) -> bool:
        """Whether the switch sees the call to its end itself (sent out to a number)."""
        return self.b2bua is not None and self.b2bua.carries(tenant_id, call_id)

    async def dial(self, tenant_id: str, call_id: str, agent_id: str, number: str) -> bool:
        """Agent dial-out: the agent's phone, then the number (an extension or the trunk)."""
        return self.b2bua is not None and await self.b2bua.dial(tenant_id, call_id, agent_id, number)

    async def internal_call(self, tenant_id: str, call_id: str, agent_id: str, callee: str) -> bool:
        """An internal call placed at the desktop: the agent's own phone (answering by itself),
        bridged to the colleague's once the ACD's offer there is answered."""
        return self.b2bua is not None and await self.b2bua.internal_call(tenant_id, call_id, agent_id, callee)


class DemoListener(NullListener):
    """A stand-in ACD for the standalone switch: ring every registered demo extension in
    turn; bridge the first that answers; end the call when the agent hangs up."""

    def __init__(self, switch: SipSwitch) -> None:
        self.switch = switch

    async def call_arrived(self, call: InboundCall) -> None:
        log.info("demo_call", call_id=call.call_id, caller=call.caller, digits=call.digits)
        for extension in sorted(self.switch.config.users):
            if self.switch.registrar.lookup(extension):
                await self.switch.ring_agent(call.tenant_id, call.call_id, extension)

    async def agent_answered(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        await self.switch.bridge(tenant_id, call_id, agent_id)

    async def agent_hung_up(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        await self.switch.hangup(tenant_id, call_id)


async def _serve(config: SipConfig) -> None:
    switch = SipSwitch(config)
    switch.listener = DemoListener(switch)
    await switch.start()
    print(
        f"helpline SIP switch on {config.host}:{switch.port} (udp/tcp); "
        f"extensions {', '.join(sorted(config.users))} (password 'secret'); "
        f"dial {', '.join(config.inbound_numbers)} from {', '.join(config.trusted_peers)}",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await switch.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Helpline SIP switch with a demo configuration")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5070)
    parser.add_argument("--prompt", help="prompt WAV (8 kHz mono 16-bit)")
    parser.add_argument("--record", help="directory for call recordings")
    args = parser.parse_args(argv)
    config = demo_config(args.port)
    config.host = args.host
    config.prompt_wav = args.prompt
    config.recording_dir = args.record and str(Path(args.record))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config))


if __name__ == "__main__":
    main()
