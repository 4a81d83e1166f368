"""Loading checkpoints without running code from them: ``weights_only=True``
with an allow-list of what mmengine's checkpoints hold plus what a caller
names; anything else is an :class:`UnsafeCheckpointError` naming it (trust
names with ``SMILE_MM_SAFE_GLOBALS="module.Name,..."``). torch < 2.5 has no
allow-list and falls back with a warning (docs/troubleshooting.md).
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
from typing import Any, Callable, List, Sequence, Tuple, Union

import torch

#: environment variable of extra names allowed, comma-separated
TRUST_ENV = 'SMILE_MM_SAFE_GLOBALS'

Allowed = Union[Callable, type, Tuple[Any, str]]


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint whose pickle would call something not allowed."""


def _history_buffer_getattr(obj, name: str):
    """``getattr`` as mmengine's checkpoints use it: a ``HistoryBuffer``'s
    statistics methods (its ``_statistics_methods`` dict), nothing else."""
    from mmengine.logging import HistoryBuffer
    if obj is not HistoryBuffer or name not in ('min', 'max', 'current',
                                                'mean'):
        raise UnsafeCheckpointError(
            f'the checkpoint calls getattr({obj!r}, {name!r}); only '
            "HistoryBuffer's statistics methods are allowed")
    return getattr(obj, name)


def _numpy_globals() -> List[Allowed]:
    """numpy arrays, scalars and dtypes under numpy 1's and 2's names."""
    import numpy as np
    core = getattr(np, '_core', None) or np.core
    # bytes: an empty array's buffer pickles as bytes() under protocol 2
    allowed: List[Allowed] = [np.ndarray, np.dtype, bytes,
                              (bytes, '__builtin__.bytes')]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        allowed += [(core.multiarray._reconstruct, f'{module}._reconstruct'),
                    (core.multiarray.scalar, f'{module}.scalar')]
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:  # numpy >= 1.25 pickles dtypes by their class
        allowed += [cls for cls in vars(dtypes).values()
                    if isinstance(cls, type) and issubclass(cls, np.dtype)]
    return allowed


def mmengine_globals() -> List[Allowed]:
    """What mmengine's checkpoints (``--resume``, ``load_from``) hold."""
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'),
            (_history_buffer_getattr, '__builtin__.getattr')
            ] + _numpy_globals()


def authors_globals() -> List[Allowed]:
    """What the authors' VideoMAE-layout checkpoints hold besides tensors:
    their training arguments, an ``argparse.Namespace``."""
    import argparse
    return [argparse.Namespace]


def trusted_globals() -> List[Allowed]:
    """The names in ``$SMILE_MM_SAFE_GLOBALS``, imported."""
    allowed: List[Allowed] = []
    for name in filter(None, os.environ.get(TRUST_ENV, '').split(',')):
        module, _, attr = name.strip().rpartition('.')
        try:
            allowed.append(getattr(importlib.import_module(module), attr))
        except (ImportError, AttributeError, ValueError):
            raise ValueError(f'{TRUST_ENV} names {name.strip()!r}, which '
                             'does not import') from None
    return allowed


def _allow_list_available() -> bool:
    return hasattr(torch.serialization, 'safe_globals') and hasattr(
        torch.serialization, 'get_unsafe_globals_in_checkpoint')


def _allowed_name(entry: Allowed) -> str:
    if isinstance(entry, tuple):
        return entry[1]
    return f'{entry.__module__}.{entry.__qualname__}'


def safe_load(path: str, map_location='cpu',
              allow: Sequence[Allowed] = ()) -> Any:
    """``torch.load`` that runs no code from the file.

    Args:
        path: A local checkpoint file.
        map_location: As ``torch.load``.
        allow: More classes or functions (or ``(object, 'pickled.name')``)
            a caller's layout needs.

    Raises:
        UnsafeCheckpointError: the file would call something else; the
            message names it and how to allow it.
        pickle.UnpicklingError: the file is no readable checkpoint.
    """
    allow_list = _allow_list_available()
    allowed = (mmengine_globals() + list(allow) + trusted_globals()
               if allow_list else [])
    try:
        with (torch.serialization.safe_globals(allowed) if allow_list else
              contextlib.nullcontext()):
            return torch.load(path, map_location=map_location,
                              weights_only=True)
    except (RuntimeError, EOFError) as error:  # truncated, garbled
        raise _unreadable(path, error) from None
    except pickle.UnpicklingError as error:
        reason = error
    if not allow_list:
        return _load_on_old_torch(path, map_location, reason)
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception as error:  # noqa: BLE001 - not a checkpoint at all
        raise _unreadable(path, error) from None
    names = {_allowed_name(entry) for entry in allowed}
    unsafe = [name for name in found if name not in names]
    if not unsafe:  # allowed names, a refused value (getattr of another)
        cause = reason.__context__ or reason
        raise UnsafeCheckpointError(f'{path}: {cause}')
    raise UnsafeCheckpointError(
        f'{path} would call {", ".join(unsafe)} while it is loaded; '
        'smile_mm loads checkpoints without running code from them and '
        "allows only what mmengine's checkpoints hold. If you trust this "
        f'file, allow them: {TRUST_ENV}="{",".join(unsafe)}"')


def _unreadable(path: str, error: BaseException) -> pickle.UnpicklingError:
    return pickle.UnpicklingError(
        f'{path} could not be read as a PyTorch checkpoint '
        f'({type(error).__name__}: {str(error).splitlines()[0]})')


def _load_on_old_torch(path: str, map_location, reason: Exception) -> Any:
    """``path`` unpickled in full where ``weights_only`` refused it."""
    if 'weights only' not in str(reason).lower():  # not a checkpoint
        raise _unreadable(path, reason)
    logging.getLogger('smile_mm').warning(
        f'torch {torch.__version__} cannot allow-list what {path} holds '
        'besides tensors, so it is loaded with full unpickling, as this '
        'torch loads by default: load only files you trust (torch >= 2.5 '
        'loads it safely)')
    try:
        return torch.load(path, map_location=map_location,
                          weights_only=False)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as error:
        raise _unreadable(path, error) from None
