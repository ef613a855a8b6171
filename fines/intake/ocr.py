"""Read a prepared page picture with Tesseract, word by word, and read its doubtful lines again.

An adapter around the ``tesseract`` binary (a child process per reading, its TSV output parsed
here). A reading keeps its lines with their boxes and their words' confidence, so that a second
reading can be limited to the lines whose words Tesseract was unsure of: those lines are cut out of
the picture, stacked on one strip and read in one go (larger, with another binarisation, in the
letter's own language), and each line keeps whichever reading Tesseract was surer of.
"""
from __future__ import annotations

import bisect
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace

from fines.intake.imageprep import Prepared, stack_lines

__all__ = ["Line", "OcrFailure", "Reading", "Tesseract", "from_tsv"]

#: Page segmentation mode 4: "a single column of text of variable sizes" keeps a letter's
#: label/value lines together and in reading order (3, fully automatic, may split columns;
#: 6, a uniform block, misreads letters next to digits more often on the sample scans).
TESSERACT_PSM = "4"
#: A line with a word read with less confidence than this is read again in a second reading.
DOUBTFUL_LINE = 85.0
#: At most this many lines are read again at once (the least sure first).
MAX_LINES = 12
#: Tesseract's adaptive (Sauvola) binarisation, for what uneven light, noise or JPEG left behind.
SAUVOLA = ("-c", "thresholding_method=2")
#: Quotes and bars around a word are what specks and fold lines become; no fine field has them.
STRAY = "|‘’“”\"„«»`´"
#: A word with no letter or digit (nor a currency sign) read with less confidence than this is a speck.
SPECK_WORD_CONFIDENCE = 75.0


class OcrFailure(Exception):
    """Tesseract could not read a page: ``unavailable`` (not installed, no language data) or ``failed``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Line:
    """One line as read: its place in the page's blocks, its text and how sure Tesseract was."""

    key: tuple[int, int, int]          # block, paragraph, line
    text: str
    confidence: float                  # the words' mean confidence (0-100), weighted by their length
    lowest: float                      # the least sure word's confidence
    box: tuple[int, int, int, int]     # left, top, width, height in the picture read

    @property
    def letters(self) -> int:
        return sum(1 for char in self.text if not char.isspace())


@dataclass(frozen=True)
class Reading:
    """A page as read: its lines, and how its picture was prepared."""

    lines: tuple[Line, ...]
    steps: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The lines in reading order, a blank line between blocks and paragraphs."""
        out: list[str] = []
        previous: tuple[int, int] | None = None
        for line in self.lines:
            if previous is not None and line.key[:2] != previous:
                out.append("")
            out.append(line.text)
            previous = line.key[:2]
        return "\n".join(out).strip("\n")

    @property
    def confidence(self) -> float:
        """The words' mean confidence over the page, weighted by their length (0 when nothing was read)."""
        letters = sum(line.letters for line in self.lines)
        return sum(line.confidence * line.letters for line in self.lines) / letters if letters else 0.0

    def doubtful_lines(self) -> list[Line]:
        """The lines with a word read with less than DOUBTFUL_LINE confidence: those with a digit
        first (a fine's dates, numbers, plate and amount), each group the least sure first."""
        doubtful = [line for line in self.lines if line.lowest < DOUBTFUL_LINE]
        return sorted(doubtful, key=lambda line: (not any(char.isdigit() for char in line.text),
                                                  line.lowest))[:MAX_LINES]


@dataclass(frozen=True)
class Tesseract:
    """The ``tesseract`` binary, the languages it reads in and how long one reading may take."""

    path: str
    languages: str
    timeout: float

    @classmethod
    def find(cls, languages: str, timeout: float) -> Tesseract | None:
        """Tesseract on this machine's PATH, or None."""
        path = shutil.which("tesseract")
        return cls(path, languages, timeout) if path else None

    def in_languages(self, languages: str | None) -> Tesseract:
        """The same binary reading in other languages (unchanged for None)."""
        return self if not languages else replace(self, languages=languages)

    def read(self, prepared: Prepared) -> Reading:
        """Read a whole prepared page."""
        lines = from_tsv(self._run(prepared.pgm(), prepared.dpi, ()))
        return Reading(lines, self._steps(prepared.steps))

    def reread_lines(self, prepared: Prepared, first: Reading, zoom: float, *, sauvola: bool = False) -> Reading:
        """Read ``first``'s doubtful lines again, cut out of ``prepared`` and enlarged by ``zoom``
        (binarised by Sauvola's method, ``sauvola``); each line keeps the reading Tesseract was surer of."""
        doubtful = first.doubtful_lines()
        if not doubtful:
            return first
        strip = stack_lines(prepared.image, [line.box for line in doubtful], zoom)
        again = from_tsv(self._run(strip.pgm(), round(prepared.dpi * zoom), SAUVOLA if sauvola else ()))
        found: dict[int, list[Line]] = {}
        for line in again:
            centre = line.box[1] + line.box[3] / 2
            slot = bisect.bisect_right(strip.tops, centre) - 1
            if 0 <= slot < len(doubtful) and centre < strip.tops[slot] + strip.heights[slot]:
                found.setdefault(slot, []).append(line)
        better = {doubtful[slot].key: _joined(doubtful[slot], parts) for slot, parts in found.items()}
        lines = tuple(better[line.key] if line.key in better and better[line.key].confidence > line.confidence
                      else line for line in first.lines)
        steps = (*self._steps(first.steps), f"lines x{zoom:g}" + (" sauvola" if sauvola else ""))
        return Reading(lines, steps)

    def _steps(self, steps: tuple[str, ...]) -> tuple[str, ...]:
        return steps if "+" in self.languages else (*steps, f"in {self.languages}")

    def _run(self, image: bytes, dpi: int, options: Sequence[str]) -> str:
        # One OpenMP thread: the caller runs one document per process under a CPU limit, and
        # tesseract's threads buy little on a single page while multiplying CPU time.
        env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
        command = [self.path, "stdin", "stdout", "-l", self.languages, "--psm", TESSERACT_PSM, "--dpi", str(dpi),
                   *options, "tsv"]
        try:
            done = subprocess.run(command, input=image, capture_output=True, timeout=self.timeout, env=env,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise OcrFailure("failed", f"OCR took longer than {self.timeout:.0f} s") from exc
        except OSError as exc:
            raise OcrFailure("unavailable", f"tesseract cannot be started: {exc}") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            if "Failed loading language" in message or "Error opening data file" in message:
                raise OcrFailure("unavailable", f"tesseract lacks language data for {self.languages!r}: {message}")
            raise OcrFailure("failed", f"tesseract failed: {message[:300]}")
        return done.stdout.decode("utf-8", "replace")


def _joined(first: Line, parts: list[Line]) -> Line:
    """The pieces Tesseract made of one re-read line, as one line in ``first``'s place."""
    parts = sorted(parts, key=lambda line: (line.box[1] // max(1, line.box[3]), line.box[0]))
    letters = sum(part.letters for part in parts)
    confidence = sum(part.confidence * part.letters for part in parts) / letters if letters else 0.0
    return Line(first.key, " ".join(part.text for part in parts), confidence,
                min(part.lowest for part in parts), first.box)


def from_tsv(tsv: str) -> tuple[Line, ...]:
    """The lines of Tesseract's TSV output (one row per word, level 5), in reading order.

    A word is tidied (``tidy``) and a line's confidence is its words' mean weighted by their
    length, so a stray one-letter speck weighs less than a notice number.
    """
    lines: list[Line] = []
    words: list[tuple[str, float, tuple[int, int, int, int]]] = []
    key: tuple[int, int, int] | None = None
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        try:
            confidence = max(0.0, float(cells[10]))
            where = (int(cells[2]), int(cells[3]), int(cells[4]))
            box = (int(cells[6]), int(cells[7]), int(cells[8]), int(cells[9]))
        except ValueError:
            continue
        word = tidy(cells[11], confidence)
        if not word:
            continue
        if where != key and words and key is not None:
            lines.append(_line(key, words))
            words = []
        key = where
        words.append((word, confidence, box))
    if words and key is not None:
        lines.append(_line(key, words))
    return tuple(lines)


def _line(key: tuple[int, int, int], words: list[tuple[str, float, tuple[int, int, int, int]]]) -> Line:
    letters = sum(len(word) for word, _, _ in words)
    left = min(box[0] for _, _, box in words)
    top = min(box[1] for _, _, box in words)
    right = max(box[0] + box[2] for _, _, box in words)
    bottom = max(box[1] + box[3] for _, _, box in words)
    return Line(key, " ".join(word for word, _, _ in words),
                sum(confidence * len(word) for word, confidence, _ in words) / max(letters, 1),
                min(confidence for _, confidence, _ in words), (left, top, right - left, bottom - top))


def tidy(word: str, confidence: float) -> str:
    """A word as read, without stray quotes and bars; empty for a doubtful word of punctuation only.

    A dotless ``ı`` is an ``i`` that lost its dot (Dutch, French and German have no dotless i).
    """
    word = word.strip().strip(STRAY).replace("ı", "i")
    if confidence < SPECK_WORD_CONFIDENCE and not any(char.isalnum() or char in "€$£+" for char in word):
        return ""
    return word
