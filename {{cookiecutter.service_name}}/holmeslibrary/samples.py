"""Samples on disk: resolve obj inside sample_dir without ever leaving it, and read them safely.

Totem downloads a sample to ``<sample_dir>/<uuid>`` and sends the bare name as obj. A name is
accepted only if it is one plain path component; it is then opened relative to the directory
with O_NOFOLLOW and O_NONBLOCK and must be a regular file, so ``../``, absolute paths, encoded
separators, NUL, symlinks, directories, devices and fifos never get through, and a fifo can not
block the server.
"""

from __future__ import annotations

import mmap
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .errors import BadRequest, SampleNotFound, SampleTooLarge

MAX_NAME_BYTES = 255  # NAME_MAX on Linux
CHUNK_SIZE = 1024 * 1024
# One path component, no separators or control characters, not "." or "..": a UUID, a hash or
# a plain file name all match.
SAMPLE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+=@,-]*")


def check_sample_name(obj: str) -> str:
    """Return obj if it can name a sample; raise BadRequest saying why otherwise."""
    if not obj:
        raise BadRequest("obj is empty; send the sample's file name, e.g. obj=<uuid>")
    if len(obj.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise BadRequest(f"obj is longer than {MAX_NAME_BYTES} bytes")
    if not SAMPLE_NAME.fullmatch(obj):
        raise BadRequest(
            "obj must be a plain file name in the sample directory "
            "(letters, digits and . _ - + = @ , ; no path separators)"
        )
    return obj


def shown(obj: str, limit: int = 80) -> str:
    """obj as it may appear in a message: printable, quoted and short."""
    text = obj if len(obj) <= limit else obj[:limit] + "..."
    return ascii(text)


def open_sample(sample_dir: str, obj: str, max_size: int) -> tuple[int, int]:
    """Open the sample named obj read-only; return (fd, size). The caller closes fd."""
    name = check_sample_name(obj)
    try:
        dir_fd = os.open(sample_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        raise SampleNotFound("the sample directory is not available") from None
    try:
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        fd = os.open(name, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        raise SampleNotFound(f"no sample named {shown(name)} in the sample directory") from None
    except OSError as exc:
        # ELOOP (a symlink), EISDIR, ENXIO (a fifo with no writer), EACCES ...
        raise BadRequest(f"obj {shown(name)} is not a readable regular file ({exc.strerror})") from None
    finally:
        os.close(dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadRequest(f"obj {shown(name)} is not a regular file")
        if info.st_size > max_size:
            raise SampleTooLarge(f"sample is {info.st_size} bytes; max_sample_size is {max_size}")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def resolve_sample(sample_dir: str, obj: str, max_size: int) -> int:
    """Check that obj names a readable regular file of at most max_size bytes; return its size."""
    fd, size = open_sample(sample_dir, obj, max_size)
    os.close(fd)
    return size


@dataclass(frozen=True)
class Sample:
    """The sample an analysis receives: its name, path and size, and read-only ways to read it."""

    name: str
    path: str
    size: int

    def open(self) -> BinaryIO:
        """The sample as a read-only binary file (close it, or use ``with``)."""
        fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        return os.fdopen(fd, "rb")

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The sample's bytes in chunks of ``size``: memory stays flat for any sample size."""
        with self.open() as stream:
            while chunk := stream.read(size):
                yield chunk

    def reader(self) -> LargeFileReader:
        """A read-only memory map of the sample (see LargeFileReader)."""
        return LargeFileReader(self.path)

    def temporary_copy(self, suffix: str = "") -> TempAnalysisFile:
        """A private, writable copy for tools that modify or rename their input."""
        return TempAnalysisFile(self.path, suffix=suffix)


class LargeFileReader:
    """A read-only memory map of a file: ``len``, slicing, ``find``, ``seek``/``read``/``tell``.

    Pages are read only when touched, so a parser may jump around a large sample without reading
    it all into memory. Use as a context manager, or call ``close``.
    """

    def __init__(self, path: str) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            # mmap cannot map an empty file; an empty bytes object behaves the same for reading.
            self._map: mmap.mmap | bytes = mmap.mmap(fd, 0, access=mmap.ACCESS_READ) if size else b""
        finally:
            os.close(fd)
        self._view = memoryview(self._map)
        self._position = 0

    def __len__(self) -> int:
        return len(self._map)

    def __getitem__(self, index: int | slice) -> int | bytes:
        return self._map[index]

    def find(self, needle: bytes, start: int = 0, end: int | None = None) -> int:
        return self._map.find(needle, start, len(self) if end is None else end)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: len(self)}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def read(self, size: int = -1) -> bytes:
        end = len(self) if size < 0 else min(len(self), self._position + size)
        data = bytes(self._view[self._position : end]) if self._position < end else b""
        self._position = max(self._position, end)
        return data

    def close(self) -> None:
        self._view.release()
        if isinstance(self._map, mmap.mmap):
            self._map.close()

    def __enter__(self) -> LargeFileReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class TempAnalysisFile:
    """A copy of a sample in a private temporary directory, removed on exit.

    The sample directory is read-only and shared; tools that write next to their input, need a
    particular file extension or modify the file get this copy instead.
    """

    def __init__(self, source: str, suffix: str = "") -> None:
        self.source = source
        self.suffix = suffix
        self.directory = ""
        self.path = ""

    def __enter__(self) -> str:
        self.directory = tempfile.mkdtemp(prefix="holmes-")
        self.path = os.path.join(self.directory, "sample" + self.suffix)
        with open(self.source, "rb") as src, open(self.path, "xb") as dst:
            shutil.copyfileobj(src, dst, CHUNK_SIZE)
        return self.path

    def __exit__(self, *exc_info: object) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
