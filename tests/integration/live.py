"""Run real servers for tests: gunicorn or ``fleetdesk demo`` as subprocesses, the app in a thread."""
from __future__ import annotations

import contextlib
import http.cookiejar
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

from tests import support


def wait_for(url: str, timeout: float = 30.0, proc: subprocess.Popen[Any] | None = None) -> None:
    """Poll ``url`` until it answers, the process dies, or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {out}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def process(args: Sequence[str], env: dict[str, str], ready_url: str, timeout: float = 60.0,
            log: Any = None) -> Iterator[subprocess.Popen[str]]:
    """Start a server process in its own process group; stop it (SIGTERM, then SIGKILL) afterwards.

    Its output goes to a pipe, or to the file ``log`` (readable while it runs, for failure reports).
    """
    proc = subprocess.Popen(list(args), env=env, stdout=log or subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        wait_for(ready_url, timeout, proc)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[Any], grace: float = 15.0) -> None:
    """Stop a process started in its own process group: SIGTERM to the group, SIGKILL after ``grace`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextlib.contextmanager
def thread_server(app: Any) -> Iterator[str]:
    """Serve ``app`` from a thread on a free loopback port; yield its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", support.free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Browserless:
    """A tiny cookie-keeping HTTP client for logging in to a real server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def login(self, email: str, password: str) -> tuple[int, str]:
        _, page = self.get("/login")
        return self.post("/login", {"email": email, "password": password, "csrf_token": support.csrf_token(page)})
