"""The FEEL built-in function library (DMN 1.5 section 10.3.4), keyed by FEEL name."""

from civicflow.feel.builtins import (  # noqa: F401  (importing registers the functions)
    boolean,
    contexts,
    conversion,
    dates,
    extensions,
    lists,
    numeric,
    ranges,
    strings,
)
from civicflow.feel.builtins.registry import BUILTINS

__all__ = ["BUILTINS"]
