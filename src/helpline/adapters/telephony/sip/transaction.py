"""RFC 3261 §17 transactions: INVITE and non-INVITE, client and server, timers A to K.

Each transaction is a small state machine driven by three inputs (a message from the
network, a message from the transaction user, a timer) on an injected
:class:`~helpline.adapters.telephony.sip.timers.Scheduler`. The INVITE server and client
transactions follow RFC 6026 (the "Accepted" state) so that 2xx retransmissions and their
ACKs reach the transaction user, which owns them.

On a reliable transport (TCP) the retransmission timers (A, E, G) are not started and the
wait timers (D, I, J, K) are zero, as §17 says.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.headers import Headers
from helpline.adapters.telephony.sip.message import Request, Response
from helpline.adapters.telephony.sip.timers import Cancellable, Scheduler, TimerConfig

MAGIC = "z9hG4bK"
SendFn = Callable[[bytes, Address], None]


class State(StrEnum):
    CALLING = "calling"
    TRYING = "trying"
    PROCEEDING = "proceeding"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class Transaction:
    def __init__(
        self, layer: TransactionLayer, request: Request, peer: Address, key: tuple[str, ...]
    ) -> None:
        self.layer = layer
        self.request = request
        self.peer = peer
        self.key = key
        self.state = State.TRYING
        self._timers: dict[str, Cancellable] = {}
        self.fired: list[str] = []  # names of timers that fired, in order (for tests and logs)

    @property
    def t(self) -> TimerConfig:
        return self.layer.timers

    def _arm(self, name: str, delay: float, action: Callable[[], None]) -> None:
        self._disarm(name)

        def fire() -> None:
            self._timers.pop(name, None)
            if self.state is not State.TERMINATED:
                self.fired.append(name)
                action()

        self._timers[name] = self.layer.scheduler.call_later(delay, fire)

    def _disarm(self, *names: str) -> None:
        for name in names:
            handle = self._timers.pop(name, None)
            if handle is not None:
                handle.cancel()

    def _send(self, message: Request | Response) -> None:
        self.layer.send(message.to_bytes(), self.peer)

    def terminate(self) -> None:
        if self.state is State.TERMINATED:
            return
        self.state = State.TERMINATED
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self.layer._forget(self)


# -- client transactions ---------------------------------------------------------------------

ResponseFn = Callable[[Response], None]
TimeoutFn = Callable[[], None]


class ClientTransaction(Transaction):
    def __init__(
        self,
        layer: TransactionLayer,
        request: Request,
        peer: Address,
        on_response: ResponseFn,
        on_timeout: TimeoutFn,
    ) -> None:
        super().__init__(layer, request, peer, client_key(request.top_via.branch or "", request.method))
        self.on_response = on_response
        self.on_timeout = on_timeout
        self.last_response: Response | None = None

    def _timeout(self) -> None:
        self.terminate()
        self.on_timeout()


class InviteClientTransaction(ClientTransaction):
    """Calling -> Proceeding -> Accepted (2xx) or Completed (3xx-6xx, ACK sent) -> Terminated."""

    def start(self) -> None:
        self.state = State.CALLING
        self._send(self.request)
        if not self.peer.reliable:
            self._arm("A", self.t.t1, lambda: self._retransmit(self.t.t1 * 2))
        self._arm("B", self.t.b, self._timeout)

    def _retransmit(self, next_interval: float) -> None:
        if self.state is State.CALLING:
            self._send(self.request)
            self._arm("A", next_interval, lambda: self._retransmit(next_interval * 2))

    def cancel_sent(self) -> None:
        """RFC 3261 §9.1: without a final response 64*T1 after CANCEL, give up on the INVITE."""
        if self.state in (State.CALLING, State.PROCEEDING):
            self._arm("B", self.t.b, self._timeout)

    def receive(self, response: Response) -> None:
        status = response.status
        if self.state in (State.CALLING, State.PROCEEDING):
            self._disarm("A")
            if status < 200:
                if self.state is State.CALLING:
                    self._disarm("B")
                self.state = State.PROCEEDING
                self.on_response(response)
            elif status < 300:
                self._disarm("B")
                self.state = State.ACCEPTED
                self._arm("M", self.t.b, self.terminate)
                self.on_response(response)
            else:
                self._disarm("B")
                self.state = State.COMPLETED
                self.last_response = response
                self._send(self.ack_for(response))
                self._arm("D", 0.0 if self.peer.reliable else 32.0, self.terminate)
                self.on_response(response)
        elif self.state is State.ACCEPTED and 200 <= status < 300:
            self.on_response(response)  # a retransmitted 2xx: the TU acknowledges it again
        elif self.state is State.COMPLETED and status >= 300:
            self._send(self.ack_for(response))

    def ack_for(self, response: Response) -> Request:
        """RFC 3261 §17.1.1.3: the ACK for a non-2xx final response, in this transaction."""
        req = self.request
        headers = Headers()
        headers.add("Via", req.headers.values("via")[0])
        for route in req.headers.raw("route"):
            headers.add("Route", route)
        headers.add("Max-Forwards", "70")
        headers.add("From", req.headers.get("from") or "")
        headers.add("To", response.headers.get("to") or "")
        headers.add("Call-ID", req.call_id)
        headers.add("CSeq", f"{req.cseq.seq} ACK")
        return Request(headers=headers, method="ACK", uri=req.uri)


class NonInviteClientTransaction(ClientTransaction):
    """Trying -> Proceeding -> Completed -> Terminated, with timers E, F and K."""

    def start(self) -> None:
        self.state = State.TRYING
        self._send(self.request)
        if not self.peer.reliable:
            self._arm("E", self.t.t1, lambda: self._retransmit(min(self.t.t1 * 2, self.t.t2)))
        self._arm("F", self.t.b, self._timeout)

    def _retransmit(self, next_interval: float) -> None:
        if self.state in (State.TRYING, State.PROCEEDING):
            self._send(self.request)
            interval = self.t.t2 if self.state is State.PROCEEDING else next_interval
            self._arm("E", interval, lambda: self._retransmit(min(interval * 2, self.t.t2)))

    def receive(self, response: Response) -> None:
        if self.state not in (State.TRYING, State.PROCEEDING):
            return  # Completed absorbs retransmissions
        if response.status < 200:
            self.state = State.PROCEEDING
            self.on_response(response)
            return
        self._disarm("E", "F")
        self.state = State.COMPLETED
        self.last_response = response
        self._arm("K", 0.0 if self.peer.reliable else self.t.t4, self.terminate)
        self.on_response(response)


# -- server transactions ---------------------------------------------------------------------


class ServerTransaction(Transaction):
    def __init__(self, layer: TransactionLayer, request: Request, peer: Address) -> None:
        super().__init__(layer, request, peer, server_key(request))
        self.last_response: Response | None = None
        self.on_timeout: TimeoutFn | None = None

    def respond(self, response: Response) -> None:
        raise NotImplementedError

    def retransmission(self) -> None:
        """The same request arrived again: repeat the last response, if any."""
        if self.last_response is not None and self.state is not State.ACCEPTED:
            self._send(self.last_response)


class InviteServerTransaction(ServerTransaction):
    """Proceeding -> Accepted (2xx) or Completed (3xx-6xx) -> Confirmed (ACK) -> Terminated."""

    def __init__(self, layer: TransactionLayer, request: Request, peer: Address) -> None:
        super().__init__(layer, request, peer)
        self.state = State.PROCEEDING

    def respond(self, response: Response) -> None:
        if self.state is not State.PROCEEDING:
            return
        self.last_response = response
        self._send(response)
        if response.status < 200:
            return
        if response.status < 300:
            self.state = State.ACCEPTED  # the TU retransmits the 2xx until the ACK
            self._arm("L", self.t.b, self.terminate)
            return
        self.state = State.COMPLETED
        if not self.peer.reliable:
            self._arm("G", self.t.t1, lambda: self._retransmit_final(min(self.t.t1 * 2, self.t.t2)))
        self._arm("H", self.t.b, self._no_ack)

    def _retransmit_final(self, next_interval: float) -> None:
        if self.state is State.COMPLETED and self.last_response is not None:
            self._send(self.last_response)
            self._arm("G", next_interval, lambda: self._retransmit_final(min(next_interval * 2, self.t.t2)))

    def _no_ack(self) -> None:
        self.terminate()
        if self.on_timeout is not None:
            self.on_timeout()

    def ack(self) -> None:
        if self.state is State.COMPLETED:
            self._disarm("G", "H")
            self.state = State.CONFIRMED
            self._arm("I", 0.0 if self.peer.reliable else self.t.t4, self.terminate)


class NonInviteServerTransaction(ServerTransaction):
    """Trying -> Proceeding -> Completed -> Terminated (timer J)."""

    def respond(self, response: Response) -> None:
        if self.state in (State.COMPLETED, State.TERMINATED):
            return
        self.last_response = response
        self._send(response)
        if response.status < 200:
            self.state = State.PROCEEDING
            return
        self.state = State.COMPLETED
        self._arm("J", 0.0 if self.peer.reliable else self.t.b, self.terminate)


# -- matching and the layer ------------------------------------------------------------------


def client_key(branch: str, method: str) -> tuple[str, ...]:
    return ("c", branch, method)


def server_key(request: Request) -> tuple[str, ...]:
    """RFC 3261 §17.2.3 (branch, sent-by, method; ACK matches INVITE), else the RFC 2543 way."""
    via = request.top_via
    method = "INVITE" if request.method == "ACK" else request.method
    branch = via.branch or ""
    if branch.startswith(MAGIC):
        return ("s", branch, via.sent_by, method)
    return (
        "s2543",
        request.uri,
        request.from_.tag or "",
        request.call_id,
        str(request.cseq.seq),
        str(via),
        method,
    )


class TransactionLayer:
    """Matches messages to transactions and keeps the live ones.

    :meth:`receive_request` returns the new server transaction when the transaction user
    must act, or None when the layer absorbed the message (a retransmission, or the ACK of
    a non-2xx final response). An ACK that matches no transaction (the ACK of a 2xx) is
    returned as ``"ack"`` for the dialog layer.
    """

    def __init__(self, send: SendFn, scheduler: Scheduler, timers: TimerConfig | None = None) -> None:
        self.send = send
        self.scheduler = scheduler
        self.timers = timers or TimerConfig()
        self.client: dict[tuple[str, ...], ClientTransaction] = {}
        self.server: dict[tuple[str, ...], ServerTransaction] = {}

    def _forget(self, txn: Transaction) -> None:
        table: dict[tuple[str, ...], ClientTransaction] | dict[tuple[str, ...], ServerTransaction]
        table = self.client if isinstance(txn, ClientTransaction) else self.server
        if table.get(txn.key) is txn:
            del table[txn.key]

    def receive_request(self, request: Request, source: Address) -> ServerTransaction | str | None:
        key = server_key(request)
        existing = self.server.get(key)
        if request.method == "ACK":
            if isinstance(existing, InviteServerTransaction) and existing.state is not State.ACCEPTED:
                existing.ack()
                return None
            return "ack"
        if existing is not None:
            existing.retransmission()
            return None
        txn: ServerTransaction
        if request.method == "INVITE":
            txn = InviteServerTransaction(self, request, source)
        else:
            txn = NonInviteServerTransaction(self, request, source)
        self.server[key] = txn
        return txn

    def invite_for_cancel(self, cancel: Request) -> InviteServerTransaction | None:
        """RFC 3261 §9.2: the INVITE server transaction a CANCEL refers to."""
        via = cancel.top_via
        txn = self.server.get(("s", via.branch or "", via.sent_by, "INVITE"))
        return txn if isinstance(txn, InviteServerTransaction) else None

    def receive_response(self, response: Response) -> bool:
        """Hand a response to its client transaction; False when none matches (stray)."""
        via = response.top_via
        txn = self.client.get(client_key(via.branch or "", response.cseq.method))
        if txn is None:
            return False
        if isinstance(txn, InviteClientTransaction | NonInviteClientTransaction):
            txn.receive(response)
        return True

    def request(
        self, request: Request, peer: Address, on_response: ResponseFn, on_timeout: TimeoutFn
    ) -> ClientTransaction:
        """Start a client transaction; the request must carry its top Via with a branch."""
        txn: InviteClientTransaction | NonInviteClientTransaction
        if request.method == "INVITE":
            txn = InviteClientTransaction(self, request, peer, on_response, on_timeout)
        else:
            txn = NonInviteClientTransaction(self, request, peer, on_response, on_timeout)
        self.client[txn.key] = txn
        txn.start()
        return txn

    def is_own_branch(self, branch: str | None) -> bool:
        """A request carrying a branch we generated has looped back to us (482)."""
        return branch is not None and any(key[1] == branch for key in self.client)

    def close(self) -> None:
        for txn in [*self.client.values(), *self.server.values()]:
            txn.terminate()
