"""The composition root's telephony part for ``HELPLINE_TELEPHONY=sip``.

Built in two steps because the switch and the ACD need each other: the switch is the ACD's
Telephony port (so it exists first), and the ACD is the switch's listener (connected once
``CenterService`` exists). Nothing listens on the network until :meth:`SipRuntime.go_live`:
CLI commands build a container too, and must not take the server's SIP port.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from helpline.adapters import audio
from helpline.adapters.db.unit_of_work import SqlUnits
from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.switch import SipSwitch
from helpline.adapters.tts import EspeakTts
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import Clock
from helpline.app.ivr.callers import CustomerLookup
from helpline.app.ivr.flows import FlowDirectory
from helpline.app.ivr.prompts import PromptLibrary
from helpline.app.ivr.queue_waiting import QueueWaiting
from helpline.app.ivr.runner import IvrRunner
from helpline.app.telephony.directory import SipDirectory
from helpline.app.telephony.ports import TelephonyUnits
from helpline.app.telephony.recordings import save_recordings
from helpline.app.telephony.sip_accounts import load_directory
from helpline.app.telephony.sip_bridge import AcdBridge
from helpline.app.telephony.softphone import SoftphoneService
from helpline.config import Settings

log = structlog.get_logger("helpline.sip")


def recordings_dir(settings: Settings) -> Path:
    return Path(settings.recordings_dir or Path(settings.data_dir) / "recordings")


def prompts_dir(settings: Settings) -> Path:
    return Path(settings.prompts_dir or Path(settings.data_dir) / "prompts")


def prompt_library(settings: Settings) -> PromptLibrary:
    root = prompts_dir(settings)
    return PromptLibrary(root, EspeakTts(root / "tts"), audio)


def sip_config(settings: Settings, directory: SipDirectory, numbers: dict[str, str]) -> SipConfig:
    if settings.rtp_port_min >= settings.rtp_port_max:
        raise ValueError("rtp_port_min must be below rtp_port_max")
    music = prompts_dir(settings) / "hold_music.wav"
    return SipConfig(
        host=settings.sip_host,
        port=settings.sip_port,
        realm=settings.sip_realm,
        users=directory.passwords,
        inbound_numbers=numbers,
        rtp_port_range=(settings.rtp_port_min, settings.rtp_port_max),
        trusted_peers=tuple(settings.sip_trusted_peers),
        public_host=settings.sip_public_host or None,
        recording_dir=str(recordings_dir(settings)),
        hold_music_wav=str(music) if music.is_file() else None,
        trunk=settings.sip_trunk or None,
        caller_id=settings.sip_caller_id,
        early_media=settings.sip_early_media,
        early_media_seconds=settings.sip_early_media_seconds,
        ringback=settings.sip_ringback,
        ringback_by_tenant=dict(settings.sip_ringback_by_tenant),
        split_recording=settings.sip_split_recording,
        split_recording_by_tenant=dict(settings.sip_split_recording_by_tenant),
        desk_answer=settings.sip_desk_answer,
    )


@dataclass
class SipRuntime:
    """The switch and what connects it to the platform."""

    settings: Settings
    switch: SipSwitch
    directory: SipDirectory
    flows: FlowDirectory
    prompts: PromptLibrary
    runner: IvrRunner
    units: SqlUnits
    bridge: AcdBridge | None = None
    waiting: QueueWaiting | None = None
    started: bool = False

    def connect(self, centers: CenterService) -> None:
        """Make the ACD the switch's listener (the switch is already the ACD's telephony)."""
        self.bridge = AcdBridge(centers, self.switch, self.units)
        self.switch.listener = self.bridge
        self.switch.on_call_ended = self.bridge.call_ended
        self.runner.centers = centers
        self.waiting = QueueWaiting(
            centers, self.switch, self.flows, self.prompts, self.runner, self.units, clock=centers.clock.now
        )
        self.bridge.on_queued.append(self.waiting.on_queued)
        self.bridge.on_digit.append(self.waiting.on_digit)
        centers.dispatch_hooks.append(self.waiting.on_events)
        centers.switch_hooks.append(self.bridge.carry_out)

    async def go_live(self) -> None:
        """Load accounts and flows, make sure the default prompts exist, then listen for SIP."""
        async with self.units(self.settings.default_tenant) as uow:
            accounts = await load_directory(uow, self.directory)
            flows = await self.flows.load(uow.ivr_flows)
        if self.prompts.missing_defaults():  # first start: speak them (about a second)
            report = await self.prompts.generate_defaults()
            log.info(
                "prompts_generated",
                count=len(report["generated"]),
                seconds=report["seconds"],
                error=report.get("error"),
            )
        await self.switch.start()
        self.started = True
        config = self.switch.config
        log.info(
            "sip_ready",
            host=config.host,
            port=self.switch.port,
            transports="udp,tcp",
            accounts=accounts,
            flows=flows,
            numbers=sorted(config.inbound_numbers),
            rtp=f"{config.rtp_port_range[0]}-{config.rtp_port_range[1]}",
            recordings=config.recording_dir,
        )

    def phone(self, tenant_id: str, user_id: str) -> dict[str, object]:
        """A user's SIP user name and whether (and from where) the phone is registered now."""
        username = self.directory.extension_of(tenant_id, user_id)
        bindings = self.switch.registrar.lookup(username) if username else []
        return {
            "username": username,
            "registered": bool(bindings),
            "contacts": [b.contact for b in bindings],
            "forward_to": self.directory.forward_of(tenant_id, user_id),
            "auto_answer": self.directory.auto_answer_of(tenant_id, user_id),
        }

    async def stop(self) -> None:
        if self.waiting is not None:
            await self.waiting.stop()
        if self.started:
            await self.switch.stop()
            self.started = False


def build_sip(settings: Settings, units: SqlUnits, clock: Clock) -> SipRuntime:
    """The switch and its IVR, not yet listening and not yet connected to the ACD."""
    directory = SipDirectory()
    flows = FlowDirectory(dict(settings.sip_inbound_numbers))
    prompts = prompt_library(settings)
    runner = IvrRunner(
        flows,
        prompts,
        units,
        recordings_dir(settings),
        functools.partial(save_recordings, units),
        clock=clock.now,
        can_transfer=bool(settings.sip_trunk),
        lookup=CustomerLookup(units),
    )
    switch = SipSwitch(
        sip_config(settings, directory, flows.numbers),
        extension_of=directory.extension_of,
        agent_of=directory.owner_of,
        forward_of=directory.forward_of,
        auto_answer_of=directory.auto_answer_of,
        ivr=runner.run,
        survey=runner.survey,
    )
    return SipRuntime(settings, switch, directory, flows, prompts, runner, units)


def webrtc_missing() -> bool:
    try:
        import aiortc  # noqa: F401
    except ImportError:
        return True
    return False


def build_softphone(
    units: TelephonyUnits, sip: SipRuntime | None, ice_servers: Sequence[str] = ()
) -> SoftphoneService:
    """The browser softphone's service, with a WebRTC gateway when the switch is SIP and
    aiortc is installed (without one, the panel is told why there is no audio)."""
    if sip is None or webrtc_missing():
        return SoftphoneService(units, sip, None)
    from helpline.adapters.webrtc.gateway import WebRtcGateway
    from helpline.adapters.webrtc.sip_phone import RegisterFailed

    def switch_address() -> tuple[str, int]:
        config = sip.switch.config
        host = config.host if config.host not in ("", "0.0.0.0") else "127.0.0.1"
        return host, sip.switch.port

    gateway = WebRtcGateway(switch_address, ice_servers=list(ice_servers))
    return SoftphoneService(units, sip, gateway, register_failed=RegisterFailed)
