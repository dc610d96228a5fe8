"""Objects: classification, normalisation, private ranges and malformed input."""

from __future__ import annotations

import pytest

from holmeslibrary.errors import BadRequest, UnsupportedSample
from holmeslibrary.objects import classify_object


@pytest.mark.parametrize(
    ("obj", "kind", "value"),
    [
        ("8.8.8.8", "ipv4", "8.8.8.8"),
        ("2001:4860:4860:0000::8888", "ipv6", "2001:4860:4860::8888"),
        ("[2001:4860:4860::8888]", "ipv6", "2001:4860:4860::8888"),
        ("Example.COM", "domain", "example.com"),
        ("www.example.com.", "domain", "www.example.com"),
        ("bücher.example", "domain", "xn--bcher-kva.example"),
        ("Analyst@Example.ORG", "email", "Analyst@example.org"),
        ("HTTPS://Example.com/Path?q=1", "url", "https://example.com/Path?q=1"),
        ("http://8.8.8.8:8080", "url", "http://8.8.8.8:8080/"),
        ("ftp://user:pw@files.example.net/x", "url", "ftp://user:pw@files.example.net/x"),
    ],
)
def test_objects_are_classified_and_normalised(obj: str, kind: str, value: str) -> None:
    result = classify_object(obj)
    assert (result.kind, result.value, result.raw) == (kind, value, obj)


@pytest.mark.parametrize(
    "obj", ["10.1.2.3", "127.0.0.1", "192.168.0.1", "169.254.169.254", "::1", "fc00::1", "0.0.0.0", "http://10.0.0.1/"]
)
def test_private_and_reserved_addresses_are_refused_unless_allowed(obj: str) -> None:
    with pytest.raises(UnsupportedSample):
        classify_object(obj)
    assert classify_object(obj, allow_private=True).kind in ("ipv4", "ipv6", "url")


@pytest.mark.parametrize(
    "obj",
    [
        "",
        "   ",
        "localhost",
        "exa mple.com",
        "-bad.example",
        "bad-.example",
        "a..b.example",
        "example.123",
        "x" * 64 + ".example",
        "user@@example.com",
        ".user@example.com",
        "user@localhost",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "a\x00b.example",
        "x" * 3000,
    ],
)
def test_malformed_objects_are_bad_requests(obj: str) -> None:
    with pytest.raises(BadRequest):
        classify_object(obj)
