"""RFC 3261 §17 transactions on a virtual clock: every timer (A, B, D, E, F, G, H, I, J, K,
and RFC 6026's L and M) fires when it should and does what it should."""

from __future__ import annotations

import pytest

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.message import Request, Response, parse_message, response
from helpline.adapters.telephony.sip.timers import TimerConfig, VirtualScheduler
from helpline.adapters.telephony.sip.transaction import (
    InviteClientTransaction,
    InviteServerTransaction,
    NonInviteClientTransaction,
    NonInviteServerTransaction,
    State,
    TransactionLayer,
)
from helpline.adapters.telephony.sip.ua import UserAgent

UDP = Address("127.0.0.1", 5099, "UDP")
TCP = Address("127.0.0.1", 5099, "TCP")


def make_request(method: str, branch: str = "z9hG4bK-abc", cseq_method: str | None = None) -> Request:
    data = (
        f"{method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch={branch}\r\n"
        f"From: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\nCall-ID: cid\r\n"
        f"CSeq: 1 {cseq_method or method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    message = parse_message(data)
    assert isinstance(message, Request)
    return message


class Wire:
    """The transport, as the transaction layer sees it: it records when each message left."""

    def __init__(self, clock: VirtualScheduler) -> None:
        self.clock = clock
        self.sent: list[tuple[float, bytes]] = []

    def __call__(self, data: bytes, peer: Address) -> None:
        self.sent.append((round(self.clock.time(), 3), data))

    def times(self, start: bytes) -> list[float]:
        return [t for t, d in self.sent if d.startswith(start)]


@pytest.fixture
def clock() -> VirtualScheduler:
    return VirtualScheduler()


@pytest.fixture
def wire(clock: VirtualScheduler) -> Wire:
    return Wire(clock)


@pytest.fixture
def layer(clock: VirtualScheduler, wire: Wire) -> TransactionLayer:
    return TransactionLayer(wire, clock, TimerConfig())


class Tu:
    def __init__(self) -> None:
        self.responses: list[int] = []
        self.timeouts = 0

    def response(self, answer: Response) -> None:
        self.responses.append(answer.status)

    def timeout(self) -> None:
        self.timeouts += 1


# -- non-INVITE client: E, F, K ----------------------------------------------------------------


def test_nict_retransmits_with_e_doubling_to_t2_and_times_out_with_f(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire
) -> None:
    tu = Tu()
    layer.request(make_request("OPTIONS"), UDP, tu.response, tu.timeout)
    clock.advance(40)
    assert wire.times(b"OPTIONS") == [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    assert tu.timeouts == 1 and layer.client == {}  # timer F at 64*T1 = 32 s


def test_nict_provisional_makes_e_fire_every_t2_and_final_waits_k(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire
) -> None:
    tu = Tu()
    request = make_request("BYE")
    txn = layer.request(request, UDP, tu.response, tu.timeout)
    clock.advance(0.6)  # one retransmission at 0.5
    assert layer.receive_response(response(request, 100))
    clock.advance(9)
    assert wire.times(b"BYE") == [0, 0.5, 1.5, 5.5, 9.5]  # the pending 1.5 one, then every T2
    layer.receive_response(response(request, 200, to_tag="b"))
    layer.receive_response(response(request, 200, to_tag="b"))  # retransmission: absorbed
    assert tu.responses == [100, 200] and txn.state is State.COMPLETED
    clock.advance(4.9)
    assert txn.state is State.COMPLETED
    clock.advance(0.2)  # timer K = T4 = 5 s
    assert txn.state is State.TERMINATED and layer.client == {} and tu.timeouts == 0


def test_nict_over_tcp_does_not_retransmit_and_k_is_zero(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire
) -> None:
    tu = Tu()
    request = make_request("OPTIONS")
    txn = layer.request(request, TCP, tu.response, tu.timeout)
    clock.advance(10)
    assert wire.times(b"OPTIONS") == [0]
    layer.receive_response(response(request, 200))
    clock.advance(0)
    assert txn.state is State.TERMINATED


# -- INVITE client: A, B, D, M -------------------------------------------------------------------


def test_ict_retransmits_with_a_doubling_and_times_out_with_b(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire
) -> None:
    tu = Tu()
    layer.request(make_request("INVITE"), UDP, tu.response, tu.timeout)
    clock.advance(40)
    assert wire.times(b"INVITE") == [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert tu.timeouts == 1


def test_ict_provisional_stops_a_and_b(layer: TransactionLayer, clock: VirtualScheduler, wire: Wire) -> None:
    tu = Tu()
    request = make_request("INVITE")
    txn = layer.request(request, UDP, tu.response, tu.timeout)
    layer.receive_response(response(request, 180, to_tag="b"))
    clock.advance(100)
    assert wire.times(b"INVITE") == [0] and tu.timeouts == 0 and txn.state is State.PROCEEDING
    assert isinstance(txn, InviteClientTransaction)
    txn.cancel_sent()  # after a CANCEL, 64*T1 without a final response ends it
    clock.advance(32)
    assert tu.timeouts == 1


def test_ict_acknowledges_an_error_in_the_transaction_and_waits_d(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire
) -> None:
    tu = Tu()
    request = make_request("INVITE")
    txn = layer.request(request, UDP, tu.response, tu.timeout)
    busy = response(request, 486, to_tag="b")
    layer.receive_response(busy)
    [(_, ack)] = [(t, d) for t, d in wire.sent if d.startswith(b"ACK")]
    parsed = parse_message(ack)
    assert isinstance(parsed, Request)
    assert parsed.top_via.branch == "z9hG4bK-abc" and parsed.to.tag == "b" and str(parsed.cseq) == "1 ACK"
    layer.receive_response(busy)  # the 486 again: ACK again, not passed up
    assert len(wire.times(b"ACK")) == 2 and tu.responses == [486]
    clock.advance(31.9)
    assert txn.state is State.COMPLETED
    clock.advance(0.2)  # timer D = 32 s on UDP
    assert txn.state is State.TERMINATED


def test_ict_passes_every_2xx_up_in_accepted_until_m(
    layer: TransactionLayer, clock: VirtualScheduler
) -> None:
    tu = Tu()
    request = make_request("INVITE")
    txn = layer.request(request, UDP, tu.response, tu.timeout)
    ok = response(request, 200, to_tag="b")
    layer.receive_response(ok)
    layer.receive_response(ok)  # a retransmitted 2xx: the TU must ACK it again
    assert tu.responses == [200, 200] and txn.state is State.ACCEPTED
    clock.advance(32.1)
    assert txn.state is State.TERMINATED
    assert not layer.receive_response(ok)  # now a stray


# -- INVITE server: G, H, I, L ------------------------------------------------------------------


def test_ist_retransmits_an_error_with_g_until_ack_then_waits_i(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire
) -> None:
    request = make_request("INVITE")
    txn = layer.receive_request(request, UDP)
    assert isinstance(txn, InviteServerTransaction)
    txn.respond(response(request, 404, to_tag="x"))
    clock.advance(8)
    assert wire.times(b"SIP/2.0 404") == [0, 0.5, 1.5, 3.5, 7.5]
    assert layer.receive_request(request, UDP) is None  # retransmitted INVITE: 404 again
    assert len(wire.times(b"SIP/2.0 404")) == 6
    assert layer.receive_request(make_request("ACK", cseq_method="ACK"), UDP) is None  # absorbed
    assert txn.state is State.CONFIRMED
    clock.advance(20)
    assert len(wire.times(b"SIP/2.0 404")) == 6  # G stopped
    assert txn.state is State.TERMINATED and layer.server == {}  # I = T4


def test_ist_gives_up_with_h_when_no_ack_comes(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire
) -> None:
    request = make_request("INVITE")
    txn = layer.receive_request(request, UDP)
    assert isinstance(txn, InviteServerTransaction)
    gave_up: list[bool] = []
    txn.on_timeout = lambda: gave_up.append(True)
    txn.respond(response(request, 486, to_tag="x"))
    clock.advance(40)
    assert wire.times(b"SIP/2.0 486")[:6] == [0, 0.5, 1.5, 3.5, 7.5, 11.5]  # capped at T2 = 4
    assert gave_up == [True] and txn.state is State.TERMINATED


def test_ist_2xx_goes_to_accepted_and_the_2xx_ack_goes_to_the_tu(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire
) -> None:
    request = make_request("INVITE")
    txn = layer.receive_request(request, UDP)
    assert isinstance(txn, InviteServerTransaction)
    txn.respond(response(request, 100))
    assert layer.receive_request(request, UDP) is None  # retransmission: 100 again
    assert len(wire.times(b"SIP/2.0 100")) == 2
    txn.respond(response(request, 200, to_tag="x"))
    assert txn.state is State.ACCEPTED
    assert layer.receive_request(request, UDP) is None  # absorbed, not re-answered (the TU does)
    assert len(wire.times(b"SIP/2.0 200")) == 1
    assert layer.receive_request(make_request("ACK", "z9hG4bK-other", "ACK"), UDP) == "ack"
    clock.advance(32.1)  # timer L
    assert txn.state is State.TERMINATED


# -- non-INVITE server: J ------------------------------------------------------------------------


@pytest.mark.parametrize(("peer", "j"), [(UDP, 32.0), (TCP, 0.0)])
def test_nist_repeats_its_answer_until_j(
    layer: TransactionLayer, clock: VirtualScheduler, wire: Wire, peer: Address, j: float
) -> None:
    request = make_request("OPTIONS")
    txn = layer.receive_request(request, peer)
    assert isinstance(txn, NonInviteServerTransaction)
    assert layer.receive_request(request, peer) is None  # nothing to repeat yet
    txn.respond(response(request, 200, to_tag="x"))
    if j:
        assert layer.receive_request(request, peer) is None
        assert len(wire.times(b"SIP/2.0 200")) == 2
    clock.advance(j - 0.1 if j else 0)
    assert txn.state is (State.COMPLETED if j else State.TERMINATED)
    clock.advance(0.2)
    assert txn.state is State.TERMINATED and layer.server == {}


# -- matching ------------------------------------------------------------------------------------


def test_cancel_finds_its_invite_and_branches_keep_transactions_apart(layer: TransactionLayer) -> None:
    invite = make_request("INVITE")
    txn = layer.receive_request(invite, UDP)
    cancel = layer.receive_request(make_request("CANCEL"), UDP)
    assert isinstance(cancel, NonInviteServerTransaction) and cancel is not txn
    assert layer.invite_for_cancel(cancel.request) is txn
    other = layer.receive_request(make_request("INVITE", "z9hG4bK-xyz"), UDP)
    assert other is not None and other is not txn
    legacy = make_request("INVITE", "old-2543-branch")  # no magic cookie: RFC 2543 matching
    first = layer.receive_request(legacy, UDP)
    assert first is not None and layer.receive_request(legacy, UDP) is None


def test_stray_response_is_not_matched(layer: TransactionLayer) -> None:
    assert not layer.receive_response(response(make_request("OPTIONS"), 200))


def test_a_request_that_loops_back_is_refused_with_482(clock: VirtualScheduler, wire: Wire) -> None:
    ua = UserAgent(wire, clock, TimerConfig(), host="127.0.0.1", port=5070, media_host="127.0.0.1")
    tu = Tu()
    ours = make_request("OPTIONS", "z9hG4bK-ours")
    ua.layer.request(ours, UDP, tu.response, tu.timeout)
    looped = parse_message(
        ours.to_bytes().replace(b"Via: ", b"Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-proxy\r\nVia: ", 1)
    )
    assert isinstance(looped, Request)
    ua.receive(looped, UDP)
    assert wire.sent[-1][1].startswith(b"SIP/2.0 482")


def test_nict_type(layer: TransactionLayer) -> None:
    txn = layer.request(make_request("REGISTER"), UDP, lambda r: None, lambda: None)
    assert isinstance(txn, NonInviteClientTransaction)
