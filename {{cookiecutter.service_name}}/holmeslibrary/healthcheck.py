"""The container's HEALTHCHECK: ``python -m holmeslibrary.healthcheck`` exits 0 when /health is ok.

It reads the port from service.conf (and HOLMES_HTTPBINDING) like the service itself, so the
check follows the config instead of repeating the port in the Dockerfile.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

from .config import ConfigError, ServiceConfig


def main() -> int:
    path = os.environ.get("HOLMES_CONFIG", "service.conf")
    try:
        port = ServiceConfig.load(path, "").settings.httpbinding
    except ConfigError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
