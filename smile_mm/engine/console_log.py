"""A console that shows the run; the log file keeps everything (the 900 or
so lines of environment, config, hooks and parameter groups before it)."""
from __future__ import annotations

import logging
from typing import List

#: the start of every message that goes to the log file only
FILE_ONLY = (
    'System environment:',           # mmengine Runner: the environment
    'Config:\n',                     # mmengine Runner: the whole config
    'Hooks will be executed in the following order',
    'Distributed training is not used, all SyncBatchNorm',
    'self.paramwise_cfg is ',        # mmaction2 layer-decay constructor
    'Build LearningRateDecayOptimizerConstructor',
    'set param ',
    'Param groups = ',
    'paramwise_options -- ',         # mmengine's default constructor
    '"FileClient" will be deprecated',  # mmaction2's DecordInit and others
    '"HardDiskBackend" is the alias of "LocalBackend"',
    'Loads checkpoint by ',          # mmengine's loader; see load_weights
)


def _for_the_console(record: logging.LogRecord) -> bool:
    """False for the records that start with one of :data:`FILE_ONLY`."""
    return not record.getMessage().lstrip('\n-').startswith(FILE_ONLY)


def quiet_console(logger: logging.Logger) -> None:
    """Filter :data:`FILE_ONLY` out of every console handler of ``logger``
    (file handlers keep every record). Doing it twice changes nothing."""
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler):
            handler.addFilter(_for_the_console)  # added once at the most


def log_files(logger: logging.Logger) -> List[str]:
    """The files ``logger`` writes to."""
    return [handler.baseFilename for handler in logger.handlers
            if isinstance(handler, logging.FileHandler)]
