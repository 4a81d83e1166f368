"""Building the runner a config asks for."""
from __future__ import annotations

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .config_references import resolve_references
from .runner import SMILERunner


def build_runner(cfg: Config) -> Runner:
    """The runner of ``cfg``: its ``runner_type`` (smile_mm's configs:
    :class:`SMILERunner`; the FSDP recipe: mmengine's ``FlexibleRunner``),
    else mmengine's Runner, as mmaction2's ``tools/train.py`` chooses. A
    runner other than :class:`SMILERunner` gets the config with its
    references resolved."""
    runner_type = cfg.get('runner_type')
    if runner_type is None:
        return Runner.from_cfg(resolve_references(cfg))
    runner_cls = (RUNNERS.get(runner_type) if isinstance(runner_type, str)
                  else runner_type)
    if not (isinstance(runner_cls, type) and issubclass(runner_cls,
                                                        SMILERunner)):
        cfg = resolve_references(cfg)
    return RUNNERS.build(cfg)
