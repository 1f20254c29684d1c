"""CSV records with the physical line each starts on, and every way a careless exporter breaks one.

Python's csv module parses the fields, but on its own it lets an unterminated quote run to the
end of the file without a word, stops for good at a value over its size limit, and knows nothing
of encodings. So the records are cut here, a physical line at a time, following the same quoting
rules (RFC 4180 as Excel writes it), and each record is handed to csv whole:
- a quote that is still open at the end of the file, or a value spanning lines that leaves its
  record with the wrong number of fields, is an unterminated quote: reported where the record
  starts, and nothing after it is read (the contract: no row after it is taken for valid);
- bytes that are not UTF-8 are reported at their line and column, and nothing after them is read
  (a file in another encoding may also hold bytes that decode to the wrong text);
- a value longer than MAX_FIELD_CHARS, a NUL character, or stray characters after a closing quote
  cost only their own record: its end is known, so reading goes on after it.
Every line after the point where reading stops is returned as a problem with its raw text, so
with --keep-valid nothing is silently lost.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator

# The csv module's own default limit, 6.5 times the longest value the contract allows (a 20,000-character
# narrative): values between the two are read and rejected by the value checks, with their column named.
MAX_FIELD_CHARS = 131_072
BOM = b"\xef\xbb\xbf"


def physical_lines(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Numbered lines (ends kept) split at \\n, \\r\\n or \\r like csv's universal newlines, in bounded copies."""
    number = 0
    pending: list[bytes] = []
    for chunk in chunks:
        if b"\n" not in chunk and b"\r" not in chunk:
            pending.append(chunk)  # one long line: gather, join once
            continue
        lines = (b"".join(pending) + chunk if pending else chunk).splitlines(keepends=True)
        # The last piece may be unfinished, or end in a \r that is the first half of a \r\n.
        pending = [] if lines[-1].endswith(b"\n") else [lines.pop()]
        for line in lines:
            number += 1
            yield number, line
    for line in b"".join(pending).splitlines(keepends=True):
        number += 1
        yield number, line


def field_starts(text: str, in_quote: bool = False) -> tuple[list[int], bool]:
    """Where each field of a line starts (positions), and whether the line ends inside a quoted value.

    The rules of csv's default dialect: a quote opens a quoted value only as the first character of a
    field; inside one, "" is a quote and a lone " closes it; elsewhere a quote is an ordinary character.
    """
    starts = [0]
    i = 0
    while True:
        if in_quote:
            j = text.find('"', i)
            if j < 0:
                return starts, True
            if text.startswith('"', j + 1):
                i = j + 2
                continue
            in_quote = False
            i = j + 1
        elif i == starts[-1] and text.startswith('"', i):
            in_quote = True
            i += 1
            continue
        comma = text.find(",", i)
        if comma < 0:
            return starts, False
        i = comma + 1
        starts.append(i)


class _Feed:
    """The lines of one record, handed to a long-lived csv.reader (one reader for the file, not per row)."""

    def __init__(self):
        self.lines: deque[str] = deque()

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.lines:
            return self.lines.popleft()
        raise StopIteration


class Unreadable(Exception):
    """Reading stops here: the record at `line` cannot be delimited (an open quote, a broken encoding)."""

    def __init__(self, line: int, field: int | None, reason: str, raw: str):
        super().__init__(reason)
        self.line, self.field, self.reason, self.raw = line, field, reason, raw


class BadRecord(Exception):
    """One record that cannot be used; its end is known, so reading goes on after it."""

    def __init__(self, field: int | None, reason: str, raw: str):
        super().__init__(reason)
        self.field, self.reason, self.raw = field, reason, raw


class CsvRecords:
    """Iterates (line, cells, raw text) per record; raises BadRecord or Unreadable as described above.

    After BadRecord the next call continues with the next record; after Unreadable, `rest()` gives the
    remaining lines, raw.
    """

    def __init__(self, chunks: Iterable[bytes]):
        self.lines = physical_lines(chunks)
        self.feed = _Feed()
        self.reader = csv.reader(self.feed, strict=True)
        self.line = 0  # where the record last returned (or refused) starts
        self.end_line = 0  # and where it ends

    def __iter__(self):
        return self

    def _decode(self, number: int, raw: bytes, in_quote: bool, field: int) -> str:
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = raw[: exc.start].decode("utf-8")
            starts, _ = field_starts(before, in_quote)
            reason = (f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at character {len(before) + 1} of line {number};"
                      " nothing after it is read")
            raise Unreadable(number, field + len(starts) - 1, reason, raw.decode("utf-8", "replace")) from None

    def __next__(self) -> tuple[int, list[str], str]:
        number, raw = next(self.lines)
        self.line = number
        text = self._decode(number, raw, False, 0)
        parts = [text]
        if '"' in text:
            starts, in_quote = field_starts(text)
            field = opened_field = len(starts) - 1
            opened_line = number
            while in_quote:
                following = next(self.lines, None)
                if following is None:
                    raise Unreadable(self.line, opened_field,
                                     f"unterminated quote: the value opened at line {opened_line} runs to the end "
                                     "of the file; nothing after it is read", "".join(parts))
                number, raw = following
                try:
                    text = self._decode(number, raw, True, field)
                except Unreadable as exc:
                    exc.line, exc.raw = self.line, "".join(parts) + exc.raw
                    raise
                parts.append(text)
                starts, in_quote = field_starts(text, True)
                if in_quote and len(starts) > 1:  # closed on this line, and another value opened
                    opened_line, opened_field = number, field + len(starts) - 1
                field += len(starts) - 1
        record = "".join(parts) if len(parts) > 1 else text
        self.end_line = number
        self.feed.lines.extend(parts)
        try:
            cells = next(self.reader)
            left = len(self.feed.lines)
        except csv.Error as exc:
            self.feed.lines.clear()
            if len(parts) > 1 and "field larger than field limit" not in str(exc):
                raise Unreadable(self.line, opened_field, f"unterminated quote? a quoted value runs from line "
                                 f"{self.line} to line {number} and the record is then not CSV ({exc}); nothing after "
                                 "it is read", record) from None
            raise self._bad_record(record, str(exc)) from None
        if left:  # csv saw the record end earlier than the quoting rules above: not CSV as we know it
            self.feed.lines.clear()
            raise Unreadable(self.line, None, "quoting that cannot be followed; nothing after it is read", record)
        if len(record) > MAX_FIELD_CHARS or "\x00" in record:
            for position, cell in enumerate(cells):
                if len(cell) > MAX_FIELD_CHARS:
                    raise BadRecord(position, f"value of {len(cell):,} characters, longer than any the contract "
                                    "allows; the row is not read", record)
                if "\x00" in cell:
                    raise BadRecord(position, "NUL character (binary data) in the value; the row is not read", record)
        return self.line, cells, record

    def _bad_record(self, record: str, message: str) -> BadRecord:
        """A record csv refused: name the field that broke it where that can be told."""
        starts, _ = field_starts(record)
        ends = [*(s - 1 for s in starts[1:]), len(record.rstrip("\r\n"))]
        if "field larger than field limit" in message:
            long = next((i for i, (s, e) in enumerate(zip(starts, ends)) if e - s > MAX_FIELD_CHARS), None)
            return BadRecord(long, f"value longer than {MAX_FIELD_CHARS:,} characters, longer than any the "
                             "contract allows; the row is not read", record)
        # Characters after a closing quote: the field whose quoted value was closed too early.
        bad = next((i for i, (s, e) in enumerate(zip(starts, ends))
                    if record.startswith('"', s) and not record[s:e].endswith('"')), None)
        return BadRecord(bad, f"not valid CSV ({message}); the row is not read", record)

    def rest(self) -> Iterator[tuple[int, str]]:
        """The lines not read yet, as text (undecodable bytes replaced), blank ones left out."""
        for number, raw in self.lines:
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if text.strip():
                yield number, text
