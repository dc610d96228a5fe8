"""service.conf: JSON settings merged over defaults, overridden from the environment, checked.

The file has Totem's shape: ``{"settings": {...}, "<service_name>": {...}}``. ``settings`` holds
the runtime's keys (below); the service's own section is handed to ``analyze`` untouched.
Every problem stops the start with one line naming the file, the key and what is wrong.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "HOLMES_"


class ConfigError(Exception):
    """service.conf (or an environment override) is missing, unreadable or holds a bad value."""


def _integer(low: int, high: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError("must be an integer") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer")
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be between {low} and {high}" if high else f"must be >= {low}")
        return value

    return check


def _number(low: float, *, inclusive: bool) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError("must be a number") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError("must be a number")
        if value < low or (value == low and not inclusive):
            raise ValueError(f"must be {'>=' if inclusive else '>'} {low:g}")
        return float(value)

    return check


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _directory(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty path")
    return value


def _log_level(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
    return value.upper()


@dataclass(frozen=True)
class Settings:
    """The runtime's settings; each may be overridden by the environment variable HOLMES_<KEY>."""

    httpbinding: int = 8080
    address: str = ""
    sample_dir: str = "/tmp"
    max_sample_size: int = 256 * 1024 * 1024
    timeout: float = 60.0
    workers: int = 0
    max_pending: int = 32
    memory_limit_mb: int = 0
    grace_period: float = 10.0
    allow_private_addresses: bool = False
    log_level: str = "INFO"

    @property
    def worker_count(self) -> int:
        """``workers``, with 0 meaning one worker per CPU this process may use."""
        if self.workers:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not every platform has sched_getaffinity
            return max(1, os.cpu_count() or 1)


CHECKS: dict[str, Callable[[Any], Any]] = {
    "httpbinding": _integer(1, 65535),
    "address": _text,
    "sample_dir": _directory,
    "max_sample_size": _integer(1),
    "timeout": _number(0, inclusive=False),
    "workers": _integer(0, 1024),
    "max_pending": _integer(0),
    "memory_limit_mb": _integer(0),
    "grace_period": _number(0, inclusive=True),
    "allow_private_addresses": _boolean,
    "log_level": _log_level,
}

# Older Totem services wrote "port" where newer ones write "httpbinding".
ALIASES = {"port": "httpbinding"}


@dataclass(frozen=True)
class ServiceConfig:
    """A loaded service.conf: the runtime's ``settings`` and the service's own ``section``."""

    settings: Settings
    section: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        service_name: str,
        *,
        defaults: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ServiceConfig:
        """Read ``path``, merge it over ``defaults``, apply HOLMES_* overrides and check it all."""
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{name}: file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{name}: cannot read: {exc.__class__.__name__}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{name}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        return cls.from_dict(data, service_name, defaults=defaults, environ=environ, source=name)

    @classmethod
    def from_dict(
        cls,
        data: Any,
        service_name: str,
        *,
        defaults: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        source: str = "service.conf",
    ) -> ServiceConfig:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: the top level must be a JSON object")
        raw_settings = data.get("settings", {})
        if not isinstance(raw_settings, dict):
            raise ConfigError(f"{source}: settings: must be a JSON object")
        section = data.get(service_name, {})
        if not isinstance(section, dict):
            raise ConfigError(f"{source}: {service_name}: must be a JSON object")

        merged: dict[str, Any] = dict(defaults or {})
        for key, value in raw_settings.items():
            canonical = ALIASES.get(key, key)
            if canonical not in CHECKS:
                known = ", ".join(sorted(CHECKS))
                raise ConfigError(f"{source}: settings.{key}: unknown setting (known: {known})")
            if canonical != key and canonical in raw_settings:
                raise ConfigError(f"{source}: settings.{key}: give either {key} or {canonical}, not both")
            merged[canonical] = value

        env = os.environ if environ is None else environ
        origin = {key: f"{source}: settings.{key}" for key in merged}
        for key in CHECKS:
            variable = ENV_PREFIX + key.upper()
            if variable in env:
                merged[key] = env[variable]
                origin[key] = f"environment: {variable}"

        checked: dict[str, Any] = {}
        for key, value in merged.items():
            try:
                checked[key] = CHECKS[key](value)
            except (ValueError, TypeError) as exc:
                where = origin.get(key, f"defaults: {key}")
                raise ConfigError(f"{where}: {exc}, got {json.dumps(value)}") from None
        return cls(settings=Settings(**checked), section=section, path=source)
