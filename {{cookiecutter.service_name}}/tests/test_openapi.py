"""/openapi.json: the service's contract names every endpoint it serves and the error body."""

from __future__ import annotations

import service
from holmeslibrary.testing import ServiceTestCase


class OpenAPITest(ServiceTestCase):
    service = service

    def test_document_describes_this_service(self) -> None:
        status, spec = self.get_json("/openapi.json")
        self.assertEqual(status, 200)
        self.assertTrue(spec["openapi"].startswith("3."))
        self.assertEqual(spec["info"]["title"], service.SERVICE.name)
        self.assertEqual(spec["info"]["version"], service.SERVICE.version)
        for path in ("/", "/analyze/", f"/{service.SERVICE.route}/" + "{id}", "/health", "/openapi.json"):
            self.assertIn(path, spec["paths"])

    def test_every_served_endpoint_is_documented(self) -> None:
        _, spec = self.get_json("/openapi.json")
        served = {"/metrics"} if self.fetch("/metrics", raise_error=False).code == 200 else set()
        documented = {"/metrics"} & set(spec["paths"])
        self.assertEqual(served, documented)

    def test_a_real_error_matches_the_documented_error_body(self) -> None:
        _, spec = self.get_json("/openapi.json")
        error_schema = spec["components"]["schemas"]["Error"]
        status, body = self.get_json("/analyze/")
        self.assertIn(str(status), spec["paths"]["/analyze/"]["get"]["responses"])
        self.assertEqual(set(body), set(error_schema["required"]))
        self.assertEqual(set(body["error"]), set(error_schema["properties"]["error"]["required"]))
        self.assertTrue(all(isinstance(value, str) for value in body["error"].values()))
