"""The object analysis, through HTTP as Totem calls it and through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import service
from holmeslibrary.testing import ServiceTestCase

ROUTE = service.SERVICE.route
SERVICE_DIR = Path(service.__file__).resolve().parent


class ObjectAnalysisTest(ServiceTestCase):
    service = service

    def analyze(self, obj: str) -> tuple[int, dict]:
        return self.get_json(f"/analyze/?obj={quote(obj, safe='')}")

    def test_ipv4_address(self) -> None:
        status, result = self.analyze("8.8.8.8")
        self.assertEqual(status, 200, result)
        self.assertEqual((result["kind"], result["normalized"]), ("ipv4", "8.8.8.8"))
        self.assertEqual(result["reverse_pointer"], "8.8.8.8.in-addr.arpa")

    def test_ipv6_address_is_normalised(self) -> None:
        status, result = self.analyze("2001:4860:4860:0:0:0:0:8888")
        self.assertEqual(status, 200)
        self.assertEqual((result["kind"], result["normalized"]), ("ipv6", "2001:4860:4860::8888"))

    def test_domain(self) -> None:
        status, result = self.analyze("WWW.Example.COM.")
        self.assertEqual(status, 200)
        self.assertEqual((result["kind"], result["normalized"], result["tld"]), ("domain", "www.example.com", "com"))

    def test_email_address(self) -> None:
        status, result = self.analyze("Analyst@Example.org")
        self.assertEqual(status, 200)
        self.assertEqual((result["kind"], result["domain"]), ("email", "example.org"))

    def test_url(self) -> None:
        status, result = self.analyze("HTTP://Example.com:8080/a?b=c")
        self.assertEqual(status, 200)
        self.assertEqual((result["kind"], result["host"], result["port"]), ("url", "example.com", 8080))

    def test_original_route_gives_the_same_result(self) -> None:
        status, result = self.get_json(f"/{ROUTE}/example.net")
        self.assertEqual(status, 200)
        self.assertEqual(result, self.analyze("example.net")[1])

    def test_private_address_is_refused_with_422(self) -> None:
        for obj in ("10.0.0.1", "127.0.0.1", "192.168.1.1", "::1", "http://169.254.169.254/"):
            status, body = self.analyze(obj)
            self.assertEqual(status, 422, obj)
            self.assertEqual(body["error"]["type"], "UnsupportedSample")

    def test_malformed_object_is_400(self) -> None:
        for obj in ("not an object", "exa mple.com", "-bad-.com", "javascript:alert(1)", "a" * 3000):
            status, body = self.analyze(obj)
            self.assertEqual(status, 400, obj)
            self.assertEqual(body["error"]["type"], "BadRequest")


def test_analyze_once_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "service.py", "analyze", "example.com"],
        cwd=SERVICE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kind"] == "domain"
