"""SMILERunner: mmengine's Runner with config references resolved."""
from __future__ import annotations

import inspect
import os.path as osp
from typing import Any, Callable, List, Optional, Tuple, Union

from mmengine.config import Config
from mmengine.dist import master_only
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from ..fileio import WHOLE_LOCAL
from .checkpoint_report import (CheckpointMismatchError, compare_state,
                                load_weights, matters, revised_state, shapes)
from .config_references import resolve_references, resolve_value
from .console_log import log_files, quiet_console
from .loader_workers import workers_within_cores


@RUNNERS.register_module()
class SMILERunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner` for configs that write a
    setting once and refer to it elsewhere (``'${size}'``, see
    :mod:`smile_mm.engine.config_references`), selected by
    ``runner_type='SMILERunner'``; each method below says what it changes.

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
        if cfg is not None and not isinstance(cfg, Config):
            cfg = Config(cfg)
        self.config_as_written = cfg
        if cfg is not None:
            root = cfg.to_dict()
            arguments = {key: resolve_value(value, root, key)
                         for key, value in arguments.items()}
            cfg = resolve_references(cfg)
        super().__init__(cfg=cfg, **arguments)

    def build_logger(self, *args: Any, **kwargs: Any) -> MMLogger:
        """mmengine's logger, whose console leaves out what only the log
        file needs (:mod:`smile_mm.engine.console_log`) and names it."""
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

    def train(self) -> Any:
        """mmengine's training, after the test loop (its dataset reads and
        checks its list) is built where the config has one."""
        self.test_loop  # noqa: B018 - mmengine builds the loop on access
        return super().train()

    @staticmethod
    def build_dataloader(dataloader: Any, seed: Optional[int] = None,
                         diff_rank_seed: bool = False) -> Any:
        """mmengine's data loader, with ``num_workers`` capped at the cores
        of the process."""
        if isinstance(dataloader, dict) and dataloader.get('num_workers'):
            dataloader = dict(dataloader, num_workers=workers_within_cores(
                dataloader['num_workers']))
        return Runner.build_dataloader(dataloader, seed, diff_rank_seed)

    def resume(self, filename: str, *args: Any, **kwargs: Any) -> None:
        """mmengine's resume, refused for a checkpoint of another model."""
        self._resuming = True
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = False

    def load_checkpoint(self, filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False,
                        revise_keys: List[Tuple[str, str]] = [
                            (r'^module.', '')]) -> dict:  # noqa: B006
        """mmengine's :meth:`~mmengine.runner.Runner.load_checkpoint`, with
        one line on the console for what was loaded (the key lists go to
        the log file), and an error before anything is loaded when
        ``--resume`` meets a checkpoint of another model (compared after
        the ``after_load_checkpoint`` hooks, which may rewrite it)."""
        checkpoint = _load_checkpoint(filename, map_location=map_location,
                                      logger=self.logger)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        if getattr(self, '_resuming', False):
            exact = compare_state(
                shapes(model.state_dict()),
                shapes(revised_state(checkpoint, revise_keys)))
            if matters(exact) or exact.new or exact.left_out:
                raise CheckpointMismatchError(
                    f'--resume needs the model of the run that wrote '
                    f'{filename}, but this one differs: '
                    + (matters(exact) or 'parts differ ('
                       + ', '.join([*exact.new, *exact.left_out]) + ')')
                    + f'. To start a new run from these weights, set '
                    f'load_from={filename} without --resume (tools/train.py '
                    f'--cfg-options load_from={filename}).')
        checkpoint, _ = load_weights(model, checkpoint, filename,
                                     self.logger, revise_keys, strict)
        self._has_loaded = True
        return checkpoint

    def save_checkpoint(self, out_dir: str, filename: str,
                        file_client_args: Optional[dict] = None,
                        save_optimizer: bool = True,
                        save_param_scheduler: bool = True,
                        meta: Optional[dict] = None, by_epoch: bool = True,
                        backend_args: Optional[dict] = None) -> None:
        """mmengine's checkpoint, written whole where it goes to a local
        folder and no backend is configured."""
        if backend_args is None and file_client_args is None and \
                '://' not in str(out_dir):
            backend_args = dict(backend=WHOLE_LOCAL)
        super().save_checkpoint(out_dir, filename, file_client_args,
                                save_optimizer, save_param_scheduler, meta,
                                by_epoch, backend_args)

    @master_only
    def dump_config(self) -> None:
        """Write the config into the work dir as it was written, with its
        references."""
        config = self._config_file()
        if config is None:
            return super().dump_config()
        self.config_as_written.dump(config)

    def _config_file(self) -> Optional[str]:
        if self.config_as_written is None:
            return None
        filename = self.config_as_written.filename
        return osp.join(self.work_dir, f'{self.timestamp}.py' if filename is
                        None else osp.basename(filename))
