"""Read fines from IMAP mailboxes: a small adapter over imaplib2 and a reconnecting watcher.

One :class:`Mailbox` is one connection with one folder selected. It reads with ``BODY.PEEK[]``
(never sets ``\\Seen``), moves with ``UID MOVE`` or the ``UID COPY`` + ``\\Deleted`` + expunge
fallback, and waits for mail with IDLE where the server offers it, polling otherwise.
:func:`watch` keeps an account connected and hands the mailbox to the intake.

TLS: imaplib2 3.6 builds its own ``SSLContext(PROTOCOL_TLS)`` with ``check_hostname`` off, and
without ``ca_certs`` it does not verify the chain at all. Its ``ssl_wrap_socket`` is one of the
methods imaplib2 documents as overridable, so the connection classes below override it and wrap
with a verifying context (chain against ``ca_file`` or the system CAs, host name by OpenSSL),
for implicit TLS and for STARTTLS alike.

Not thread-safe: use a :class:`Mailbox` from one thread.
"""
from __future__ import annotations

import contextlib
import logging
import math
import re
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import imaplib2

logger = logging.getLogger(__name__)

# imaplib2 3.6 still calls the camelCase threading API that Python 3.10 deprecated.
_IMAPLIB2_DEPRECATIONS = r"(currentThread|setDaemon|setName|getName)\(\) is deprecated"

_IMAP_ERRORS: tuple[type[BaseException], ...] = (imaplib2.IMAP4.error, OSError)
_UID_IN_FETCH = re.compile(rb"\bUID (\d+)\b")
_SETTLE_TAG = b"FDSETTLE"  # not of imaplib2's form (letters A-P, then digits)
_SETTLED = re.compile(rb"(?:^|\r\n)" + _SETTLE_TAG + rb" (?:OK|NO|BAD)[^\r\n]*\r\n$")


def _quiet_imaplib2() -> None:
    """Hide imaplib2's own deprecation warnings, and nothing else."""
    # Called on every connect, not at import: test runners reset the filters around each test.
    warnings.filterwarnings("ignore", message=_IMAPLIB2_DEPRECATIONS, category=DeprecationWarning,
                            module=r"imaplib2(\.imaplib2)?$")


@dataclass(frozen=True)
class ImapAccount:
    """One configured mailbox."""

    name: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    security: Literal["tls", "starttls", "plain"] = "tls"
    ca_file: str | None = None  # None: the system CAs
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    timeout: float = 30.0


@dataclass(frozen=True)
class FetchedMessage:
    """A message exactly as the server stores it, with where it was found."""

    uid: int
    uidvalidity: int
    folder: str
    raw: bytes


class ImapError(Exception):
    """The server refused, the connection broke, or the protocol went wrong."""


class CertificateRefused(ImapError):
    """The server's certificate does not chain to a trusted CA or does not name the host."""


class MessageNotFound(ImapError):
    """The UID is not (or no longer) in the selected folder."""


class _VerifiedTLS:
    """Mixin for imaplib2 connections: bounded connect, TLS through a verifying context."""

    # Set by the subclasses before imaplib2's __init__ opens the socket.
    _fleetdesk_context: ssl.SSLContext | None
    _fleetdesk_timeout: float
    host: str
    port: int
    sock: Any
    read_fd: int

    def open_socket(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=self._fleetdesk_timeout)

    def ssl_wrap_socket(self) -> None:
        if self._fleetdesk_context is None:
            raise ssl.SSLError("TLS requested on a connection configured without TLS")
        raw = self.sock
        try:
            self.sock = self._fleetdesk_context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise
        self.read_fd = self.sock.fileno()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)

    def _mesg(self, s: str, tn: str | None = None, secs: float | None = None) -> None:
        # imaplib2 writes its diagnostics (e.g. the last 20 events after a socket error) to
        # stderr; its debug_file must be of sys.stderr's exact type, so replace the sink instead.
        logger.debug("imaplib2 %s: %s", tn or threading.current_thread().name, s)


class _TLSConnection(_VerifiedTLS, imaplib2.IMAP4_SSL):
    def __init__(self, host: str, port: int, context: ssl.SSLContext, timeout: float) -> None:
        self._fleetdesk_context = context
        self._fleetdesk_timeout = timeout
        super().__init__(host=host, port=port, timeout=timeout)


class _PlainConnection(_VerifiedTLS, imaplib2.IMAP4):
    def __init__(self, host: str, port: int, context: ssl.SSLContext | None, timeout: float) -> None:
        self._fleetdesk_context = context
        self._fleetdesk_timeout = timeout
        super().__init__(host=host, port=port, timeout=timeout)

    def ssl_wrap_socket(self) -> None:
        super().ssl_wrap_socket()
        # After STARTTLS imaplib2 restarts its reader and writes CAPABILITY at once, so the
        # reader's SSL_read of TLS 1.3 session tickets races the writer's SSL_write on the
        # same SSL object, and now and then (~3 % here) the reply is lost. While imaplib2's
        # threads are still stopped, settle the session with one NOOP of our own: the
        # tickets come before its answer, and nothing comes after it.
        self.sock.sendall(_SETTLE_TAG + b" NOOP\r\n")
        received = b""
        while not _SETTLED.search(received):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("connection closed right after STARTTLS")
            received += chunk
            if len(received) > 65536:
                raise ConnectionError("no answer to NOOP after STARTTLS")


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Return a client context that verifies the chain (``ca_file`` or system CAs) and host name."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    return context


def _quote_string(text: str) -> str:
    """Quote ``text`` as an IMAP quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quote(mailbox: str) -> str:
    """Quote a mailbox name for the wire (ASCII names only; no modified UTF-7 needed so far)."""
    if not mailbox or not mailbox.isascii() or not mailbox.isprintable():
        raise ValueError(f"unsupported IMAP folder name {mailbox!r}")
    return _quote_string(mailbox)


class Mailbox:
    """One IMAP connection with the account's intake folder selected."""

    def __init__(self, account: ImapAccount, *, ignore_capabilities: Collection[str] = (),
                 poll_interval: float = 60.0) -> None:
        """Prepare a connection; ``ignore_capabilities`` (e.g. ``{"MOVE", "IDLE"}``) forces fallbacks."""
        self.account = account
        self.poll_interval = poll_interval
        self._ignored = frozenset(c.upper() for c in ignore_capabilities)
        self._conn: Any = None
        self._capabilities: frozenset[str] = frozenset()
        self._uidvalidity: int | None = None

    def __enter__(self) -> Mailbox:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- connection -------------------------------------------------------------------------

    def connect(self) -> None:
        """Connect, verify TLS, log in, create the working folders if missing, select the folder."""
        if self._conn is not None:
            raise ImapError(f"{self.account.name}: already connected")
        _quiet_imaplib2()
        account = self.account
        conn: Any = None
        try:
            context = None if account.security == "plain" else tls_context(account.ca_file)
            if account.security == "tls":
                assert context is not None
                conn = _TLSConnection(account.host, account.port, context, account.timeout)
            else:
                conn = _PlainConnection(account.host, account.port, context, account.timeout)
                if account.security == "starttls":
                    if "STARTTLS" not in conn.capabilities:
                        raise ImapError(f"{account.name}: {account.host} does not offer STARTTLS")
                    conn.starttls()
            self._conn = conn
            self._check(conn.login(_quote_string(account.username), account.password), "LOGIN")
            _typ, data = self._check(conn.capability(), "CAPABILITY")
            self._capabilities = frozenset(data[-1].decode("ascii", "replace").upper().split())
            for folder in (account.processed_folder, account.quarantine_folder):
                self._ensure_folder(folder)
            self._select(account.folder)
        except ssl.SSLCertVerificationError as exc:
            self._abandon(conn)
            raise CertificateRefused(f"{account.name}: certificate of {account.host}:{account.port} "
                                     f"refused: {exc.verify_message or exc}") from exc
        except ImapError:
            self._abandon(conn)
            raise
        except _IMAP_ERRORS as exc:
            self._abandon(conn)
            # imaplib2 quotes the command in some errors: for LOGIN that includes the password.
            reason = str(exc)
            for secret in {account.password, account.password.replace("\\", "\\\\").replace('"', '\\"')}:
                if secret:
                    reason = reason.replace(secret, "***")
            raise ImapError(f"{account.name}: session with {account.host}:{account.port} failed: {reason}") from exc
        logger.info("IMAP %s: connected to %s:%d (%s), folder %s, UIDVALIDITY %d", account.name,
                    account.host, account.port, account.security, account.folder, self._uidvalidity)

    def close(self) -> None:
        """Log out and stop imaplib2's threads; never raises."""
        conn, self._conn = self._conn, None
        self._uidvalidity = None
        if conn is None:
            return
        try:
            conn.logout()
        except Exception as exc:  # the connection may already be gone; nothing left to save
            logger.debug("IMAP %s: logout failed: %s", self.account.name, exc)

    def _abandon(self, conn: Any) -> None:
        """Tear down a half-open connection without talking to the server."""
        self._conn = None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            conn.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            conn.logout()

    # -- folder and messages ----------------------------------------------------------------

    @property
    def uidvalidity(self) -> int:
        """UIDVALIDITY of the selected folder."""
        if self._uidvalidity is None:
            raise ImapError(f"{self.account.name}: not connected")
        return self._uidvalidity

    def uids(self) -> list[int]:
        """Return the UIDs in the folder, oldest first (what is still there is unprocessed)."""
        conn = self._connection()
        self._take_news()  # the search below covers whatever has been announced so far
        with self._errors("UID SEARCH"):
            _typ, data = self._check(conn.uid("SEARCH", "UNDELETED"), "UID SEARCH")
        return sorted(int(n) for chunk in data if chunk for n in chunk.split())

    def fetch(self, uid: int) -> FetchedMessage:
        """Return the message with ``uid`` byte for byte, without setting ``\\Seen``."""
        conn = self._connection()
        with self._errors("UID FETCH"):
            _typ, data = self._check(conn.uid("FETCH", str(uid), "(UID BODY.PEEK[])"), "UID FETCH")
        for item in data:
            # Unsolicited FETCH responses (flag changes) can ride along; take ours by UID.
            if isinstance(item, tuple) and len(item) == 2:
                match = _UID_IN_FETCH.search(item[0])
                if match and int(match.group(1)) == uid:
                    return FetchedMessage(uid=uid, uidvalidity=self.uidvalidity,
                                          folder=self.account.folder, raw=bytes(item[1]))
        raise MessageNotFound(f"{self.account.name}: UID {uid} not in {self.account.folder}")

    def move(self, uid: int, folder: str) -> None:
        """Move one message to ``folder`` (UID MOVE, else UID COPY + \\Deleted + expunge)."""
        conn = self._connection()
        target = _quote(folder)
        with self._errors("move"):
            if self._has("MOVE"):
                self._check(conn.uid("MOVE", str(uid), target), "UID MOVE")
                return
            self._check(conn.uid("COPY", str(uid), target), "UID COPY")
            self._check(conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "UID STORE")
            if self._has("UIDPLUS"):
                self._check(conn.uid("EXPUNGE", str(uid)), "UID EXPUNGE")
            else:
                # Without UIDPLUS this also expunges anything else flagged \Deleted in the folder.
                self._check(conn.expunge(), "EXPUNGE")
        logger.debug("IMAP %s: moved UID %d to %s", self.account.name, uid, folder)

    # -- waiting ----------------------------------------------------------------------------

    def supports_idle(self) -> bool:
        """Whether the server offers IDLE (and it is not ignored)."""
        return self._has("IDLE")

    def wait_for_mail(self, timeout: float, *, interrupt: threading.Event | None = None) -> bool:
        """Wait up to ``timeout`` s (IDLE, else NOOP polling); True if something may have arrived.

        IDLE waits in whole seconds (imaplib2), so a wait may run up to a second longer.

        Returns False early when ``interrupt`` is set.
        """
        self._connection()
        deadline = time.monotonic() + timeout
        with self._errors("wait for mail"):
            if self._take_news():
                return True
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (interrupt is not None and interrupt.is_set()):
                    return False
                if self.supports_idle():
                    self._idle(remaining, interrupt)
                else:
                    step = min(self.poll_interval, remaining)
                    if interrupt is not None:
                        interrupt.wait(step)
                    else:
                        time.sleep(step)
                    self._check(self._connection().noop(), "NOOP")
                if self._take_news():
                    return True

    def _idle(self, seconds: float, interrupt: threading.Event | None) -> None:
        """Run one IDLE until the server reports something, ``seconds`` pass, or ``interrupt``."""
        conn = self._connection()
        finished = threading.Event()
        outcome: list[Any] = []

        def done(result: Any) -> None:
            outcome.append(result)
            finished.set()

        # imaplib2 takes whole seconds only (a float silently means its 29-minute default).
        conn.idle(timeout=max(1, math.ceil(seconds)), callback=done)
        # imaplib2 ends IDLE itself after `seconds`; a dead server then trips its response timeout.
        hard_deadline = time.monotonic() + math.ceil(seconds) + self.account.timeout + 5
        interrupted = False
        while not finished.wait(0.2 if interrupt is not None else 1.0):
            if interrupt is not None and interrupt.is_set() and not interrupted:
                interrupted = True
                self._check(conn.noop(), "NOOP")  # any command makes imaplib2 send DONE
            if time.monotonic() > hard_deadline:
                raise ImapError(f"{self.account.name}: IDLE did not end")
        _response, _arg, error = outcome[0]
        if error is not None:
            exc_type, reason = error
            raise ImapError(f"{self.account.name}: IDLE failed: {exc_type.__name__}: {reason}")

    def _take_news(self) -> bool:
        """Consume pending untagged announcements; True if one said new mail exists."""
        conn = self._connection()
        news = False
        for name in ("EXISTS", "RECENT"):
            _typ, data = conn.response(name)
            news = news or data != [None]
        for name in ("IDLE", "EXPUNGE", "FETCH", "VANISHED"):  # bookkeeping imaplib2 never clears
            conn.response(name)
        return news

    # -- helpers ----------------------------------------------------------------------------

    def _has(self, capability: str) -> bool:
        return capability in self._capabilities and capability not in self._ignored

    def _connection(self) -> Any:
        if self._conn is None:
            raise ImapError(f"{self.account.name}: not connected")
        return self._conn

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except ImapError:
            raise
        except _IMAP_ERRORS as exc:
            raise ImapError(f"{self.account.name}: {what} failed: {exc}") from exc

    def _check(self, result: tuple[str, list[Any]], what: str) -> tuple[str, list[Any]]:
        typ, data = result
        if typ != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise ImapError(f"{self.account.name}: {what} answered {typ}: {detail}")
        return typ, data

    def _ensure_folder(self, folder: str) -> None:
        conn = self._connection()
        quoted = _quote(folder)
        _typ, listed = self._check(conn.list('""', quoted), "LIST")
        if listed != [None]:
            return
        typ, data = conn.create(quoted)
        if typ != "OK":  # lost a race with another connection creating it?
            _typ, listed = self._check(conn.list('""', quoted), "LIST")
            if listed == [None]:
                self._check((typ, data), f"CREATE {folder}")
            return
        conn.subscribe(quoted)  # so people looking with a mail client see it; not essential
        logger.info("IMAP %s: created folder %s", self.account.name, folder)

    def _select(self, folder: str) -> None:
        conn = self._connection()
        self._check(conn.select(_quote(folder)), f"SELECT {folder}")
        _typ, data = conn.response("UIDVALIDITY")
        if not data or data[-1] is None:
            raise ImapError(f"{self.account.name}: no UIDVALIDITY for {folder}")
        self._uidvalidity = int(data[-1])
        self._take_news()  # SELECT's EXISTS is not news


def watch(account: ImapAccount, handle: Callable[[Mailbox], None], stop: threading.Event, *,
          backoff: Sequence[float] = (1, 2, 5, 10, 30, 60),
          sleep: Callable[[float], object] | None = None,
          wait_timeout: float = 300.0,
          mailbox_factory: Callable[[ImapAccount], Mailbox] = Mailbox) -> None:
    """Keep ``account`` connected until ``stop`` is set, calling ``handle`` whenever mail may be there.

    ``handle`` processes everything present in the folder. Connection and protocol errors close
    the mailbox, are logged and retried after the next ``backoff`` step (reset after a successful
    ``handle``); other exceptions propagate. ``sleep`` waits out a back-off (default: ``stop.wait``,
    so stopping is prompt); each wait for mail lasts at most ``wait_timeout`` seconds.
    """
    pause: Callable[[float], object] = sleep if sleep is not None else stop.wait
    failures = 0
    while not stop.is_set():
        mailbox = mailbox_factory(account)
        delay: float | None = None
        try:
            mailbox.connect()
            while not stop.is_set():
                handle(mailbox)
                failures = 0
                if stop.is_set():
                    break
                mailbox.wait_for_mail(wait_timeout, interrupt=stop)
        except (ImapError, OSError) as exc:
            delay = backoff[min(failures, len(backoff) - 1)] if backoff else 0.0
            failures += 1
            logger.warning("IMAP %s: %s; reconnecting in %s s (failure %d)", account.name, exc, delay, failures)
        finally:
            mailbox.close()
        if delay is not None and not stop.is_set():
            pause(delay)
    logger.info("IMAP %s: watcher stopped", account.name)
