"""The IMAP adapter against a real Dovecot: TLS verification, reading, moving, waiting, reconnecting."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fines.intake.imap import CertificateRefused, ImapAccount, ImapError, Mailbox, MessageNotFound, watch
from tests.integration.dovecot import WRONG_HOST, Dovecot, ssl_peer_names
from tests.integration.faultproxy import FaultProxy

pytestmark = pytest.mark.services

# A forwarded fine as it sits in the store: CRLF line ends, 8-bit text, a base64 PDF.
FINE = (
    b"From: boetes@leasing.example\r\n"
    b"To: acme+fines@fines.fleetdesk.test\r\n"
    b"Subject: Verkeersboete 1-ABC-123\r\n"
    b"Message-ID: <fine-1@leasing.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Proc\xe8s-verbal en bijlage. Bedrag: 58 \x80\r\n"
    b"--b1\r\n"
    b"Content-Type: application/pdf; name=\"pv.pdf\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n" * 40 +
    b"--b1--\r\n"
)


def fine(n: int) -> bytes:
    return FINE.replace(b"fine-1@", f"fine-{n}@".encode())


def account(d: Dovecot, security: str = "tls", *, port: int | None = None, host: str = "127.0.0.1",
            ca_file: str | bool | None = True, password: str | None = None, **extra: Any) -> ImapAccount:
    if port is None:
        port = d.tls_port if security == "tls" else d.plain_port
    return ImapAccount(name="test", host=host, port=port, username=d.username, password=password or d.password,
                       security=security,  # type: ignore[arg-type]
                       ca_file=d.ca_file if ca_file is True else ca_file or None, timeout=5.0, **extra)


#: How long a test waits for a condition before it fails: generous, since a loaded CI machine is slow;
#: a condition that holds returns at once, so the suite is not slower for it.
PATIENCE = 30.0


def wait_until(predicate: Callable[[], bool], timeout: float = PATIENCE, step: float = 0.02) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True


def imaplib2_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.endswith((" reader", " writer", " handler"))]


@pytest.fixture(autouse=True)
def _no_leftover_connections() -> Iterator[None]:
    """Every path, failures included, must stop imaplib2's three threads per connection."""
    yield
    wait_until(lambda: not imaplib2_threads())
    assert imaplib2_threads() == []


class SignallingMailbox(Mailbox):
    """A mailbox that says when it has started waiting for mail (so a test delivers then, not after a sleep)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting = threading.Event()

    def _take_news(self) -> bool:
        news = super()._take_news()
        self.waiting.set()  # the first look happened: from here on a delivery is news
        return news


def deliver_when_waiting(d: Dovecot, waiting: threading.Event) -> threading.Thread:
    """Deliver a message from a thread as soon as ``waiting`` is set."""
    def deliver() -> None:
        if waiting.wait(PATIENCE):
            d.deliver(fine(9))

    thread = threading.Thread(target=deliver, daemon=True)
    thread.start()
    return thread


def run_watch(acc: ImapAccount, handle: Callable[[Mailbox], None], stop: threading.Event,
              **kwargs: Any) -> list[float]:
    """Run ``watch`` in a thread (back-off recorded, not slept); fail if it outlives the test's patience."""
    pauses: list[float] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            watch(acc, handle, stop, sleep=pauses.append, wait_timeout=2, **kwargs)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=PATIENCE)
    stop.set()
    thread.join(timeout=PATIENCE)
    assert not thread.is_alive(), "watch did not stop"
    assert errors == []
    return pauses


# -- TLS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_tls_with_the_right_ca_connects_and_reports_uidvalidity(dovecot: Dovecot, host: str) -> None:
    with Mailbox(account(dovecot, host=host)) as mailbox:
        assert mailbox.uidvalidity == dovecot.uidvalidity("INBOX") > 0


def test_starttls_with_the_right_ca_connects(dovecot: Dovecot) -> None:
    with Mailbox(account(dovecot, "starttls")) as mailbox:
        assert mailbox.uids() == []


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_certificate_for_another_host_name_is_refused(dovecot: Dovecot, security: str) -> None:
    port = dovecot.wrong_host_tls_port if security == "tls" else dovecot.wrong_host_plain_port
    with pytest.raises(CertificateRefused, match="mismatch"):
        Mailbox(account(dovecot, security, port=port)).connect()
    # Same CA, valid chain: the name alone is what was refused.
    assert ssl_peer_names(dovecot.wrong_host_tls_port, dovecot.ca_file, WRONG_HOST) == [WRONG_HOST]


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_certificate_from_a_ca_not_trusted_by_the_system_is_refused(dovecot: Dovecot, security: str) -> None:
    with pytest.raises(CertificateRefused, match="certificate"):
        Mailbox(account(dovecot, security, ca_file=None)).connect()


def test_wrong_password_is_an_imap_error_not_a_certificate_error(dovecot: Dovecot) -> None:
    # On the second instance: Dovecot delays later logins from an IP after a failed one.
    bad = account(dovecot, "plain", port=dovecot.wrong_host_plain_port, password="wrong")
    with pytest.raises(ImapError) as caught:
        Mailbox(bad).connect()
    assert not isinstance(caught.value, CertificateRefused)


def test_imaplib2_deprecation_warnings_are_filtered(dovecot: Dovecot, recwarn: pytest.WarningsRecorder) -> None:
    with Mailbox(account(dovecot)) as mailbox:
        mailbox.wait_for_mail(0.5)
    assert [str(w.message) for w in recwarn if "imaplib2" in w.filename] == []


# -- reading and moving --------------------------------------------------------------------------


def test_plain_login_lists_uids_and_creates_missing_folders(dovecot: Dovecot) -> None:
    uid = dovecot.deliver(fine(1))
    assert dovecot.folders() == {"INBOX"}
    acc = account(dovecot, "plain", processed_folder="Verwerkte boetes", quarantine_folder="Quarantaine")
    with Mailbox(acc) as mailbox:
        assert mailbox.uids() == [uid]
    assert dovecot.folders() == {"INBOX", "Verwerkte boetes", "Quarantaine"}
    with Mailbox(acc) as mailbox:  # existing folders are fine too
        assert mailbox.uids() == [uid]


def test_fetch_returns_the_exact_bytes_and_leaves_the_message_unseen(dovecot: Dovecot) -> None:
    uid = dovecot.deliver(fine(1))
    with Mailbox(account(dovecot)) as mailbox:
        message = mailbox.fetch(uid)
        assert (message.uid, message.folder, message.uidvalidity) == (uid, "INBOX", mailbox.uidvalidity)
        assert message.raw == fine(1)
        with pytest.raises(MessageNotFound):
            mailbox.fetch(uid + 100)
    assert "\\Seen" not in dovecot.flags()[uid]


@pytest.mark.parametrize("ignore", [(), ("MOVE",), ("MOVE", "UIDPLUS")],
                         ids=["move", "copy-uid-expunge", "copy-expunge"])
def test_move_takes_the_message_out_of_the_folder_into_processed(dovecot: Dovecot, ignore: tuple[str, ...]) -> None:
    first, second = dovecot.deliver(fine(1)), dovecot.deliver(fine(2))
    with Mailbox(account(dovecot), ignore_capabilities=ignore) as mailbox:
        mailbox.move(first, "Processed")
        assert mailbox.uids() == [second]
        mailbox.move(second, "Quarantine")
        assert mailbox.uids() == []
    assert dovecot.list_folder("INBOX") == []
    assert dovecot.list_folder("Processed") == [fine(1)]
    assert dovecot.list_folder("Quarantine") == [fine(2)]


# -- waiting for mail ----------------------------------------------------------------------------


@pytest.mark.parametrize("ignore", [(), ("IDLE",)], ids=["idle", "poll"])
def test_wait_for_mail_returns_when_a_message_arrives(dovecot: Dovecot, ignore: tuple[str, ...]) -> None:
    with SignallingMailbox(account(dovecot), ignore_capabilities=ignore, poll_interval=0.2) as mailbox:
        assert mailbox.supports_idle() is (ignore == ())
        delivery = deliver_when_waiting(dovecot, mailbox.waiting)
        # True, not a timeout: the arrival ended the wait (False would mean the whole wait ran out).
        assert mailbox.wait_for_mail(PATIENCE * 2) is True
        delivery.join(timeout=PATIENCE)
        assert len(mailbox.uids()) == 1


@pytest.mark.parametrize("ignore", [(), ("IDLE",)], ids=["idle", "poll"])
def test_wait_for_mail_returns_false_on_timeout_and_on_interrupt(dovecot: Dovecot, ignore: tuple[str, ...]) -> None:
    with SignallingMailbox(account(dovecot), ignore_capabilities=ignore, poll_interval=0.2) as mailbox:
        started = time.monotonic()
        assert mailbox.wait_for_mail(1) is False
        assert time.monotonic() - started >= 0.9  # it did wait out its timeout
        interrupt = threading.Event()
        mailbox.waiting.clear()
        threading.Thread(target=lambda: mailbox.waiting.wait(PATIENCE) and interrupt.set(), daemon=True).start()
        started = time.monotonic()
        assert mailbox.wait_for_mail(PATIENCE * 4, interrupt=interrupt) is False
        assert time.monotonic() - started < PATIENCE * 2  # ended by the interrupt, long before its timeout
        assert mailbox.uids() == []  # the connection is still usable


# -- watch: reconnecting -------------------------------------------------------------------------


class Intake:
    """A stand-in for the intake service: fetch, remember, move to Processed; stop when empty."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.calls = 0
        self.fetched: list[bytes] = []

    def __call__(self, mailbox: Mailbox) -> None:
        self.calls += 1
        for uid in mailbox.uids():
            self.fetched.append(mailbox.fetch(uid).raw)
            mailbox.move(uid, mailbox.account.processed_folder)
        if not mailbox.uids():
            self.stop.set()


def test_watch_reconnects_after_the_connection_is_cut_mid_fetch(dovecot: Dovecot) -> None:
    dovecot.deliver(fine(1))
    stop = threading.Event()
    intake = Intake(stop)
    with FaultProxy(("127.0.0.1", dovecot.plain_port)) as proxy:
        proxy.cut_server_bytes(500, after_client=b"BODY.PEEK[]")  # well inside the message
        pauses = run_watch(account(dovecot, "plain", port=proxy.port), intake, stop, backoff=(1, 2))
    assert (proxy.cuts, proxy.connections) == (1, 2)
    assert pauses == [1]
    assert intake.calls == 2 and intake.fetched == [fine(1)]
    assert dovecot.list_folder("INBOX") == [] and dovecot.list_folder("Processed") == [fine(1)]


@pytest.mark.parametrize(("ignore", "pattern", "forward", "processed"), [
    ((), b"UID MOVE", False, 1),  # never reached the server: moved on the second attempt
    ((), b"UID MOVE", True, 1),  # moved, answer lost: nothing left to do
    (("MOVE",), b"UID COPY", False, 1),
    (("MOVE",), b"UID COPY", True, 2),  # copied, not yet deleted: at least once, so twice
    (("MOVE",), b"UID EXPUNGE", False, 1),  # copied and \Deleted: skipped, not copied again
], ids=["move-lost", "move-done", "copy-lost", "copy-done", "expunge-lost"])
def test_watch_reconnects_after_the_connection_is_cut_mid_move(
        dovecot: Dovecot, ignore: tuple[str, ...], pattern: bytes, forward: bool, processed: int) -> None:
    dovecot.deliver(fine(1))
    stop = threading.Event()
    intake = Intake(stop)
    with FaultProxy(("127.0.0.1", dovecot.plain_port)) as proxy:
        proxy.cut_on_client(pattern, forward=forward)
        run_watch(account(dovecot, "plain", port=proxy.port), intake, stop,
                  mailbox_factory=lambda acc: Mailbox(acc, ignore_capabilities=ignore))
    assert proxy.cuts == 1 and intake.calls == 2
    assert dovecot.list_folder("Processed") == [fine(1)] * processed
    assert all("\\Deleted" in flags for flags in dovecot.flags("INBOX").values())


def test_watch_hands_over_mail_that_arrives_while_it_waits(dovecot: Dovecot) -> None:
    stop = threading.Event()
    intake = Intake(threading.Event())  # never stops by itself here
    seen = threading.Event()

    def handle(mailbox: Mailbox) -> None:
        intake(mailbox)
        if intake.fetched:
            seen.set()
            stop.set()

    mailboxes: list[SignallingMailbox] = []

    def factory(acc: ImapAccount) -> Mailbox:
        mailboxes.append(SignallingMailbox(acc))
        return mailboxes[-1]

    waiting = threading.Event()
    threading.Thread(target=lambda: wait_until(lambda: bool(mailboxes) and mailboxes[0].waiting.is_set())
                     and waiting.set(), daemon=True).start()
    delivery = deliver_when_waiting(dovecot, waiting)
    run_watch(account(dovecot), handle, stop, mailbox_factory=factory)
    delivery.join(timeout=PATIENCE)
    assert seen.is_set()  # handed over while watching, not after the watch gave up
    assert intake.fetched == [fine(9)]


def test_watch_backs_off_step_by_step_and_resets_after_success() -> None:
    stop = threading.Event()
    script = iter(["fail", "fail", "ok", "fail", "fail", "fail", "fail"])

    class FlakyMailbox(Mailbox):
        def connect(self) -> None:
            step = next(script, None)
            if step is None:
                stop.set()
                raise ImapError("script exhausted")
            if step == "fail":
                raise ImapError("connection refused")

        def wait_for_mail(self, timeout: float, *, interrupt: threading.Event | None = None) -> bool:
            raise ImapError("connection reset")

        def close(self) -> None:
            pass

    acc = ImapAccount(name="flaky", host="127.0.0.1", port=1, username="u", password="p")
    pauses = run_watch(acc, lambda mailbox: None, stop, backoff=(1, 2, 5), mailbox_factory=FlakyMailbox)
    # fail, fail, ok (handled) then the wait breaks, fail x4: the step resets after the success.
    assert pauses == [1, 2, 1, 2, 5, 5, 5]


def test_watch_stops_promptly_while_backing_off() -> None:
    stop = threading.Event()
    attempts: list[int] = []

    class CountingMailbox(Mailbox):
        def connect(self) -> None:
            attempts.append(1)
            super().connect()

    acc = ImapAccount(name="down", host="127.0.0.1", port=1, username="u", password="p", security="plain")
    thread = threading.Thread(target=watch, args=(acc, lambda mailbox: None, stop),
                              kwargs={"backoff": (600,), "mailbox_factory": CountingMailbox})
    thread.start()
    assert wait_until(lambda: bool(attempts))  # it failed to connect and is backing off for 600 s
    stop.set()
    thread.join(timeout=PATIENCE)
    assert not thread.is_alive() and len(attempts) == 1  # stopped within the back-off, not after it
