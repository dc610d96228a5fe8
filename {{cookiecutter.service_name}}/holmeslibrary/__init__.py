"""holmeslibrary: the runtime every Holmes-Totem service generated from the template vendors.

An author writes ``analyze(sample, config)`` in analysis.py; this library does the rest: config,
path-safe samples, a worker pool with deadlines, JSON errors with real HTTP statuses, logs,
health and a clean shutdown. Names of the historical holmeslibrary are kept where the idea is
the same (ServiceConfig, ServiceRequestError, ServiceResultSet, LargeFileReader, TempAnalysisFile).
"""

from .config import ConfigError, ServiceConfig, Settings
from .errors import (
    AnalysisFailed,
    AnalysisTimeout,
    BadRequest,
    SampleNotFound,
    SampleTooLarge,
    ServiceBusy,
    ServiceRequestError,
    UnsupportedSample,
)
from .objects import AnalysisObject, classify_object
from .results import ServiceResultSet
from .samples import LargeFileReader, Sample, TempAnalysisFile

__version__ = "1.0.0"

__all__ = [
    "AnalysisFailed",
    "AnalysisObject",
    "AnalysisTimeout",
    "BadRequest",
    "ConfigError",
    "LargeFileReader",
    "Sample",
    "SampleNotFound",
    "SampleTooLarge",
    "ServiceBusy",
    "ServiceConfig",
    "ServiceRequestError",
    "ServiceResultSet",
    "Settings",
    "TempAnalysisFile",
    "UnsupportedSample",
    "classify_object",
]
