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
