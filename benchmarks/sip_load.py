"""The SIP switch under load: calls per second, concurrent media calls, CPU, memory, profile.

The switch runs alone in a child process (``--serve``), so that its CPU time and memory are
its own. Three measurements:

* **call rate**: sipp calls the inbound number at rising rates; an IVR answers, plays a short
  prompt (0.2 s) and hangs up (BYE from the switch). The highest rate with fewer than 0.1%
  failed calls is the figure. Baseline, beside it: the same rates with sipp's own UAC and UAS
  (C++, no media), i.e. what the machine and the load generator manage without our switch.
* **media**: N callers stay on music on hold (paced 20 ms G.711 frames, one task per call).
  A Python client receives every stream with kernel receive timestamps (``SO_TIMESTAMPNS``,
  so its own scheduling does not count) and reports the RFC 3550 interarrival jitter and the
  deviation of packet spacing from 20 ms, p50/p99, and loss.
* **profile**: the switch's own cProfile over a call-rate step: where the time goes.

Run: ``.venv/bin/python benchmarks/sip_load.py [--rates 25,50,100,150,200 --seconds 8
--media 50,100,200 --media-seconds 8]``. Needs sipp (Debian: sip-tester). The last line
printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.ivr import IvrSession
from helpline.adapters.telephony.sip.listener import InboundCall, NullListener
from helpline.adapters.telephony.sip.media import tone
from helpline.adapters.telephony.sip.switch import SipSwitch

sys.path.insert(0, str(Path(__file__).parent))
from sip_load_media import media

SIPP = shutil.which("sipp")
IDLE = ("<method 'poll' of 'select.epoll' objects>", "<method 'select' of 'select.epoll' objects>")
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; Python does not name it
UAC_WAITS_FOR_BYE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller answered by an IVR that hangs up">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:5550000@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:5550000@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=b 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:5550000@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
</scenario>
"""


# -- the switch, in its own process ------------------------------------------------------------


class HangUpAfterIvr(NullListener):
    def __init__(self, switch: SipSwitch) -> None:
        self.switch = switch

    async def call_arrived(self, call: InboundCall) -> None:
        await self.switch.hangup(call.tenant_id, call.call_id)


async def serve(port: int, mode: str) -> None:
    prompt = tone((440.0,), 0.2)

    async def ivr(session: IvrSession) -> str:
        if mode == "cps":
            await session.play(prompt, barge_in=False)
        return ""  # media: straight to the queue, music on hold until the BYE

    config = SipConfig(
        port=port,
        inbound_numbers={"100": "bench"},
        trusted_peers=("127.0.0.1",),
        rtp_port_range=(20000, 29998),
        rate_limit=1e6,
        rate_burst=1e6,
        tcp=False,
    )
    switch = SipSwitch(config, ivr=ivr)
    if mode == "cps":
        switch.listener = HangUpAfterIvr(switch)
    await switch.start()
    print(f"READY {switch.port}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await switch.stop()


def serve_main(args: argparse.Namespace) -> None:
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    asyncio.run(serve(args.port, args.mode))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)


class SwitchProcess:
    def __init__(self, mode: str, profile: str | None = None) -> None:
        self.port = free_udp_port()
        command = [sys.executable, __file__, "--serve", "--mode", mode, "--port", str(self.port)]
        if profile:
            command += ["--profile", profile]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        for _ in range(100):  # its log lines come first
            line = self.proc.stdout.readline()
            if line.startswith("READY") or not line:
                break
        if not line.startswith("READY"):
            self.proc.kill()
            raise RuntimeError("the switch did not start")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{self.proc.pid}/status").read_text())
        return int(match.group(1)) / 1024 if match else 0.0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- call rate ---------------------------------------------------------------------------------


def run_sipp(args: list[str], timeout: float) -> dict[str, float]:
    assert SIPP is not None
    out = subprocess.run(
        [SIPP, *args, "-nostdin", "-i", "127.0.0.1", "-timeout", f"{int(timeout)}s"],
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        check=False,
    ).stdout

    def cumulative(name: str) -> float:
        found = re.findall(rf"{name}\s*\|[^|]*\|\s*([\d.]+)", out)
        return float(found[-1]) if found else 0.0

    return {
        "created": cumulative("Total Calls created"),
        "ok": cumulative("Successful call"),
        "failed": cumulative("Failed call"),
    }


def call_rate(rates: list[int], seconds: float, workdir: Path, baseline: bool) -> list[dict[str, Any]]:
    scenario = workdir / "uac.xml"
    scenario.write_text(UAC_WAITS_FOR_BYE)
    results = []
    for rate in rates:
        calls = int(rate * seconds)
        if baseline:
            uas_port = free_udp_port()
            assert SIPP is not None
            uas = subprocess.Popen(
                [SIPP, "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port), "-nostdin"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.3)
            started = time.perf_counter()
            counts = run_sipp(
                [
                    "-sn",
                    "uac",
                    "-d",
                    "200",
                    "-s",
                    "100",
                    f"127.0.0.1:{uas_port}",
                    "-r",
                    str(rate),
                    "-m",
                    str(calls),
                    "-p",
                    str(free_udp_port()),
                ],
                seconds * 3 + 10,
            )
            elapsed = time.perf_counter() - started
            uas.terminate()  # our own child, by its pid
            uas.wait(timeout=10)
            cpu = rss = 0.0
        else:
            switch = SwitchProcess("cps")
            cpu_before = switch.cpu_seconds()
            started = time.perf_counter()
            counts = run_sipp(
                [
                    "-sf",
                    str(scenario),
                    "-s",
                    "100",
                    f"127.0.0.1:{switch.port}",
                    "-r",
                    str(rate),
                    "-m",
                    str(calls),
                    "-p",
                    str(free_udp_port()),
                    "-mp",
                    "40000",
                ],
                seconds * 3 + 10,
            )
            elapsed = time.perf_counter() - started
            cpu, rss = switch.cpu_seconds() - cpu_before, switch.rss_mb()
            switch.stop()
        failed = counts["failed"] + max(0.0, calls - counts["ok"] - counts["failed"])
        results.append(
            {
                "rate": rate,
                "calls": calls,
                "ok": int(counts["ok"]),
                "failed": int(failed),
                "failed_pct": round(100 * failed / calls, 3),
                "achieved_cps": round(counts["ok"] / elapsed, 1),
                "switch_cpu_pct": round(100 * cpu / elapsed, 1),
                "switch_rss_mb": round(rss, 1),
            }
        )
        print(("baseline " if baseline else "switch   ") + json.dumps(results[-1]), flush=True)
        if not sustained(results[-1]):
            break  # failing, or the rate is no longer reached: saturated
    return results


def sustained(row: dict[str, Any]) -> bool:
    """Fewer than 0.1% failed calls, at (nearly: set-up and the last call count too) the rate asked."""
    return bool(row["failed_pct"] < 0.1 and row["achieved_cps"] >= 0.85 * row["rate"])


# -- profile -----------------------------------------------------------------------------------


def profile(rate: int, seconds: float, workdir: Path, top: int = 15) -> list[dict[str, Any]]:
    path = workdir / "switch.prof"
    switch = SwitchProcess("cps", profile=str(path))
    scenario = workdir / "uac.xml"
    scenario.write_text(UAC_WAITS_FOR_BYE)
    run_sipp(
        [
            "-sf",
            str(scenario),
            "-s",
            "100",
            f"127.0.0.1:{switch.port}",
            "-r",
            str(rate),
            "-m",
            str(int(rate * seconds)),
            "-p",
            str(free_udp_port()),
            "-mp",
            "40000",
        ],
        seconds * 3 + 10,
    )
    switch.stop()
    stats = pstats.Stats(str(path))
    busy = {k: v for k, v in stats.stats.items() if k[2] not in IDLE}  # type: ignore[attr-defined]
    total = sum(v[2] for v in busy.values())
    rows = sorted(busy.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    return [
        {
            "function": f"{Path(f).name}:{line}:{name}",
            "calls": v[1],
            "own_s": round(v[2], 3),
            "own_pct": round(100 * v[2] / total, 1),
        }
        for (f, line, name), v in rows
    ]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="cps", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rates", default="25,50,100,150,200,300")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--media", default="50,100,200")
    parser.add_argument("--media-seconds", type=float, default=8.0)
    parser.add_argument("--profile-rate", type=int, default=50)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    if args.serve:
        serve_main(args)
        return {}
    if SIPP is None:
        raise SystemExit("sipp is not installed (Debian: apt-get install sip-tester)")
    rates = [int(r) for r in args.rates.split(",") if r]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        switch_rates = call_rate(rates, args.seconds, workdir, baseline=False)
        baseline = [] if args.no_baseline else call_rate(rates, args.seconds, workdir, baseline=True)
        streams = []
        for count in (int(c) for c in args.media.split(",") if c):
            streams.append(media(SwitchProcess("media"), count, args.media_seconds))
            print("media    " + json.dumps(streams[-1]), flush=True)
        hot = profile(args.profile_rate, args.seconds, workdir)
    for row in hot:
        print(f"  {row['own_pct']:5.1f}%  {row['own_s']:7.3f}s  {row['calls']:>8}  {row['function']}")

    def best(rows: list[dict[str, Any]]) -> int:
        return max((r["rate"] for r in rows if sustained(r)), default=0)

    result = {
        "cps_max": best(switch_rates),
        "baseline_cps_max": best(baseline) if baseline else None,
        "ratio_to_baseline": round(best(switch_rates) / best(baseline), 3)
        if baseline and best(baseline)
        else None,
        "call_rate": switch_rates,
        "baseline_call_rate": baseline,
        "media": streams,
        "profile": hot[:10],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
