"""Errors: statuses, JSON bodies, and the round trip from a worker process."""

from __future__ import annotations

import pytest

from holmeslibrary import errors


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (errors.BadRequest, 400),
        (errors.SampleNotFound, 404),
        (errors.SampleTooLarge, 413),
        (errors.UnsupportedSample, 422),
        (errors.AnalysisFailed, 500),
        (errors.ServiceBusy, 503),
        (errors.AnalysisTimeout, 504),
    ],
)
def test_each_error_has_its_status_and_a_json_body(cls: type[errors.ServiceRequestError], status: int) -> None:
    error = cls("what went wrong")
    assert error.status == status
    assert error.to_dict() == {"error": {"type": cls.__name__, "message": "what went wrong"}}


def test_busy_says_when_to_retry() -> None:
    assert errors.ServiceBusy().retry_after == 1


def test_historical_signature_status_then_message() -> None:
    error = errors.ServiceRequestError(502, "upstream API refused")
    assert (error.status, error.message) == (502, "upstream API refused")


def test_an_authors_own_error_keeps_its_name_and_status_across_processes() -> None:
    class UpstreamError(errors.ServiceRequestError):
        status = 502

    wire = errors.error_to_wire(UpstreamError("the API is down"))
    rebuilt = errors.error_from_dict(wire)
    assert (rebuilt.type, rebuilt.status, rebuilt.message) == ("UpstreamError", 502, "the API is down")


def test_a_garbled_status_from_a_worker_is_not_trusted() -> None:
    rebuilt = errors.error_from_dict({"type": "AnalysisFailed", "message": "x", "status": 200})
    assert rebuilt.status == 500
