"""The registry scope smile_mm's datasets build their pipelines in."""
from __future__ import annotations

from contextlib import AbstractContextManager

from mmengine.registry import DefaultScope


def mmaction_scope() -> AbstractContextManager:
    """Build in mmaction's scope unless a config already set one, so that
    datasets made in plain Python find mmaction's and smile_mm's transforms
    by their registered names."""
    current = DefaultScope.get_current_instance()
    return DefaultScope.overwrite_default_scope(
        None if current is not None else 'mmaction')
