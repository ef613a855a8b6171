"""A loopback TCP proxy that cuts connections on cue, to test what a client does when the line dies.

It relays raw bytes, so put it in front of a plain (not TLS) port. Faults are armed one-shot
(or ``times`` shots) and hit the next connection that meets the condition:

* ``cut_on_client(b"UID MOVE")``: when the client sends the pattern, reset both sides, before
  (default) or after forwarding that chunk to the server (``forward=True``: the server acts on
  the command but the client never hears back);
* ``cut_server_bytes(n, after_client=b"UID FETCH")``: once the client has sent the pattern, let
  ``n`` more server bytes through, then reset both sides (mid-response).

Bounded: at most ``max_connections`` at once, every socket has a timeout, and the proxy shuts
itself down after ``lifetime`` seconds if nobody closes it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from types import TracebackType


@dataclasses.dataclass
class _Fault:
    client_pattern: bytes
    forward: bool = False
    server_bytes: int | None = None  # None: cut on the client pattern itself
    times: int = 1


class _Link:
    """One proxied connection: two pumps, a shared fate."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, server: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.closed = threading.Event()
        self.tail = b""  # end of the client stream, to match patterns split across reads
        self.armed: _Fault | None = None  # a server-bytes fault waiting to count down
        self.budget = 0

    def start(self) -> None:
        for name, pump in (("c2s", self._client_to_server), ("s2c", self._server_to_client)):
            threading.Thread(target=self._run, args=(pump,), name=f"faultproxy-{name}", daemon=True).start()

    def _run(self, pump: Callable[[], None]) -> None:
        try:
            pump()
        except OSError:
            pass
        finally:
            self.close(reset=False)

    def _client_to_server(self) -> None:
        while not self.closed.is_set():
            data = _recv(self.client)
            if data is None:
                continue
            if not data:
                return
            fault = self.proxy._take_fault(self.tail, data)
            self.tail = (self.tail + data)[-256:]
            if fault is not None and fault.server_bytes is None:
                if fault.forward:
                    self.server.sendall(data)
                    time.sleep(0.2)  # let the server act before the line drops
                self.proxy._cut()
                self.close(reset=True)
                return
            if fault is not None:
                self.armed, self.budget = fault, fault.server_bytes or 0
            self.server.sendall(data)

    def _server_to_client(self) -> None:
        while not self.closed.is_set():
            data = _recv(self.server)
            if data is None:
                continue
            if not data:
                return
            if self.armed is not None:
                if len(data) >= self.budget:
                    self.client.sendall(data[:self.budget])
                    self.proxy._cut()
                    self.close(reset=True)
                    return
                self.budget -= len(data)
            self.client.sendall(data)

    def close(self, *, reset: bool) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                if reset:  # RST, like a dropped line or a dead NAT entry
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        self.proxy._forget(self)


def _recv(sock: socket.socket) -> bytes | None:
    """Read a chunk; None when nothing came for a moment (so the pump can look at the closed flag)."""
    readable, _w, _x = select.select([sock], [], [], 0.2)
    return sock.recv(65536) if readable else None


class FaultProxy:
    """Relay 127.0.0.1:<port> to ``target``; cut connections when told to."""

    def __init__(self, target: tuple[str, int], *, max_connections: int = 16, lifetime: float = 120.0) -> None:
        self.target = target
        self.max_connections = max_connections
        self.connections = 0  # accepted so far
        self.cuts = 0  # faults fired so far
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._links: set[_Link] = set()
        self._stopped = threading.Event()
        self._deadline = time.monotonic() + lifetime
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="faultproxy-accept", daemon=True)
        self._thread.start()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def cut_on_client(self, pattern: bytes, *, forward: bool = False, times: int = 1) -> None:
        """Reset the next connection whose client sends ``pattern``."""
        with self._lock:
            self._faults.append(_Fault(pattern, forward=forward, times=times))

    def cut_server_bytes(self, n: int, *, after_client: bytes, times: int = 1) -> None:
        """After the client sends ``after_client``, pass ``n`` more server bytes, then reset."""
        with self._lock:
            self._faults.append(_Fault(after_client, server_bytes=n, times=times))

    def cut_all(self) -> None:
        """Reset every open connection now."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close(reset=True)

    def close(self) -> None:
        """Stop accepting, reset open connections, wait for the acceptor."""
        self._stopped.set()
        self.cut_all()
        self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self._listener.close()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._links)

    # -- internals --------------------------------------------------------------------------

    def _accept(self) -> None:
        try:
            while not self._stopped.is_set() and time.monotonic() < self._deadline:
                try:
                    client, _addr = self._listener.accept()
                except TimeoutError:
                    continue
                with self._lock:
                    full = len(self._links) >= self.max_connections
                if full:
                    client.close()
                    continue
                try:
                    server = socket.create_connection(self.target, timeout=5)
                except OSError:
                    client.close()
                    continue
                for sock in (client, server):
                    sock.settimeout(10)  # bounds a send to a peer that stopped reading
                link = _Link(self, client, server)
                with self._lock:
                    self._links.add(link)
                    self.connections += 1
                link.start()
        finally:
            self._stopped.set()
            with contextlib.suppress(OSError):
                self._listener.close()
            self.cut_all()

    def _take_fault(self, tail: bytes, data: bytes) -> _Fault | None:
        """The first armed fault whose pattern ends in ``data`` (it may start in ``tail``)."""
        with self._lock:
            for fault in self._faults:
                keep = len(fault.client_pattern) - 1
                if fault.client_pattern in (tail[-keep:] if keep else b"") + data:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _cut(self) -> None:
        with self._lock:
            self.cuts += 1

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)
