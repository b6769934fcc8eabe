"""RTCP (RFC 3550 §6): compound packets built and parsed, reception-report arithmetic, and two
live RTP sessions on loopback that exchange reports (loss, jitter, round trip) on real sockets."""

from __future__ import annotations

import asyncio
import socket
import struct

from helpline.adapters.telephony.sip import rtcp, sdp
from helpline.adapters.telephony.sip.media import play, tone
from helpline.adapters.telephony.sip.rtp import PortPool
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket
from helpline.adapters.telephony.sip.rtp_stats import SourceStats


def test_sender_report_round_trip() -> None:
    block = rtcp.ReportBlock(0xCAFE, 64, 7, 70000, 160, 0x12345678, 65536)
    sender = rtcp.SenderInfo(3_900_000_000, 1 << 31, 123456, 250, 40000)
    data = rtcp.build_report(0xBEEF, [block], sender, "helpline@127.0.0.1")
    assert len(data) % 4 == 0 and rtcp.is_rtcp(data)
    report = rtcp.parse(data)
    assert report is not None
    assert report.ssrc == 0xBEEF and report.sender == sender and report.blocks == [block]
    assert report.cname == "helpline@127.0.0.1" and not report.bye


def test_receiver_report_with_bye_and_negative_cumulative_loss() -> None:
    block = rtcp.ReportBlock(1, 0, -3, 5, 0)  # duplicates make the cumulative loss negative
    report = rtcp.parse(rtcp.build_report(2, [block], None, "x", bye=True))
    assert report is not None and report.sender is None and report.bye
    assert report.blocks[0].cumulative_lost == -3


def test_parse_refuses_what_is_not_rtcp() -> None:
    good = rtcp.build_report(2, [], None, "x")
    assert rtcp.parse(b"") is None
    assert rtcp.parse(good[:-1]) is None  # lengths do not add up
    assert rtcp.parse(b"\x40" + good[1:]) is None  # version 1
    sdes_first = good[8:]  # a compound packet must start with SR or RR
    assert rtcp.parse(sdes_first) is None
    rtp = RtpPacket(0, 1, 160, 5, b"\xff" * 160).to_bytes()
    assert not rtcp.is_rtcp(rtp) and rtcp.parse(rtp) is None


def test_interval_is_randomised_around_five_seconds() -> None:
    values = [rtcp.next_interval() for _ in range(200)]
    assert all(2.5 <= v <= 7.5 for v in values) and max(values) - min(values) > 1
    assert all(1.25 <= rtcp.next_interval(first=True) <= 3.75 for _ in range(50))


def test_report_block_fraction_lost_is_per_interval() -> None:
    source = SourceStats(base_seq=100, max_seq=100)
    for seq in range(100, 200, 2):  # every other packet lost: 50 of 99 expected
        source.update(RtpPacket(0, seq, seq * 160, 9, b""), seq * 160)
    block = source.report_block(9, None, 0.0)
    assert block.cumulative_lost == 99 - 50 and block.highest_seq == 198
    assert 120 <= block.fraction_lost <= 135  # about half of 256
    for seq in range(199, 250):  # nothing lost since the last report
        source.update(RtpPacket(0, seq, seq * 160, 9, b""), seq * 160)
    assert source.report_block(9, None, 0.0).fraction_lost == 0
    with_sr = source.report_block(9, (0xABCD0000, 1.0), 1.5)
    assert with_sr.lsr == 0xABCD0000 and with_sr.dlsr == 32768  # half a second


async def test_two_sessions_exchange_reports_and_measure_the_far_end() -> None:
    pool = PortPool(47400, 47500)
    a, b = await pool.open("127.0.0.1"), await pool.open("127.0.0.1")
    try:
        for session in (a, b):
            session.rtcp_interval = 0.4  # 5 s on a line; short here so the test is quick
        a.set_remote(sdp.AudioPlan("127.0.0.1", b.port, "PCMU", 0, 101, "sendrecv"))
        b.set_remote(sdp.AudioPlan("127.0.0.1", a.port, "PCMA", 8, 101, "sendrecv"))
        assert a.rtcp_remote == ("127.0.0.1", b.port + 1)
        talk = tone((425.0,), 1.6)
        await asyncio.gather(play(a, talk), play(b, talk))
        await asyncio.sleep(0.8)
        for me, other in ((a, b), (b, a)):
            assert me.stats.rtcp_sent >= 2 and me.stats.rtcp_received >= 2
            far = me.stats.far_end
            assert far is not None, "the far end reported on our stream"
            assert far.cumulative_lost == 0 and far.fraction_lost == 0
            assert far.rtt_ms is not None and 0 <= far.rtt_ms < 1000
            assert far.packets == other.stats.packets_sent
        quality = a.stats.quality()
        assert quality["codec"] == "PCMU" and quality["packets_sent"] == a.stats.packets_sent
        assert quality["octets_sent"] == 160 * a.stats.packets_sent
        assert quality["packets_lost"] == 0 and quality["remote_packets_lost"] == 0
        assert quality["rtt_ms"] is not None
    finally:
        pool.release(a)
        pool.release(b)


async def test_rtcp_bye_on_close_and_muxed_rtcp_on_the_rtp_port() -> None:
    pool = PortPool(47600, 47700)
    session = await pool.open("127.0.0.1")
    far = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    far.bind(("127.0.0.1", 0))
    far.setblocking(False)
    far_port = far.getsockname()[1]
    try:
        session.set_remote(sdp.AudioPlan("127.0.0.1", far_port - 1, "PCMU", 0, 101, "sendrecv"))
        # the far end muxes: its RR about our stream arrives on the RTP port
        session.send_pcm(tone((440.0,), 0.02))
        report = rtcp.build_report(77, [rtcp.ReportBlock(session.ssrc, 26, 3, 1, 80)], None, "far")
        far.sendto(report, ("127.0.0.1", session.port))
        await asyncio.sleep(0.1)
        assert session.stats.rtcp_received == 1 and session.stats.invalid == 0
        assert session.stats.far_end is not None and session.stats.far_end.cumulative_lost == 3
        assert session.stats.far_end.jitter_ms == 10.0
        assert session.rtcp_remote == ("127.0.0.1", far_port)  # latched to where RTCP came from
    finally:
        pool.release(session)
    await asyncio.sleep(0.05)
    data = far.recv(2048)
    far.close()
    bye = rtcp.parse(data)
    assert bye is not None and bye.bye and bye.ssrc == session.ssrc
    assert bye.sender is not None and bye.sender.packets == 1
    assert struct.unpack("!H", data[2:4])[0] == 6  # SR with no blocks: 7 words, length 6


def test_the_far_end_says_where_its_rtcp_goes() -> None:
    base = (
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    )
    for extra, port in [
        ("", 4001),
        ("a=rtcp:5005\r\n", 5005),
        ("a=rtcp:5007 IN IP4 192.0.2.1\r\n", 5007),
        ("a=rtcp-mux\r\n", 4000),
        ("a=rtcp:x\r\n", 4001),
    ]:
        plan = sdp.negotiate(sdp.SessionDescription.parse((base + extra).encode()))
        assert plan is not None and plan.rtcp == port, extra
