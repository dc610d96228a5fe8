"""Errors a service answers with: each class carries its HTTP status and a safe message.

Totem stores every 2xx body as a result, so a failure must never be a 200: raise one of these
(from analysis.py too) and the service answers with the status and a JSON body
``{"error": {"type": ..., "message": ...}}``.
"""

from __future__ import annotations

from typing import Any


class ServiceRequestError(Exception):
    """Base class: an HTTP status and a message that is safe to show to the caller.

    The name and the ``(status, error)`` signature follow the historical holmeslibrary so that
    old services port unchanged; subclasses fix the status.
    """

    status: int = 500
    retry_after: int | None = None
    default_message = "the request failed"

    def __init__(self, status_or_message: int | str | None = None, error: str | None = None) -> None:
        if isinstance(status_or_message, int):
            self.status = status_or_message
            message = error
        else:
            message = status_or_message if status_or_message is not None else error
        self.message = message or self.default_message
        self.type = type(self).__name__
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"type": self.type, "message": self.message}}


class BadRequest(ServiceRequestError):
    """The obj argument is missing or malformed (400)."""

    status = 400
    default_message = "missing or malformed obj"


class SampleNotFound(ServiceRequestError):
    """No sample of that name in the sample directory (404)."""

    status = 404
    default_message = "no such sample"


class SampleTooLarge(ServiceRequestError):
    """The sample is larger than max_sample_size (413)."""

    status = 413
    default_message = "sample is larger than max_sample_size"


class UnsupportedSample(ServiceRequestError):
    """The analysis cannot handle this input, e.g. a PE parser given a PDF (422)."""

    status = 422
    default_message = "the analysis cannot handle this input"


class AnalysisFailed(ServiceRequestError):
    """The analysis crashed or its worker died (500)."""

    status = 500
    default_message = "the analysis failed"


class ServiceBusy(ServiceRequestError):
    """Every worker is busy and max_pending requests already wait (503, with Retry-After)."""

    status = 503
    retry_after = 1
    default_message = "service saturated; retry later"


class AnalysisTimeout(ServiceRequestError):
    """The analysis passed its deadline and its worker was killed (504)."""

    status = 504
    default_message = "the analysis passed its deadline"


ERROR_TYPES: dict[str, type[ServiceRequestError]] = {
    cls.__name__: cls
    for cls in (
        ServiceRequestError,
        BadRequest,
        SampleNotFound,
        SampleTooLarge,
        UnsupportedSample,
        AnalysisFailed,
        ServiceBusy,
        AnalysisTimeout,
    )
}


def error_from_dict(data: dict[str, Any]) -> ServiceRequestError:
    """Rebuild an error sent by a worker process, keeping its type name and status."""
    type_name = str(data.get("type") or "AnalysisFailed")
    cls = ERROR_TYPES.get(type_name, ServiceRequestError)
    error = cls(str(data.get("message") or cls.default_message))
    error.type = type_name  # keeps the name of an author's own subclass
    status = data.get("status")
    if isinstance(status, int) and 400 <= status <= 599:
        error.status = status
    if isinstance(data.get("retry_after"), int):
        error.retry_after = data["retry_after"]
    return error


def error_to_wire(error: ServiceRequestError) -> dict[str, Any]:
    """What a worker process sends back for an error raised by the analysis."""
    return {
        "type": error.type,
        "message": error.message,
        "status": error.status,
        "retry_after": error.retry_after,
    }
