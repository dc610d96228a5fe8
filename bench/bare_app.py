"""The baseline: a bare Tornado app that runs the analysis inline, as the original Totem services do.

    python bench/bare_app.py PORT SAMPLE_DIR SERVICE_DIR SECTION-JSON

It imports ``analysis.analyze`` from SERVICE_DIR (a bake, with the variant analysis the run is
measuring) and calls it inside the request handler, on the IOLoop: no worker processes, no
queue, no deadline, no structured log line, no path checks beyond what those services did. It
listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import tornado.ioloop
import tornado.web


class Info(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("<!doctype html><html><body><h1>bare</h1><p>GET /analyze/?obj=&lt;sample&gt;</p></body></html>")


class Health(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write({"status": "ok"})


class Analyze(tornado.web.RequestHandler):
    def initialize(self, sample_dir: str, analyze: Any, sample_type: Any, section: dict[str, Any]) -> None:
        self.sample_dir = sample_dir
        self.analyze = analyze
        self.sample_type = sample_type
        self.section = section

    def get(self) -> None:
        obj = self.get_argument("obj", strip=False)
        path = os.path.join(self.sample_dir, obj)
        if not os.path.isfile(path):
            raise tornado.web.HTTPError(404)
        sample = self.sample_type(name=obj, path=path, size=os.path.getsize(path))
        self.write(self.analyze(sample, self.section))


def make_app(sample_dir: str, service_dir: str, section: dict[str, Any]) -> tornado.web.Application:
    sys.path.insert(0, service_dir)
    import analysis  # the bake's (variant) analysis, so both sides do the same work
    from holmeslibrary import Sample

    handler_args = {"sample_dir": sample_dir, "analyze": analysis.analyze, "sample_type": Sample, "section": section}
    return tornado.web.Application(
        [(r"/", Info), (r"/health", Health), (r"/analyze/?", Analyze, handler_args)],
    )


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    port, sample_dir, service_dir, section = argv
    app = make_app(sample_dir, service_dir, json.loads(section))
    app.listen(int(port), "127.0.0.1")
    print("listening", flush=True)
    tornado.ioloop.IOLoop.current().start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
