"""Data loaders ask for no more worker processes than the process has cores
(more only compete with each other and with training)."""
from __future__ import annotations

import os
from typing import Set, Tuple

from mmengine.logging import print_log

_SAID: Set[Tuple[int, int]] = set()


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity)."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def workers_within_cores(requested: int) -> int:
    """``requested`` loader workers, at most :func:`available_cores`; says
    so once when it caps them."""
    cores = available_cores()
    if requested <= cores:
        return requested
    if (requested, cores) not in _SAID:
        _SAID.add((requested, cores))
        print_log(f'A data loader asks for {requested} worker processes, '
                  f'but this process has {cores} cores: using {cores}.',
                  logger='current')
    return cores
