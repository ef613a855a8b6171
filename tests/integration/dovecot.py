"""A throw-away Dovecot on 127.0.0.1 for IMAP tests, with its own CA and certificates.

Two Dovecot instances share one passwd-file and one mail tree:

* the main one presents a certificate for ``localhost`` / ``127.0.0.1``;
* the "wrong host" one presents a certificate for ``mail.example.invalid``, signed by the same CA,
  so a client that trusts the CA and connects to 127.0.0.1 must refuse it for the name alone.

Each listens on an implicit-TLS port and a plain port (which offers STARTTLS). The ``dovecot``
fixture gives every test a fresh user (so a fresh, empty maildir) on the module's servers.
Skips with a reason when Dovecot or openssl is missing, fails instead under
``FLEETDESK_REQUIRE_SERVICES=1``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import grp
import imaplib
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import support

WRONG_HOST = "mail.example.invalid"
PASSWORD = "secret"
_START_TIMEOUT = 15.0
# Written up front: Dovecot re-reads a changed passwd-file at most once a second, too slow here.
USERS = 500


@dataclasses.dataclass(frozen=True)
class Dovecot:
    """Where the test servers listen, who may log in, and helpers that talk stdlib IMAP."""

    root: Path
    host: str
    tls_port: int
    plain_port: int
    wrong_host_tls_port: int
    wrong_host_plain_port: int
    ca_file: str
    username: str
    password: str = PASSWORD

    def client(self) -> imaplib.IMAP4:
        """A logged-in stdlib client on the plain port (loopback, so Dovecot allows LOGIN)."""
        conn = imaplib.IMAP4(self.host, self.plain_port, timeout=10)
        conn.login(self.username, self.password)
        return conn

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        """APPEND ``raw`` to ``folder`` (created if missing); return its UID.

        stdlib imaplib turns bare LF into CRLF, as every IMAP store does; pass CRLF text to
        compare bytes afterwards.
        """
        with _logged_out(self.client()) as conn:
            if folder.upper() != "INBOX":
                conn.create(_q(folder))  # NO when it exists: fine
            typ, data = conn.append(_q(folder), None, None, raw)
            assert typ == "OK", data
            match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            assert match, data
            return int(match.group(1))

    def list_folder(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in ``folder``, in UID order, read without setting \\Seen."""
        return [raw for _uid, _flags, raw in self._messages(folder)]

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """UID -> flags of every message in ``folder``."""
        return {uid: flags for uid, flags, _raw in self._messages(folder)}

    def folders(self) -> set[str]:
        """Names of all folders of the user."""
        with _logged_out(self.client()) as conn:
            typ, data = conn.list()
            assert typ == "OK", data
        names = set()
        for line in data:
            assert isinstance(line, bytes)
            match = re.match(rb'\([^)]*\) (?:"[^"]*"|NIL) (.*)$', line)
            assert match, line
            names.add(match.group(1).strip(b'"').decode())
        return names

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with _logged_out(self.client()) as conn:
            typ, data = conn.status(_q(folder), "(UIDVALIDITY)")
            assert typ == "OK", data
        match = re.search(rb"UIDVALIDITY (\d+)", data[0] or b"")
        assert match, data
        return int(match.group(1))

    def _messages(self, folder: str) -> list[tuple[int, set[str], bytes]]:
        with _logged_out(self.client()) as conn:
            typ, data = conn.select(_q(folder), readonly=True)
            assert typ == "OK", data
            typ, data = conn.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            assert typ == "OK", data
        found: list[tuple[int, set[str], bytes]] = []
        for item in data:
            if isinstance(item, tuple):
                head = item[0]
                uid = re.search(rb"UID (\d+)", head)
                flags = re.search(rb"FLAGS \(([^)]*)\)", head)
                assert uid and flags, head
                found.append((int(uid.group(1)), set(flags.group(1).decode().split()), item[1]))
        return sorted(found, key=lambda m: m[0])


@dataclasses.dataclass
class _Servers:
    root: Path
    procs: list[subprocess.Popen[bytes]]
    ports: dict[str, int]
    ca_file: str
    next_user: Iterator[int] = dataclasses.field(default_factory=lambda: itertools.count(1))

    def new_user(self) -> Dovecot:
        """Hand out the next never-used user: its maildir is created empty on first login."""
        number = next(self.next_user)
        if number > USERS:
            raise RuntimeError(f"all {USERS} test users of this Dovecot are used; raise USERS")
        name = f"user{number}"
        return Dovecot(root=self.root, host="127.0.0.1", tls_port=self.ports["good_tls"],
                       plain_port=self.ports["good_plain"], wrong_host_tls_port=self.ports["wrong_tls"],
                       wrong_host_plain_port=self.ports["wrong_plain"], ca_file=self.ca_file, username=name)


@contextlib.contextmanager
def running_dovecot() -> Iterator[_Servers]:
    """Start both instances in a fresh directory; stop them (SIGTERM, then SIGKILL) and clean up."""
    dovecot = support.require_binary("dovecot", "/usr/sbin/dovecot")
    openssl = support.require_binary("openssl", "/usr/bin/openssl")
    root = Path(tempfile.mkdtemp(prefix="fleetdesk-dovecot-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        # Dovecot's unprivileged processes must reach base_dir and the mail tree.
        root.chmod(0o755)
        certs = _make_certificates(openssl, root / "certs")
        mail_user, mail_group = _accounts()
        mail = root / "mail"
        mail.mkdir()
        if os.geteuid() == 0:
            shutil.chown(mail, mail_user, mail_group)
        users_file = root / "users"
        users_file.write_text("".join(f"user{n}:{{PLAIN}}{PASSWORD}\n" for n in range(1, USERS + 1)))
        ports = {key: support.free_port() for key in ("good_tls", "good_plain", "wrong_tls", "wrong_plain")}
        for name, cert in (("good", "server"), ("wrong", "wrong")):
            conf = _write_config(root, name, certs[cert], certs[cert + "_key"], ports[f"{name}_tls"],
                                 ports[f"{name}_plain"], users_file, mail, mail_user, mail_group)
            procs.append(subprocess.Popen([dovecot, "-F", "-c", str(conf)], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=(root / f"{name}.stderr").open("wb"),
                                          start_new_session=True))
        for proc, name in zip(procs, ("good", "wrong"), strict=True):
            for kind in ("tls", "plain"):
                _wait_for_greeting(ports[f"{name}_{kind}"], proc, root, name)
        yield _Servers(root=root, procs=procs, ports=ports, ca_file=str(certs["ca"]))
    finally:
        for proc in procs:
            _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_servers() -> Iterator[_Servers]:
    with running_dovecot() as servers:
        yield servers


@pytest.fixture
def dovecot(dovecot_servers: _Servers) -> Dovecot:
    """The module's Dovecot servers, with a fresh user and empty mailbox for this test."""
    return dovecot_servers.new_user()


# -- internals ---------------------------------------------------------------------------------


def _accounts() -> tuple[str, str]:
    """The user and group that own mail: nobody as root (Dovecot refuses root), else ourselves."""
    if os.geteuid() == 0:
        return "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, grp.getgrgid(me.pw_gid).gr_name


def _make_certificates(openssl: str, where: Path) -> dict[str, Path]:
    """A CA, a server certificate for localhost/127.0.0.1, one for WRONG_HOST; EC P-256, 2 days."""
    where.mkdir()
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=where, check=True, capture_output=True, timeout=30)

    run("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=FleetDesk Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, san in (("server", "DNS:localhost,IP:127.0.0.1"), ("wrong", f"DNS:{WRONG_HOST}")):
        (where / f"{name}.ext").write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                                           "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
        run("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-out", f"{name}.pem", "-extfile", f"{name}.ext")
    return {"ca": where / "ca.pem", "server": where / "server.pem", "server_key": where / "server.key",
            "wrong": where / "wrong.pem", "wrong_key": where / "wrong.key"}


def _write_config(root: Path, name: str, cert: Path, key: Path, tls_port: int, plain_port: int,
                  users_file: Path, mail: Path, mail_user: str, mail_group: str) -> Path:
    base = root / name
    base.mkdir()
    if os.geteuid() == 0:
        # Debian's packaged users; login processes run chrooted under base_dir as dovenull.
        internal, internal_group, login, chroot = "dovecot", "dovecot", "dovenull", ""
    else:
        # Unprivileged: everything runs as us, and chroot is impossible.
        internal = login = mail_user
        internal_group = mail_group
        chroot = "  chroot =\n"
    conf = base / "dovecot.conf"
    conf.write_text(f"""\
# Throw-away test server; see tests/integration/dovecot.py.
base_dir = {base}/run
state_dir = {base}/state
instance_name = fleetdesk-test-{name}-{os.getpid()}
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0 secs
mail_location = maildir:{mail}/%u
mail_uid = {mail_user}
mail_gid = {mail_group}
first_valid_uid = 1
first_valid_gid = 1
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {users_file}
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={mail}/%u
}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
{chroot}}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
""")
    return conf


def _wait_for_greeting(port: int, proc: subprocess.Popen[bytes], root: Path, name: str) -> None:
    """Wait until the port greets like an IMAP server (TLS ports: any accepted connection)."""
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot ({name}) exited with {proc.returncode}: {_logs(root, name)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"dovecot ({name}) did not listen on {port}: {_logs(root, name)}")


def _logs(root: Path, name: str) -> str:
    parts = []
    for path in (root / name / "dovecot.log", root / f"{name}.stderr"):
        with contextlib.suppress(OSError):
            parts.append(path.read_text(errors="replace")[-4000:])
    return "\n".join(parts)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    # Children (imap, auth, ...) share the session; make sure none outlives the master.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _q(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def _logged_out(conn: imaplib.IMAP4) -> Iterator[imaplib.IMAP4]:
    try:
        yield conn
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()


def ssl_peer_names(port: int, ca_file: str, server_hostname: str) -> list[str]:
    """Handshake with ``port`` expecting ``server_hostname``; return the certificate's DNS names."""
    context = ssl.create_default_context(cafile=ca_file)
    with (socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
          context.wrap_socket(raw, server_hostname=server_hostname) as tls):
        cert = tls.getpeercert() or {}
    names: list[str] = []
    for entry in cert.get("subjectAltName", ()):
        if isinstance(entry, tuple) and entry[0] == "DNS":
            names.append(str(entry[1]))
    return names
