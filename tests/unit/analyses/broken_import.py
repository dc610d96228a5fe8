"""An analysis module that cannot even be imported."""

raise ImportError("a dependency of this analysis is missing")
