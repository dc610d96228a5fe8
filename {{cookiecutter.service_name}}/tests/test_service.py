"""The service's HTTP interface, called as Totem calls it: info, health, errors."""

from __future__ import annotations

import json

import service
from holmeslibrary.testing import ServiceTestCase


class InfoAndHealthTest(ServiceTestCase):
    service = service

    def test_info_page_is_html_with_name_version_and_license(self) -> None:
        response = self.fetch("/")
        self.assertEqual(response.code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/html"))
        page = response.body.decode()
        for text in (service.SERVICE.name, service.SERVICE.version, service.SERVICE.license):
            self.assertIn(text, page)

    def test_info_is_json_when_asked(self) -> None:
        status, info = self.get_json("/", headers={"Accept": "application/json"})
        self.assertEqual(status, 200)
        self.assertEqual(info["name"], service.SERVICE.name)
        self.assertEqual(info["version"], service.SERVICE.version)

    def test_health_reports_the_worker_pool(self) -> None:
        status, health = self.get_json("/health")
        self.assertEqual(status, 200)
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["workers"]["size"], 1)
        self.assertEqual(health["workers"]["busy"], 0)

    def test_missing_obj_is_400_with_a_json_error(self) -> None:
        status, body = self.get_json("/analyze/")
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["type"], "BadRequest")

    def test_empty_obj_is_400(self) -> None:
        status, body = self.get_json("/analyze/?obj=")
        self.assertEqual(status, 400)
        self.assertIn("empty", body["error"]["message"])

    def test_unknown_endpoint_is_a_json_404(self) -> None:
        status, body = self.get_json("/no/such/endpoint")
        self.assertEqual(status, 404)
        self.assertIn("error", body)

    def test_errors_never_carry_a_traceback(self) -> None:
        for path in ("/analyze/", "/analyze/?obj=%00", "/nothing"):
            response = self.fetch(path, raise_error=False)
            self.assertGreaterEqual(response.code, 400)
            self.assertNotIn("Traceback", response.body.decode())
            json.loads(response.body)
