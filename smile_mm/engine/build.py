"""Building the runner a config asks for."""
from __future__ import annotations

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def build_runner(cfg: Config) -> Runner:
    """The runner of ``cfg``: its ``runner_type`` (smile_mm's configs:
    :class:`SMILERunner`; the FSDP recipe: mmengine's ``FlexibleRunner``),
    else mmengine's Runner, as mmaction2's ``tools/train.py`` chooses."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
