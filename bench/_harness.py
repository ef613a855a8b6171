"""Small helpers shared by the benchmark scripts in ``bench/``.

A benchmark is a script that prints figures; it never asserts. Run one with
``python bench/NAME.py`` from the repository root.
"""
from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# Let ``python bench/x.py`` import the project when it is not installed.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass(frozen=True)
class Result:
    """One measured figure."""

    name: str
    calls: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else float("inf")


def header(title: str) -> None:
    """Print what was measured and on what."""
    print(f"# {title}")
    print(f"# python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpu(s)")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """Measure the wall-clock time of a block; the elapsed seconds land in the yielded list."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


def measure(name: str, calls: int, fn: Callable[[], object]) -> Result:
    """Run ``fn`` once (it performs ``calls`` operations) and return the timing."""
    with stopwatch() as box:
        fn()
    return Result(name, calls, box[0])


def report(result: Result) -> None:
    """Print one figure in a fixed, grep-able format."""
    print(f"{result.name:<40} {result.calls:>10,d} calls {result.seconds:9.3f} s {result.rate:>14,.0f} /s")


@contextmanager
def postgres_databases(count: int = 1) -> Iterator[list[str] | None]:
    """Fresh PostgreSQL databases for a bench (dropped afterwards); None when no server answers.

    The server is ``FLEETDESK_TEST_POSTGRES_URL`` (default the local one, as the tests use).
    """
    import uuid

    admin = os.environ.get("FLEETDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    plain = admin.replace("postgresql+psycopg://", "postgresql://")
    names = [f"fleetdesk_bench_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    try:
        import psycopg

        with psycopg.connect(plain, autocommit=True, connect_timeout=3) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # no driver or no server: the caller measures what it can
        print(f"# PostgreSQL unreachable: {exc}")
        yield None
        return
    base = admin.rsplit("/", 1)[0]
    try:
        yield [f"{base}/{name}" for name in names]
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
