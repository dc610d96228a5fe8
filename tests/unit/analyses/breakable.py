"""The fault analyses, unless the environment says that importing must fail (as after a bad deploy)."""

import os

if os.environ.get("BREAK_ANALYSIS_IMPORT"):
    raise ImportError("this analysis can no longer be imported")

from faults import analyze

__all__ = ["analyze"]
