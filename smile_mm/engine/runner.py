"""SMILERunner: mmengine's Runner with config references resolved."""
from __future__ import annotations

import inspect
import os.path as osp
from typing import Any, Optional

from mmengine.config import Config
from mmengine.dist import master_only
from mmengine.logging import MMLogger
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .config_references import resolve_references, resolve_value
from .console_log import log_files, quiet_console


@RUNNERS.register_module()
class SMILERunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner` for configs that write a
    setting once and refer to it elsewhere (``'${size}'``, see
    :mod:`smile_mm.engine.config_references`).

    Every config of smile_mm selects it with ``runner_type='SMILERunner'``,
    which smile_mm's, mmaction2's and mim's ``tools/train.py`` and
    ``tools/test.py`` honour. It differs from the Runner in three ways:

    * the references of the config are resolved before anything is built,
      after child configs and ``--cfg-options`` have been merged;
    * the copy of the config written into the work dir keeps the
      references, so ``--cfg-options size=112`` on that copy reaches every
      part as it does on the original;
    * the console leaves out what only the log file needs (environment,
      config, hook order, parameter groups; see
      :mod:`smile_mm.engine.console_log`) and names the log file instead.

    Args:
        *args: Arguments of :class:`~mmengine.runner.Runner`.
        **kwargs: Arguments of :class:`~mmengine.runner.Runner`. ``cfg`` is
            the whole config, references included; the config parts among
            the others (``model``, ``train_dataloader`` ...) have their
            references resolved against it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        arguments = inspect.signature(Runner.__init__).bind(
            self, *args, **kwargs).arguments
        arguments.pop('self')
        cfg = arguments.pop('cfg', None)
        self.config_as_written = cfg
        if cfg is not None:
            root = cfg.to_dict() if isinstance(cfg, Config) else dict(cfg)
            arguments = {key: resolve_value(value, root, key)
                         for key, value in arguments.items()}
            cfg = resolve_references(cfg)
        super().__init__(cfg=cfg, **arguments)

    def build_logger(self, *args: Any, **kwargs: Any) -> MMLogger:
        logger = super().build_logger(*args, **kwargs)
        quiet_console(logger)
        config = self._config_file()
        files = log_files(logger)
        processes = (f'distributed over {self.world_size} processes'
                     if self.distributed else 'one process')
        logger.info(
            f'Seed {self.seed}, {processes}. '
            + (f'The environment, the config, the hook order and the '
               f'parameter groups are in the log file {files[0]}'
               if files else '')
            + (f'; the config as run: {config}' if config else ''))
        return logger

    @master_only
    def dump_config(self) -> None:
        """Write the config into the work dir as it was written, with its
        references."""
        config = self._config_file()
        source = self.config_as_written
        if config is None or source is None:
            return super().dump_config()
        if not isinstance(source, Config):
            source = Config(source)
        source.dump(config)

    def _config_file(self) -> Optional[str]:
        if self.config_as_written is None:
            return None
        filename = getattr(self.config_as_written, 'filename', None)
        name = (osp.basename(filename) if filename is not None else
                f'{self.timestamp}.py')
        return osp.join(self.work_dir, name)
