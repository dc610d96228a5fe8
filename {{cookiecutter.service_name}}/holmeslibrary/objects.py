"""Objects that are not files: IP addresses, domains, e-mail addresses and URLs.

Totem sends such an object itself as obj. It is validated and classified before any analysis
runs, so ``analyze`` only ever sees a well-formed object in a normalised form.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .errors import BadRequest, UnsupportedSample

MAX_OBJECT_LENGTH = 2048
DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
URL_SCHEMES = ("http", "https", "ftp")


@dataclass(frozen=True)
class AnalysisObject:
    """A validated object: ``kind`` is ipv4, ipv6, domain, email or url; ``value`` is normalised."""

    kind: str
    value: str
    raw: str


def normalise_domain(text: str) -> str:
    """A domain in lower-case ASCII (IDNA) form; raise ValueError if it is not one."""
    candidate = text.rstrip(".").lower()
    try:
        candidate = candidate.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("not a valid domain name") from None
    labels = candidate.split(".")
    if len(candidate) > 253 or len(labels) < 2:
        raise ValueError("a domain needs at least two labels and at most 253 characters")
    if not all(DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise ValueError("domain labels are letters, digits and inner dashes, 1 to 63 long")
    if labels[-1].isdigit():
        raise ValueError("a domain's last label is not numeric")
    return candidate


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool) -> None:
    if getattr(address, "scope_id", None):
        # A zone (fe80::1%eth0) names an interface of the sender's own host, meaningless here;
        # ipaddress cannot even expand such an address (reverse_pointer raises), so refuse it.
        raise BadRequest(f"{address} carries an IPv6 zone (%...); send the address without it")
    if allow_private or address.is_global:
        return
    raise UnsupportedSample(f"{address} is a private, reserved or otherwise non-global address")


def classify_object(obj: str, *, allow_private: bool = False) -> AnalysisObject:
    """Classify obj as ipv4, ipv6, email, url or domain; raise BadRequest if it is none of them.

    Private, loopback, link-local and reserved addresses are refused with UnsupportedSample
    (422) unless ``allow_private`` is set: analysing them leaks nothing useful and may probe
    the operator's own network.
    """
    text = obj.strip()
    if not text:
        raise BadRequest("obj is empty; send an IP address, domain, e-mail address or URL")
    if len(text) > MAX_OBJECT_LENGTH:
        raise BadRequest(f"obj is longer than {MAX_OBJECT_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise BadRequest("obj contains whitespace or control characters")

    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        pass
    else:
        _check_address(address, allow_private)
        return AnalysisObject(f"ipv{address.version}", address.compressed, obj)

    if "://" in text:
        return _classify_url(text, obj, allow_private)

    if "@" in text:
        local, _, domain = text.rpartition("@")
        if not EMAIL_LOCAL.fullmatch(local) or local.startswith(".") or local.endswith(".") or ".." in local:
            raise BadRequest("obj looks like an e-mail address but its local part is not valid")
        try:
            return AnalysisObject("email", f"{local}@{normalise_domain(domain)}", obj)
        except ValueError as exc:
            raise BadRequest(f"obj looks like an e-mail address but its domain is not valid: {exc}") from None

    try:
        return AnalysisObject("domain", normalise_domain(text), obj)
    except ValueError as exc:
        raise BadRequest(f"obj is not an IP address, domain, e-mail address or URL: {exc}") from None


def _classify_url(text: str, obj: str, allow_private: bool) -> AnalysisObject:
    try:
        parts = urlsplit(text)
        hostname = parts.hostname or ""
        port = parts.port
    except ValueError as exc:
        raise BadRequest(f"obj is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES:
        raise BadRequest(f"URL scheme must be one of {', '.join(URL_SCHEMES)}")
    if not hostname:
        raise BadRequest("the URL has no host")
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        try:
            host = normalise_domain(hostname)
        except ValueError as exc:
            raise BadRequest(f"the URL's host is not valid: {exc}") from None
    else:
        _check_address(address, allow_private)
        host = f"[{address.compressed}]" if address.version == 6 else address.compressed
    netloc = host if port is None else f"{host}:{port}"
    if parts.username is not None:
        credentials = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{credentials}@{netloc}"
    return AnalysisObject("url", urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment)), obj)
