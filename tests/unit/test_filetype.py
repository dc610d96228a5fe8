"""File type detection from the first bytes."""

from __future__ import annotations

import pytest

from holmeslibrary.filetype import detect


def pe_header(machine: int, characteristics: int) -> bytes:
    header = bytearray(b"MZ" + b"\x00" * 254)
    header[0x3C:0x40] = (0x80).to_bytes(4, "little")
    header[0x80:0x84] = b"PE\x00\x00"
    header[0x84:0x86] = machine.to_bytes(2, "little")
    header[0x96:0x98] = characteristics.to_bytes(2, "little")
    return bytes(header)


@pytest.mark.parametrize(
    ("header", "description"),
    [
        (pe_header(0x8664, 0x0022), "PE32 executable (x86-64)"),
        (pe_header(0x14C, 0x2102), "PE32 DLL (x86)"),
        (b"MZ\x90\x00", "MS-DOS executable"),
        (b"\x7fELF\x02\x01\x01", "ELF executable"),
        (b"%PDF-1.7", "PDF document"),
        (b"PK\x03\x04rest", "ZIP archive (also JAR, APK, Office Open XML)"),
        (b"\x00" * 257 + b"ustar\x0000", "tar archive"),
        (b"\x1f\x8b\x08", "gzip compressed data"),
        (b"#!/bin/sh\necho hi\n", "script with a shebang line"),
        (b"plain words\n", "text"),
        ("caf\u00e9".encode()[:4], "text"),
        (b"\x00\x01\x02\xff", "data"),
        (b"", "empty"),
    ],
)
def test_detect(header: bytes, description: str) -> None:
    assert detect(header)["description"] == description
