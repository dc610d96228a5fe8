"""service.conf: defaults, the port alias, environment overrides and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from holmeslibrary.config import ConfigError, ServiceConfig, Settings


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "service.conf"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_file_merges_over_defaults_and_keeps_the_services_section(tmp_path: Path) -> None:
    path = write(tmp_path, {"settings": {"httpbinding": 7720, "timeout": 5}, "peinfo": {"depth": 3}})
    config = ServiceConfig.load(path, "peinfo", environ={})
    assert config.settings.httpbinding == 7720
    assert config.settings.timeout == 5.0
    assert config.settings.sample_dir == Settings.sample_dir
    assert config.section == {"depth": 3}


def test_defaults_given_by_the_service_apply_when_the_file_is_silent(tmp_path: Path) -> None:
    config = ServiceConfig.load(write(tmp_path, {}), "peinfo", defaults={"httpbinding": 7715}, environ={})
    assert config.settings.httpbinding == 7715
    assert config.section == {}


def test_port_is_an_alias_of_httpbinding(tmp_path: Path) -> None:
    config = ServiceConfig.load(write(tmp_path, {"settings": {"port": 9000}}), "x", environ={})
    assert config.settings.httpbinding == 9000


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"settings": {"timeout": 5, "workers": 1}})
    env = {"HOLMES_TIMEOUT": "2.5", "HOLMES_WORKERS": "3", "HOLMES_ALLOW_PRIVATE_ADDRESSES": "yes"}
    settings = ServiceConfig.load(path, "x", environ=env).settings
    assert (settings.timeout, settings.workers, settings.allow_private_addresses) == (2.5, 3, True)


def test_workers_zero_means_one_per_cpu() -> None:
    assert Settings(workers=0).worker_count >= 1
    assert Settings(workers=3).worker_count == 3


@pytest.mark.parametrize(
    ("content", "environ", "expected"),
    [
        (None, {}, "service.conf: file not found"),
        ("{not json", {}, "service.conf: not valid JSON"),
        ("[1, 2]", {}, "service.conf: the top level must be a JSON object"),
        ({"settings": []}, {}, "service.conf: settings: must be a JSON object"),
        ({"settings": {"httpbinding": "7715x"}}, {}, "settings.httpbinding: must be an integer"),
        ({"settings": {"httpbinding": 70000}}, {}, "settings.httpbinding: must be between 1 and 65535"),
        ({"settings": {"httpbinding": True}}, {}, "settings.httpbinding: must be an integer"),
        ({"settings": {"timeout": 0}}, {}, "settings.timeout: must be > 0"),
        ({"settings": {"timeout": "soon"}}, {}, "settings.timeout: must be a number"),
        ({"settings": {"workers": -1}}, {}, "settings.workers: must be between 0 and 1024"),
        ({"settings": {"sample_dir": ""}}, {}, "settings.sample_dir: must be a non-empty path"),
        ({"settings": {"log_level": "LOUD"}}, {}, "settings.log_level: must be one of"),
        ({"settings": {"colour": "blue"}}, {}, "settings.colour: unknown setting"),
        ({"settings": {"port": 1, "httpbinding": 2}}, {}, "settings.port: give either port or httpbinding"),
        ({"x": []}, {}, "service.conf: x: must be a JSON object"),
        ({}, {"HOLMES_TIMEOUT": "-1"}, "environment: HOLMES_TIMEOUT: must be > 0"),
        ({}, {"HOLMES_ALLOW_PRIVATE_ADDRESSES": "maybe"}, "HOLMES_ALLOW_PRIVATE_ADDRESSES: must be true or false"),
    ],
)
def test_every_problem_is_one_line_naming_file_key_and_problem(
    tmp_path: Path, content: object, environ: dict[str, str], expected: str
) -> None:
    path = tmp_path / "service.conf" if content is None else write(tmp_path, content)
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load(path, "x", environ=environ)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
