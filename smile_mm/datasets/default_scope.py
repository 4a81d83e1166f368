"""The registry scope smile_mm's datasets and apis build pipelines in."""
from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Optional

from mmengine.registry import DefaultScope


def mmaction_scope(scope: Optional[str] = None) -> AbstractContextManager:
    """Build in ``scope`` where it is given (a config's ``default_scope``),
    else in the current scope, else in mmaction's, so that datasets made in
    plain Python find mmaction's and smile_mm's transforms by their
    registered names."""
    if scope is None and DefaultScope.get_current_instance() is None:
        scope = 'mmaction'
    return DefaultScope.overwrite_default_scope(scope)
