"""Detect a sample's file type from its first bytes, without libmagic.

Covers the formats a malware-analysis pipeline meets most; anything else is reported as text
or data. The signatures are the formats' own published magic numbers.
"""

from __future__ import annotations

# (offset, magic, description, MIME type); the first match wins, so longer and more specific
# signatures come before shorter ones they share a prefix with.
SIGNATURES: tuple[tuple[int, bytes, str, str], ...] = (
    (0, b"\x7fELF", "ELF executable", "application/x-executable"),
    (0, b"\xfe\xed\xfa\xce", "Mach-O executable (32-bit)", "application/x-mach-binary"),
    (0, b"\xfe\xed\xfa\xcf", "Mach-O executable (64-bit)", "application/x-mach-binary"),
    (0, b"\xce\xfa\xed\xfe", "Mach-O executable (32-bit)", "application/x-mach-binary"),
    (0, b"\xcf\xfa\xed\xfe", "Mach-O executable (64-bit)", "application/x-mach-binary"),
    (0, b"\xca\xfe\xba\xbe", "Mach-O universal binary or Java class", "application/octet-stream"),
    (0, b"dex\n", "Android DEX", "application/vnd.android.dex"),
    (0, b"%PDF-", "PDF document", "application/pdf"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 compound document (Office 97, MSI)", "application/x-ole-storage"),
    (0, b"PK\x03\x04", "ZIP archive (also JAR, APK, Office Open XML)", "application/zip"),
    (0, b"PK\x05\x06", "ZIP archive (empty)", "application/zip"),
    (0, b"Rar!\x1a\x07", "RAR archive", "application/vnd.rar"),
    (0, b"7z\xbc\xaf\x27\x1c", "7-Zip archive", "application/x-7z-compressed"),
    (0, b"\x1f\x8b", "gzip compressed data", "application/gzip"),
    (0, b"BZh", "bzip2 compressed data", "application/x-bzip2"),
    (0, b"\xfd7zXZ\x00", "XZ compressed data", "application/x-xz"),
    (0, b"\x28\xb5\x2f\xfd", "Zstandard compressed data", "application/zstd"),
    (0, b"MSCF", "Microsoft Cabinet archive", "application/vnd.ms-cab-compressed"),
    (257, b"ustar", "tar archive", "application/x-tar"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG image", "image/png"),
    (0, b"\xff\xd8\xff", "JPEG image", "image/jpeg"),
    (0, b"GIF87a", "GIF image", "image/gif"),
    (0, b"GIF89a", "GIF image", "image/gif"),
    (0, b"{\\rtf", "Rich Text Format document", "text/rtf"),
    (0, b"\x00asm", "WebAssembly module", "application/wasm"),
    (0, b"#!", "script with a shebang line", "text/x-script"),
)

HEADER_SIZE = 4096


def detect(header: bytes) -> dict[str, str]:
    """The type of a file whose first bytes are ``header`` (read at least 262 bytes)."""
    if header.startswith(b"MZ"):
        return _dos_or_pe(header)
    for offset, magic, description, mime in SIGNATURES:
        if header[offset : offset + len(magic)] == magic:
            return {"description": description, "mime": mime}
    if not header:
        return {"description": "empty", "mime": "application/x-empty"}
    if _looks_like_text(header):
        return {"description": "text", "mime": "text/plain"}
    return {"description": "data", "mime": "application/octet-stream"}


def _dos_or_pe(header: bytes) -> dict[str, str]:
    pe_offset = int.from_bytes(header[0x3C:0x40], "little") if len(header) >= 0x40 else 0
    if 0 < pe_offset <= len(header) - 24 and header[pe_offset : pe_offset + 4] == b"PE\x00\x00":
        machine = int.from_bytes(header[pe_offset + 4 : pe_offset + 6], "little")
        characteristics = int.from_bytes(header[pe_offset + 22 : pe_offset + 24], "little")
        kind = "DLL" if characteristics & 0x2000 else "executable"
        arch = {0x14C: "x86", 0x8664: "x86-64", 0x1C0: "ARM", 0xAA64: "ARM64"}.get(machine, f"machine 0x{machine:04x}")
        return {"description": f"PE32 {kind} ({arch})", "mime": "application/vnd.microsoft.portable-executable"}
    return {"description": "MS-DOS executable", "mime": "application/x-dosexec"}


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off at the end of the header is still text.
        if exc.start < len(data) - 3:
            return False
    return True
