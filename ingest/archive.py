"""Zip archives (a zipped export, an .xlsx workbook) read by the bytes they really inflate to.

The sizes a zip declares are written by whoever made it: a member may claim 1 KB and inflate
to gigabytes. Every member is read as a stream that counts what it actually yields, so a bomb
is refused after at most MAX_ARCHIVE_CONTENT_BYTES of inflating, in constant memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

# A whole import holds about 8.5 bytes per byte of CSV at its peak (measured: the 90 MB sample export,
# zipped, peaks at 0.76 GB importing into SQLite). 128 MiB of real content keeps an import near 1.1 GB,
# inside a 2 GB process with room to spare; a larger export is imported unzipped, from the command line
# (`manage.py import DIR`: its size is on disk for all to see, nothing inflates).
MAX_ARCHIVE_CONTENT_BYTES = 128 * 1024**2
# Exported CSV deflates about 4.5:1 (the sample export) and text rarely beyond 20:1; bombs reach 1000:1.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024**2  # tiny members (a header, a few rows) may compress very well
CHUNK_BYTES = 1024**2

READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {9: "Deflate64", 10: "PKWARE imploding", 93: "Zstandard", 95: "XZ", 97: "WavPack", 98: "PPMd",
                99: "AES encryption"}


class ArchiveError(Exception):
    """The archive (or one member of it) cannot be read safely; the message names the member."""


class Budget:
    """The inflated bytes an archive may still yield, over all of its members."""

    def __init__(self, limit: int | None = None):
        self.limit = MAX_ARCHIVE_CONTENT_BYTES if limit is None else limit
        self.used = 0

    def take(self, size: int, where: str) -> None:
        self.used += size
        if self.used > self.limit:
            raise ArchiveError(f"{where}: the archive inflates to more than {self.limit // 1024**2} MB; refused "
                               "(import the unzipped export from the command line instead)")


def open_archive(source: bytes | str | Path, label: str) -> zipfile.ZipFile:
    """A zip archive from bytes or a path; ArchiveError when it is not one."""
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Exception as exc:  # zipfile raises many types (BadZipFile, OSError, ValueError, ...) for junk
        raise ArchiveError(f"{label}: not a valid zip archive ({exc})") from exc


def member_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, budget: Budget,
                  archive_size: int) -> Iterator[bytes]:
    """The inflated bytes of one member, in chunks, refusing encryption, odd methods, bombs and bad CRCs."""
    where = f"{label}: {info.filename}"
    if info.flag_bits & 0x1:
        raise ArchiveError(f"{where}: encrypted (password-protected); zip the export again without a password")
    if info.compress_type not in READABLE_METHODS:
        method = METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise ArchiveError(f"{where}: compressed with {method}, which cannot be read; "
                           "zip the export again with ordinary (Deflate) compression")
    # The compressed bytes really read can be no more than the archive itself, whatever the header says.
    compressed = max(1, min(info.compress_size, archive_size))
    inflated = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK_BYTES):
                inflated += len(chunk)
                budget.take(len(chunk), where)
                if inflated > RATIO_CHECKED_FROM_BYTES and inflated > MAX_COMPRESSION_RATIO * compressed:
                    raise ArchiveError(f"{where}: inflates more than {MAX_COMPRESSION_RATIO} times its compressed "
                                       "size, as zip bombs do; refused")
                yield chunk
    except ArchiveError:
        raise
    except Exception as exc:  # a damaged member: bad CRC, truncated stream, bad header (zipfile has no one type)
        raise ArchiveError(f"{where}: damaged archive member ({exc.__class__.__name__}: {exc})") from exc


def check_members(archive: zipfile.ZipFile, label: str, archive_size: int,
                  members: list[zipfile.ZipInfo] | None = None) -> None:
    """Inflate the members once, keeping nothing, so a bad archive is refused before anything is parsed."""
    budget = Budget()
    for info in archive.infolist() if members is None else members:
        for _ in member_chunks(archive, info, label, budget, archive_size):
            pass


def archive_size(source: bytes | str | Path) -> int:
    return len(source) if isinstance(source, bytes) else Path(source).stat().st_size
