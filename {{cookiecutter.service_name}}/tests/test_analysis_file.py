"""The file analysis, through HTTP as Totem calls it and through the command line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import service
from holmeslibrary.testing import ServiceTestCase

ROUTE = service.SERVICE.route
SERVICE_DIR = Path(service.__file__).resolve().parent


class FileAnalysisTest(ServiceTestCase):
    service = service

    def test_analyze_gives_hashes_entropy_and_type(self) -> None:
        data = b"MZ" + bytes(range(256)) * 64
        sample = self.write_sample(data)
        status, result = self.get_json(f"/analyze/?obj={sample}")
        self.assertEqual(status, 200, result)
        self.assertEqual(result["size"], len(data))
        self.assertEqual(result["md5"], hashlib.md5(data).hexdigest())
        self.assertEqual(result["sha1"], hashlib.sha1(data).hexdigest())
        self.assertEqual(result["sha256"], hashlib.sha256(data).hexdigest())
        self.assertAlmostEqual(result["entropy"], 8.0, places=2)
        self.assertEqual(result["filetype"]["description"], "MS-DOS executable")

    def test_original_route_gives_the_same_result(self) -> None:
        sample = self.write_sample(b"%PDF-1.7\n")
        _, via_analyze = self.get_json(f"/analyze/?obj={sample}")
        status, via_route = self.get_json(f"/{ROUTE}/{sample}")
        self.assertEqual(status, 200)
        self.assertEqual(via_route, via_analyze)
        self.assertEqual(via_route["filetype"]["mime"], "application/pdf")

    def test_post_with_form_arguments(self) -> None:
        sample = self.write_sample(b"hello\n")
        status, result = self.get_json("/analyze/", method="POST", body=f"obj={sample}&custom_rule=eA==")
        self.assertEqual(status, 200)
        self.assertEqual(result["entropy"], round(result["entropy"], 6))
        self.assertEqual(result["filetype"]["description"], "text")

    def test_empty_sample(self) -> None:
        status, result = self.get_json(f"/analyze/?obj={self.write_sample(b'')}")
        self.assertEqual(status, 200)
        self.assertEqual((result["size"], result["entropy"]), (0, 0.0))

    def test_unknown_sample_is_404(self) -> None:
        status, body = self.get_json("/analyze/?obj=00000000-0000-0000-0000-000000000000")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["type"], "SampleNotFound")

    def test_paths_outside_the_sample_directory_are_refused(self) -> None:
        for obj in ("../../etc/passwd", "/etc/passwd", "..%2Fetc%2Fpasswd", "a%00b", ".."):
            status, body = self.get_json(f"/analyze/?obj={obj}")
            self.assertEqual(status, 400, obj)
            self.assertNotIn("root:", json.dumps(body))

    def test_symlink_out_of_the_sample_directory_is_refused(self) -> None:
        os.symlink("/etc/passwd", self.sample_dir / "link")
        status, body = self.get_json("/analyze/?obj=link")
        self.assertEqual(status, 400)
        self.assertNotIn("root:", json.dumps(body))


class SampleSizeLimitTest(ServiceTestCase):
    service = service
    settings: ClassVar[dict[str, Any]] = {"workers": 1, "timeout": 30, "max_sample_size": 100}

    def test_sample_over_max_sample_size_is_413(self) -> None:
        status, body = self.get_json(f"/analyze/?obj={self.write_sample(b'x' * 101)}")
        self.assertEqual(status, 413)
        self.assertEqual(body["error"]["type"], "SampleTooLarge")


def test_analyze_once_from_the_command_line(tmp_path: Path) -> None:
    sample = tmp_path / "sample.bin"
    sample.write_bytes(b"\x7fELF" + b"\x00" * 60)
    done = subprocess.run(
        [sys.executable, "service.py", "analyze", str(sample)],
        cwd=SERVICE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sha256"] == hashlib.sha256(sample.read_bytes()).hexdigest()
    assert result["filetype"]["description"] == "ELF executable"


def test_analyze_once_fails_with_the_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "service.py", "analyze", str(tmp_path / "missing")],
        cwd=SERVICE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stderr.strip().splitlines()[-1])["error"]["type"] == "SampleNotFound"
