"""A console that shows the run, while the log file keeps everything.

mmengine writes the whole environment, the whole config and the hook order
at the start of every run, mmaction2's layer-decay constructor a line per
parameter and every parameter group, mmengine's default constructor a line
per parameter without weight decay, and mmaction2's video decoders a
deprecation warning about mmengine's ``FileClient``: about 900 lines before
the first loss, none of which the user acted on. The log file keeps them;
the console drops them and says where they are.
"""
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
    'The model and loaded state dict do not match exactly',  # key lists
    'Loads checkpoint by ',          # mmengine's loader: said by the
                                     # load's one line (checkpoint_report)
)


class FileOnlyFilter(logging.Filter):
    """Drops the records that start with one of :data:`FILE_ONLY`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage().lstrip('\n-')
        return not message.startswith(FILE_ONLY)


def quiet_console(logger: logging.Logger) -> None:
    """Add :class:`FileOnlyFilter` to every console handler of ``logger``
    (file handlers keep every record). Adding it twice changes nothing."""
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler) or not isinstance(
                handler, logging.StreamHandler):
            continue
        if not any(isinstance(f, FileOnlyFilter) for f in handler.filters):
            handler.addFilter(FileOnlyFilter())


def log_files(logger: logging.Logger) -> List[str]:
    """The files ``logger`` writes to."""
    return [handler.baseFilename for handler in logger.handlers
            if isinstance(handler, logging.FileHandler)]
