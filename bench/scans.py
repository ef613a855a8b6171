"""Fines as they really arrive: field accuracy and CPU seconds per page on degraded copies.

``python bench/scans.py [--letters N] [--kinds office,fax,phone,photo] [--jobs J] [--out DIR]``

The degraded set is made here, deterministically, by ``tests.degrade`` from the project's own
letters: the sample corpus's text PDFs (``../shared/corpus/fines``, rendered to pictures) and the
fixtures in ``tests/fixtures/fines`` (drawn with a Debian font), each as an office scan, a fax, a
phone shot (image-only PDFs) and a photo (a plain JPEG). Every copy is read the way intake reads
it, by the PDF worker's own ``handle`` (in this process, so its CPU time and that of the
``tesseract`` it starts can be measured; ``--sandbox`` goes through the real sandbox instead and
measures wall time only). A photo goes through ``fines.intake.images`` (the conversion intake
applies to an image attachment) when that module exists, else it counts as refused.

Fields are compared with the truth as ``tests/integration/test_corpus_accuracy.py`` does (the
offence time as Brussels wall time to the minute). Prints figures per kind; asserts nothing.
Targets: at least 95 % of fields right on each kind, at most 3 CPU seconds per page.
``--letters N`` takes N letters spread over the set (all 50 by default); ``--jobs 2`` reads two
copies at a time (the CPU seconds stay per copy).
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _harness import header  # first: puts the repository on sys.path

from tests import degrade

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "fines"
FIXTURES = ROOT / "tests" / "fixtures" / "fines"
FIELDS = ("kind", "language", "issuer", "notice_number", "plate", "plate_country", "offence_at", "letter_date",
          "due_date", "amount_cents", "currency", "payment_reference", "addressee")
KEY_FIELDS = ("notice_number", "plate", "amount_cents")


@dataclass(frozen=True)
class Letter:
    """A clean letter: where it comes from and its truth."""

    name: str
    source: Path
    truth: dict[str, Any]


@dataclass
class Reading:
    """What intake made of one degraded copy."""

    letter: str
    kind: str
    ok: bool
    reason: str | None
    wrong: dict[str, tuple[object, object]] = field(default_factory=dict)
    cpu: float = 0.0
    wall: float = 0.0
    pages: int = 1
    needs_review: bool = True
    turned: int = 0
    second: str = ""           # the second reading kept, if one was (its preparation's last steps)


def comparable(value: dict[str, Any]) -> dict[str, Any]:
    """The offence time as Brussels wall time to the minute, as the corpus truth writes it."""
    offence = value.get("offence_at")
    return {**value, "offence_at": offence[:16] if isinstance(offence, str) else offence}


def letters() -> list[Letter]:
    """The corpus's text PDFs (not its scans) and every fixture letter, in a stable order."""
    found: list[Letter] = []
    if CORPUS.is_dir():
        for pdf in sorted(CORPUS.glob("*.pdf")):
            truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
            if not truth["scanned"]:
                found.append(Letter(pdf.stem, pdf, truth))
    else:
        print(f"# corpus not found at {CORPUS}: fixtures only")
    for text in sorted(FIXTURES.glob("*.txt")):
        found.append(Letter(f"fixture-{text.stem}", text,
                            json.loads(text.with_suffix(".json").read_text(encoding="utf-8"))))
    return found


def spread(items: list[Letter], count: int | None) -> list[Letter]:
    """``count`` letters spread evenly over the list (all of them when ``count`` is None)."""
    if count is None or count >= len(items):
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def clean_page(letter: Letter) -> degrade.Grey:
    if letter.source.suffix == ".pdf":
        return degrade.page_from_pdf(letter.source.read_bytes())
    return degrade.page_from_text(letter.source.read_text(encoding="utf-8"))


def cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for (tesseract)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def as_pdf(copy: degrade.Copy) -> bytes | None:
    """The PDF intake reads for a copy: the copy itself, or a photo converted as intake converts it."""
    if copy.kind != "photo":
        return copy.data
    try:
        from fines.intake.images import image_to_pdf  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return bytes(image_to_pdf(copy.data))


def read_copy(letter: Letter, kind: degrade.Kind, out: str | None, sandbox: bool,
              reread_seconds: float | None = None) -> Reading:
    """Degrade one letter as ``kind`` and read it as intake does; compare with the truth."""
    import os

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # Imported before the clock starts: the worker imports them once for all the files it reads.
    from fines.intake import imageprep, images, judge, pdfworker  # noqa: F401

    copy = degrade.degrade(clean_page(letter), kind, letter.name)
    if out:
        Path(out, f"{letter.name}-{kind}{copy.suffix}").write_bytes(copy.data)
    started_cpu, started = cpu_seconds(), time.monotonic()
    data = as_pdf(copy)
    if data is None:
        return Reading(letter.name, kind, False, "refused (not a PDF)", turned=copy.turned)
    if sandbox:
        from fines.intake.sandbox import PdfSandbox

        with PdfSandbox() as box:
            outcome = box.parse(data, f"{letter.name}{copy.suffix}")
        reply: dict[str, Any] = {"ok": outcome.ok, "reason": outcome.reason, "fields": outcome.fields,
                                 "pages": outcome.pages, "needs_review": outcome.needs_review}
    else:
        request: dict[str, Any] = {"filename": f"{letter.name}{copy.suffix}", "ocr": True}
        if reread_seconds is not None:
            request["reread_seconds"] = reread_seconds
        reply = pdfworker.handle(request, data)
    cpu, wall = cpu_seconds() - started_cpu, time.monotonic() - started
    if not reply["ok"]:
        return Reading(letter.name, kind, False, str(reply.get("reason")), cpu=cpu, wall=wall, turned=copy.turned)
    got, truth = comparable(reply["fields"]), comparable(letter.truth)
    wrong = {name: (got.get(name), truth.get(name)) for name in FIELDS if got.get(name) != truth.get(name)}
    second = "; ".join(" ".join(step for step in page["preparation"] if _second(step))
                       for page in reply.get("ocr", ()) if any(_second(step) for step in page["preparation"]))
    return Reading(letter.name, kind, True, None, wrong, cpu, wall, int(reply.get("pages", 1)),
                   bool(reply.get("needs_review")), copy.turned, second)


def _second(step: str) -> bool:
    """Whether a preparation step belongs to a second reading."""
    return step in ("larger", "turned over") or step.startswith(("lines", "in "))


def run(chosen: list[Letter], kinds: list[degrade.Kind], jobs: int, out: str | None,
        sandbox: bool, reread_seconds: float | None) -> Iterator[Reading]:
    work = [(letter, kind) for kind in kinds for letter in chosen]
    if jobs <= 1:
        for letter, kind in work:
            yield read_copy(letter, kind, out, sandbox, reread_seconds)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(read_copy, [letter for letter, _ in work], [kind for _, kind in work],
                            [out] * len(work), [sandbox] * len(work), [reread_seconds] * len(work))


def summarise(kind: str, readings: list[Reading], verbose: bool) -> None:
    total = len(readings) * len(FIELDS)
    right = sum(len(FIELDS) - (len(r.wrong) if r.ok else len(FIELDS)) for r in readings)
    key_right = sum(sum(1 for name in KEY_FIELDS if r.ok and name not in r.wrong) for r in readings)
    cpus = [r.cpu / max(r.pages, 1) for r in readings if r.ok or r.cpu]
    failed = Counter(r.reason for r in readings if not r.ok)
    review = sum(1 for r in readings if not r.ok or r.needs_review)
    print(f"{kind:<8} {len(readings):>3} copies  fields {100 * right / total:5.1f} %  "
          f"key fields {100 * key_right / (len(readings) * len(KEY_FIELDS)):5.1f} %  "
          f"to review {review:>3}  second readings kept {sum(bool(r.second) for r in readings):>3}  "
          f"CPU s/page mean {statistics.fmean(cpus) if cpus else 0:5.2f} max {max(cpus, default=0):5.2f}"
          + (f"  failed {dict(failed)}" if failed else ""))
    misses: Counter[str] = Counter(name for r in readings if r.ok for name in r.wrong)
    if misses:
        print(f"{'':<8} wrong fields: " + ", ".join(f"{name} {n}" for name, n in misses.most_common()))
    if verbose:
        slowest = sorted(readings, key=lambda r: r.cpu / max(r.pages, 1), reverse=True)[:3]
        print(f"{'':<8} slowest: " + ", ".join(f"{r.letter} {r.cpu / max(r.pages, 1):.2f} s" for r in slowest))
        for r in readings:
            if r.wrong or not r.ok or r.second:
                print(f"    {r.letter} (turned {r.turned}{', kept ' + r.second if r.second else ''}): "
                      + (r.reason or "; ".join(f"{k} {v[0]!r} != {v[1]!r}" for k, v in r.wrong.items())))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=None)
    parser.add_argument("--kinds", default=",".join(degrade.KINDS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", default=None, help="keep the degraded copies in this folder")
    parser.add_argument("--sandbox", action="store_true", help="read through the real sandbox (wall time only)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every wrong field")
    parser.add_argument("--reread-seconds", type=float, default=None,
                        help="budget for second readings (0: first readings only; default: the worker's)")
    args = parser.parse_args(argv)
    kinds: list[degrade.Kind] = [k for k in degrade.KINDS if k in args.kinds.split(",")]
    header("fines as they arrive: degraded copies read by the PDF worker (OCR)")
    chosen = spread(letters(), args.letters)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    print(f"# {len(chosen)} letters x {len(kinds)} kinds, {args.jobs} job(s)")
    by_kind: dict[str, list[Reading]] = defaultdict(list)
    started = time.monotonic()
    for reading in run(chosen, kinds, args.jobs, args.out, args.sandbox, args.reread_seconds):
        by_kind[reading.kind].append(reading)
    for kind in kinds:
        summarise(kind, by_kind[kind], args.verbose)
    everything = [r for rs in by_kind.values() for r in rs]
    cpu = sum(r.cpu for r in everything)
    pages = sum(r.pages for r in everything if r.ok) or 1
    print(f"{'all':<8} {len(everything):>3} copies  CPU {cpu:7.1f} s ({cpu / pages:4.2f} s/page), "
          f"wall {time.monotonic() - started:6.1f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
