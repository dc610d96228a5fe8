"""The service's machine-readable contract: an OpenAPI 3.1 document served on ``/openapi.json``.

It is built from the service's own ServiceInfo, so the name, version, route and input kind in
the document are always those of the running service. Every error answer shares one schema,
``{"error": {"type", "message"}}``, and each status the service can answer is listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .web import JsonHandler

if TYPE_CHECKING:
    from .runtime import ServiceInfo

OPENAPI_VERSION = "3.1.0"

# Error statuses an analysis can end with, and when; file services add the sample's own.
ANALYSIS_ERRORS = {
    "400": "obj is missing, empty or malformed",
    "404": "no sample of that name in the sample directory",
    "413": "the sample is larger than max_sample_size",
    "422": "the analysis cannot handle this input",
    "500": "the analysis failed or its worker died",
    "503": "every worker is busy and max_pending requests wait, or the service is stopping",
    "504": "the analysis passed its deadline",
}
FILE_ONLY_ERRORS = ("404", "413")
INFO_KEYS = ("name", "version", "description", "license", "author", "input")
WORKER_KEYS = ("size", "ready", "busy", "idle", "starting", "waiting", "max_pending", "restarts", "completed")


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": json_content({"$ref": "#/components/schemas/Error"})}


def analysis_responses(input_kind: str) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "the analysis result: a JSON object whose keys are properties of the analysed object",
            "content": json_content({"$ref": "#/components/schemas/Result"}),
        }
    }
    for status, description in ANALYSIS_ERRORS.items():
        if input_kind != "file" and status in FILE_ONLY_ERRORS:
            continue
        responses[status] = error_response(description)
    responses["503"]["headers"] = {
        "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
    }
    return responses


def analysis_operations(input_kind: str, parameter: dict[str, Any], summary: str) -> dict[str, Any]:
    get = {"summary": summary, "parameters": [parameter], "responses": analysis_responses(input_kind)}
    post = {
        **get,
        "summary": summary + " (task arguments as form fields, as Totem sends YARA rules)",
        "requestBody": {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            },
        },
    }
    return {"get": get, "post": post}


def document(info: ServiceInfo, *, metrics: bool) -> dict[str, Any]:
    """The OpenAPI document of the service described by info; ``metrics`` adds /metrics."""
    if info.input_kind == "file":
        what = "the sample's file name in the sample directory"
    else:
        what = "an IP address, domain, e-mail address or URL"
    health = json_content({"$ref": "#/components/schemas/Health"})
    obj = {"name": "obj", "in": "query", "required": True, "description": what, "schema": {"type": "string"}}
    sample_id = {"name": "id", "in": "path", "required": True, "description": what, "schema": {"type": "string"}}
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "summary": "name, version, description and license: a page for people, JSON when asked",
                "responses": {
                    "200": {
                        "description": "the service's description",
                        "content": {
                            **json_content({"$ref": "#/components/schemas/Info"}),
                            "text/html": {"schema": {"type": "string"}},
                        },
                    }
                },
            }
        },
        "/analyze/": analysis_operations(info.input_kind, obj, "analyse obj, as Totem calls the service"),
        f"/{info.route}/{{id}}": analysis_operations(info.input_kind, sample_id, "analyse id (the original route)"),
        "/health": {
            "get": {
                "summary": "the worker pool's state, for Docker's HEALTHCHECK and operators",
                "responses": {
                    "200": {"description": "able to serve", "content": health},
                    "503": {"description": "unable to serve", "content": health},
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "this document",
                "responses": {"200": {"description": "OpenAPI document", "content": json_content({"type": "object"})}},
            }
        },
    }
    if metrics:
        paths["/metrics"] = {
            "get": {
                "summary": "Prometheus metrics: requests by outcome, latency, analyses in flight, worker pool",
                "responses": {
                    "200": {
                        "description": "Prometheus text format (OpenMetrics when the Accept header asks for it)",
                        "content": {
                            "text/plain": {"schema": {"type": "string"}},
                            "application/openmetrics-text": {"schema": {"type": "string"}},
                        },
                    }
                },
            }
        }
    counts = {"type": "integer", "minimum": 0}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": info.name,
            "version": info.version,
            "description": info.description,
            "license": {"name": info.license},
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "additionalProperties": False,
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["type", "message"],
                            "additionalProperties": False,
                            "properties": {
                                "type": {"type": "string", "description": "BadRequest, SampleNotFound, ..."},
                                "message": {"type": "string", "description": "safe to show; never a traceback"},
                            },
                        }
                    },
                },
                "Result": {"type": "object", "not": {"required": ["error"]}},
                "Info": {
                    "type": "object",
                    "required": ["name", "version", "description", "license", "author", "input"],
                    "properties": {key: {"type": "string"} for key in INFO_KEYS},
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "workers"],
                    "properties": {
                        "status": {"enum": ["ok", "unavailable"]},
                        "workers": {
                            "type": "object",
                            "required": ["size", "ready", "busy", "idle", "waiting", "max_pending", "restarts"],
                            "properties": {key: counts for key in WORKER_KEYS},
                        },
                    },
                },
            }
        },
    }


class OpenAPIHandler(JsonHandler):
    """``/openapi.json``: the service's OpenAPI document."""

    def initialize(self, metrics: bool = False) -> None:  # type: ignore[override]
        super().initialize()
        self.metrics = metrics

    def get(self) -> None:
        self.write_json(document(self.runtime.info, metrics=self.metrics))
