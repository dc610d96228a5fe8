"""Test support for services: a tornado.testing case that runs the real service and workers.

Subclass ServiceTestCase, set ``service`` to the service module, and call the service over HTTP
exactly as Totem does; samples are written into a private sample directory under UUID names.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

from tornado.httpclient import HTTPResponse
from tornado.testing import AsyncHTTPTestCase

from .config import ServiceConfig
from .runtime import Runtime, make_pool


class ServiceTestCase(AsyncHTTPTestCase):
    """Starts ``service.make_app`` with a real worker pool and a temporary sample directory."""

    service: ClassVar[ModuleType]
    settings: ClassVar[dict[str, Any]] = {"workers": 1, "timeout": 30}
    section: ClassVar[dict[str, Any] | None] = None

    def get_app(self) -> Any:
        self.sample_dir = Path(tempfile.mkdtemp(prefix="samples-"))
        info = self.service.SERVICE
        data = {
            "settings": {**self.settings, "sample_dir": str(self.sample_dir)},
            info.name: self.section if self.section is not None else self.service_section(),
        }
        # environ={} keeps an operator's HOLMES_* variables out of the tests.
        config = ServiceConfig.from_dict(data, info.name, environ={})
        self.pool = make_pool(info, config)
        self.io_loop.run_sync(self.pool.start)
        return self.service.make_app(Runtime(info, config, self.pool))

    def service_section(self) -> dict[str, Any]:
        """The service's own section of the service.conf beside service.py."""
        conf = Path(self.service.SERVICE.directory) / "service.conf"
        return json.loads(conf.read_text()).get(self.service.SERVICE.name, {})

    def tearDown(self) -> None:
        self.io_loop.run_sync(self.pool.close)
        super().tearDown()
        shutil.rmtree(self.sample_dir, ignore_errors=True)

    def write_sample(self, data: bytes) -> str:
        """Put a sample in the sample directory as Totem does, under a random UUID; return it."""
        name = str(uuid.uuid4())
        (self.sample_dir / name).write_bytes(data)
        return name

    def get_json(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        response: HTTPResponse = self.fetch(path, raise_error=False, **kwargs)
        assert response.headers["Content-Type"].startswith("application/json"), response.headers
        return response.code, json.loads(response.body)
