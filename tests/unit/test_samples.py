"""Samples: nothing outside sample_dir is ever opened, sizes are checked, readers read right."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from holmeslibrary.errors import BadRequest, SampleNotFound, SampleTooLarge
from holmeslibrary.samples import LargeFileReader, Sample, TempAnalysisFile, open_sample, resolve_sample


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "samples"
    directory.mkdir()
    (directory / "3f2b8c1e-0000-4000-8000-000000000001").write_bytes(b"sample bytes")
    (tmp_path / "outside").write_bytes(b"secret outside the sample directory")
    return directory


def test_a_plain_name_resolves_to_its_size(sample_dir: Path) -> None:
    assert resolve_sample(str(sample_dir), "3f2b8c1e-0000-4000-8000-000000000001", 100) == 12


@pytest.mark.parametrize(
    "obj",
    [
        "../outside",
        "..",
        ".",
        "/etc/passwd",
        "a/b",
        "..\\outside",
        "%2e%2e%2foutside",
        "a\x00b",
        "\x00",
        "x" * 256,
        "sample\n",
        " sample",
        ".hidden",
        "ünïcode",
        "",
    ],
)
def test_names_that_could_leave_the_directory_are_bad_requests(sample_dir: Path, obj: str) -> None:
    with pytest.raises(BadRequest):
        resolve_sample(str(sample_dir), obj, 100)


def test_unknown_sample_is_not_found(sample_dir: Path) -> None:
    with pytest.raises(SampleNotFound, match="no sample named 'missing'"):
        resolve_sample(str(sample_dir), "missing", 100)


def test_a_missing_sample_directory_does_not_leak_its_path(tmp_path: Path) -> None:
    with pytest.raises(SampleNotFound) as caught:
        resolve_sample(str(tmp_path / "gone"), "x", 100)
    assert str(tmp_path) not in caught.value.message


def test_symlinks_are_refused_even_inside(sample_dir: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "outside", sample_dir / "out-link")
    os.symlink(sample_dir / "3f2b8c1e-0000-4000-8000-000000000001", sample_dir / "in-link")
    for name in ("out-link", "in-link"):
        with pytest.raises(BadRequest, match="not a readable regular file"):
            resolve_sample(str(sample_dir), name, 100)


def test_directories_fifos_and_devices_are_refused_without_blocking(sample_dir: Path) -> None:
    (sample_dir / "adir").mkdir()
    os.mkfifo(sample_dir / "afifo")
    os.symlink("/dev/zero", sample_dir / "adevice")
    for name in ("adir", "afifo", "adevice"):
        with pytest.raises(BadRequest):
            resolve_sample(str(sample_dir), name, 100)


def test_a_fifo_with_a_writer_is_still_refused(sample_dir: Path) -> None:
    os.mkfifo(sample_dir / "fifo")
    writer = os.open(sample_dir / "fifo", os.O_RDWR | os.O_NONBLOCK)
    try:
        with pytest.raises(BadRequest, match="not a regular file"):
            resolve_sample(str(sample_dir), "fifo", 100)
    finally:
        os.close(writer)


def test_size_is_checked_before_any_analysis(sample_dir: Path) -> None:
    with pytest.raises(SampleTooLarge, match="12 bytes; max_sample_size is 11"):
        resolve_sample(str(sample_dir), "3f2b8c1e-0000-4000-8000-000000000001", 11)


def test_the_opened_descriptor_is_read_only(sample_dir: Path) -> None:
    fd, _ = open_sample(str(sample_dir), "3f2b8c1e-0000-4000-8000-000000000001", 100)
    try:
        with pytest.raises(OSError):
            os.write(fd, b"x")
    finally:
        os.close(fd)


def test_sample_reads_whole_and_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "s"
    data = os.urandom(10_000)
    path.write_bytes(data)
    sample = Sample(name="s", path=str(path), size=len(data))
    with sample.open() as stream:
        assert stream.read() == data
        assert stream.mode == "rb"
    chunks = list(sample.chunks(4096))
    assert [len(c) for c in chunks] == [4096, 4096, 1808]
    assert b"".join(chunks) == data


def test_large_file_reader_slices_finds_seeks_and_reads(tmp_path: Path) -> None:
    path = tmp_path / "s"
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00tail")
    with LargeFileReader(str(path)) as reader:
        assert len(reader) == 72
        assert reader[0:2] == b"MZ"
        assert reader[0] == ord("M")
        assert reader.find(b"PE\x00\x00") == 64
        assert reader.seek(64) == 64
        assert reader.read(4) == b"PE\x00\x00"
        assert reader.tell() == 68
        assert reader.read() == b"tail"
        assert reader.read() == b""
        assert reader.seek(-4, os.SEEK_END) == 68
        with pytest.raises(ValueError):
            reader.seek(-1)


def test_large_file_reader_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    with LargeFileReader(str(path)) as reader:
        assert len(reader) == 0
        assert reader.read() == b""
        assert reader.find(b"x") == -1


def test_temp_analysis_file_is_a_private_copy_removed_on_exit(tmp_path: Path) -> None:
    source = tmp_path / "s"
    source.write_bytes(b"original")
    with TempAnalysisFile(str(source), suffix=".exe") as copy:
        assert copy.endswith(".exe")
        Path(copy).write_bytes(b"modified by a tool")
        assert source.read_bytes() == b"original"
    assert not Path(copy).exists()
    assert not Path(copy).parent.exists()
