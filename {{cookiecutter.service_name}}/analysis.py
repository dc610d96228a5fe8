{%- if cookiecutter.input_kind == "file" -%}
"""The analysis of {{ cookiecutter.service_name }}: the one file to edit.

``analyze(sample, config)`` runs in a worker process, one sample at a time, with a deadline.
``sample`` is a holmeslibrary.Sample: ``name``, ``path``, ``size``, ``open()`` (read-only),
``chunks()`` and ``reader()`` (a memory map). ``config`` is this service's own section of
service.conf. Return a dict that JSON can encode; raise holmeslibrary.UnsupportedSample (422)
for input the analysis cannot handle. Anything else that goes wrong becomes a 500 for Totem,
never a 200 with an error inside.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy

from holmeslibrary import Sample
from holmeslibrary.filetype import HEADER_SIZE, detect


def analyze(sample: Sample, config: dict[str, Any]) -> dict[str, Any]:
    """Size, hashes, byte entropy and file type, read in chunks so memory stays flat."""
    digests = {name: hashlib.new(name) for name in ("md5", "sha1", "sha256")}
    counts = numpy.zeros(256, dtype=numpy.int64)
    header = b""
    for chunk in sample.chunks(config.get("chunk_size", 1024 * 1024)):
        if len(header) < HEADER_SIZE:
            header += chunk[: HEADER_SIZE - len(header)]
        for digest in digests.values():
            digest.update(chunk)
        counts += numpy.bincount(numpy.frombuffer(chunk, dtype=numpy.uint8), minlength=256)
    return {
        "size": sample.size,
        **{name: digest.hexdigest() for name, digest in digests.items()},
        "entropy": round(shannon_entropy(counts), 6),
        "filetype": detect(header),
    }


def shannon_entropy(counts: numpy.ndarray) -> float:
    """Bits per byte, from 0 (one value repeated) to 8 (every value equally often)."""
    total = int(counts.sum())
    if total == 0:
        return 0.0
    return -sum(n / total * math.log2(n / total) for n in counts.tolist() if n)
{%- else -%}
"""The analysis of {{ cookiecutter.service_name }}: the one file to edit.

``analyze(obj, config)`` runs in a worker process, one object at a time, with a deadline.
``obj`` is a holmeslibrary.AnalysisObject, already validated: ``kind`` (ipv4, ipv6, domain,
email or url), ``value`` (normalised) and ``raw`` (as Totem sent it). ``config`` is this
service's own section of service.conf. Return a dict that JSON can encode; raise
holmeslibrary.UnsupportedSample (422) for objects the analysis cannot handle. Anything else that
goes wrong becomes a 500 for Totem, never a 200 with an error inside.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from holmeslibrary import AnalysisObject


def analyze(obj: AnalysisObject, config: dict[str, Any]) -> dict[str, Any]:
    """The object's kind and normalised form, with what can be read from it offline."""
    result: dict[str, Any] = {"kind": obj.kind, "normalized": obj.value}
    if obj.kind in ("ipv4", "ipv6"):
        address = ipaddress.ip_address(obj.value)
        result["reverse_pointer"] = address.reverse_pointer
        result["is_global"] = address.is_global
    elif obj.kind == "domain":
        labels = obj.value.split(".")
        result["tld"] = labels[-1]
        result["labels"] = len(labels)
    elif obj.kind == "email":
        local, _, domain = obj.value.rpartition("@")
        result["local_part"] = local
        result["domain"] = domain
    elif obj.kind == "url":
        parts = urlsplit(obj.value)
        result["scheme"] = parts.scheme
        result["host"] = parts.hostname
        result["port"] = parts.port
        result["path"] = parts.path
    return result
{%- endif %}
