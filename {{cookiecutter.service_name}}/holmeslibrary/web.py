"""Tornado handlers every service shares: JSON errors with real statuses, info, health, logs."""

from __future__ import annotations

import html
import json
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import tornado.web

from .errors import AnalysisFailed, BadRequest, ServiceRequestError

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger("holmeslibrary.request")


class JsonHandler(tornado.web.RequestHandler):
    """Answers in JSON; every error is ``{"error": {"type", "message"}}`` with its real status."""

    def initialize(self) -> None:
        self.log_fields: dict[str, Any] = {}

    @property
    def runtime(self) -> Runtime:
        return self.settings["runtime"]

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("X-Content-Type-Options", "nosniff")

    def write_json(self, data: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(data))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = _as_service_error(status_code, kwargs.get("exc_info"))
        self.log_fields["error"] = error.type
        if error.retry_after is not None:
            self.set_header("Retry-After", str(error.retry_after))
        self.set_status(error.status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(error.to_dict()))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Expected outcomes (bad obj, unknown sample, timeouts) are not server errors.
        if isinstance(value, (ServiceRequestError, tornado.web.HTTPError)):
            return
        super().log_exception(typ, value, tb)


def _as_service_error(status_code: int, exc_info: Any) -> ServiceRequestError:
    exc = exc_info[1] if exc_info else None
    if isinstance(exc, ServiceRequestError):
        return exc
    if isinstance(exc, tornado.web.MissingArgumentError):
        return BadRequest(f"missing argument {exc.arg_name}")
    if isinstance(exc, tornado.web.HTTPError) or exc is None:
        status = exc.status_code if isinstance(exc, tornado.web.HTTPError) else status_code
        reason = (exc.reason if isinstance(exc, tornado.web.HTTPError) else None) or _reason(status)
        error = ServiceRequestError(status, reason)
        error.type = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed"}.get(status, "HTTPError")
        return error
    return AnalysisFailed("internal error")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


class NotFoundHandler(JsonHandler):
    """Any path the service does not serve: a JSON 404."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(404, reason="no such endpoint; see / for what this service serves")


class AnalysisHandler(JsonHandler):
    """Base of the service's analysis handler: ``await self.analyze(obj)`` runs the analysis."""

    def prepare(self) -> None:
        self.runtime.requests_in_flight += 1
        self._counted = True

    def on_finish(self) -> None:
        if getattr(self, "_counted", False):
            self._counted = False
            self.runtime.requests_in_flight -= 1
            self.runtime.on_request_done()

    async def analyze(self, obj: str | None) -> dict[str, Any]:
        """Run the service's analysis on obj in a worker process; raise a ServiceRequestError."""
        if obj is None:
            raise BadRequest("missing obj; call /analyze/?obj=<sample id>")
        self.log_fields["obj"] = obj[:200]
        return await self.runtime.analyze(obj, self.log_fields)


class InfoHandler(JsonHandler):
    """``/``: the service's name, version, description and license, as a page for people."""

    def get(self) -> None:
        info = self.runtime.info.describe()
        if "application/json" in self.request.headers.get("Accept", ""):
            self.write_json(info)
            return
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        rows = "".join(
            f"<tr><th>{html.escape(key)}</th><td>{html.escape(str(value))}</td></tr>"
            for key, value in info.items()
            if key not in ("name", "description")
        )
        self.finish(
            '<!doctype html><html><head><meta charset="utf-8">'
            f"<title>{html.escape(info['name'])}</title></head><body>"
            f"<h1>{html.escape(info['name'])} {html.escape(info['version'])}</h1>"
            f"<p>{html.escape(info['description'])}</p><table>{rows}</table>"
            f"<p>Analyse with <code>GET /analyze/?obj=&lt;{html.escape(info['input'])}&gt;</code>.</p>"
            "</body></html>"
        )


class HealthHandler(JsonHandler):
    """``/health``: the worker pool's state; 503 when it cannot serve."""

    def get(self) -> None:
        pool = self.runtime.pool
        healthy = pool.can_serve()
        self.write_json(
            {"status": "ok" if healthy else "unavailable", "workers": pool.stats()},
            200 if healthy else 503,
        )

    head = get


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's log_function: one structured line per request."""
    fields = getattr(handler, "log_fields", {})
    status = handler.get_status()
    elapsed_ms = round(handler.request.request_time() * 1000, 2)
    runtime = handler.settings.get("runtime")
    if runtime is not None:
        runtime.observe_request(handler, status, elapsed_ms / 1000)
    level = logging.ERROR if status >= 500 else logging.INFO
    log.log(
        level,
        "request",
        extra={
            "method": handler.request.method,
            "path": handler.request.path[:200],
            "status": status,
            "elapsed_ms": elapsed_ms,
            **fields,
        },
    )
