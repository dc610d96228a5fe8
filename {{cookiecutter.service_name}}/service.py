"""{{ cookiecutter.service_name }}: {{ cookiecutter.description }}

A Holmes-Totem service. The analysis itself lives in analysis.py; this file wires it to HTTP:

    GET /                                  info page (name, version, description, license)
    GET /analyze/?obj=<id>                 the analysis, as Totem calls it (POST with form args too)
    GET /{{ cookiecutter.route }}/<id>   the same, on the original per-service route
    GET /health                            the worker pool's state, for Docker and operators
    GET /openapi.json                      the OpenAPI document of all of these
{%- if cookiecutter.metrics == "yes" %}
    GET /metrics                           Prometheus metrics: requests, latency, workers
{%- endif %}

Run ``python service.py`` to serve, ``python service.py analyze <{{ "file" if cookiecutter.input_kind == "file" else "object" }}>`` to analyse once.
"""

from __future__ import annotations

from pathlib import Path

import tornado.web

from holmeslibrary import {% if cookiecutter.metrics == "yes" %}metrics, {% endif %}openapi, runtime, web

SERVICE = runtime.ServiceInfo(
    name={{ cookiecutter.service_name | tojson }},
    version={{ cookiecutter.version | tojson }},
    description={{ cookiecutter.description | tojson }},
    license={{ cookiecutter.license | tojson }},
    author={{ cookiecutter.author | tojson }},
    input_kind={{ cookiecutter.input_kind | tojson }},
    route={{ cookiecutter.route | tojson }},
    port={{ cookiecutter.port | int }},
    directory=str(Path(__file__).resolve().parent),
)


class Info(web.InfoHandler):
    """The info page Totem's services show people (JSON for clients that ask for it)."""


class Service(web.AnalysisHandler):
    """Runs analysis.analyze on obj in a worker process and answers with its JSON result."""

    async def get(self, sample_id: str | None = None) -> None:
        obj = sample_id if sample_id is not None else self.get_argument("obj", None, strip=False)
        result = await self.analyze(obj)
        self.write_json(result)

    async def post(self, sample_id: str | None = None) -> None:
        await self.get(sample_id)


def make_app(service: runtime.Runtime) -> tornado.web.Application:
    return tornado.web.Application(
        [
            (r"/", Info),
            (r"/analyze/?", Service),
            (r"/{{ cookiecutter.route }}/([^/]+)", Service),
            (r"/health", web.HealthHandler),
            (r"/openapi.json", openapi.OpenAPIHandler, {"metrics": {{ cookiecutter.metrics == "yes" }}}),
{%- if cookiecutter.metrics == "yes" %}
            (r"/metrics", metrics.MetricsHandler, {"metrics": metrics.ServiceMetrics(service)}),
{%- endif %}
        ],
        runtime=service,
        default_handler_class=web.NotFoundHandler,
        log_function=web.log_request,
    )


def main(argv: list[str] | None = None) -> int:
    return runtime.main(SERVICE, make_app, argv)


if __name__ == "__main__":
    raise SystemExit(main())
