"""What loading a checkpoint into a model loads, leaves out and lacks.

mmengine lists hundreds of unexpected and missing keys when a pretraining
checkpoint (encoder, decoder) starts a recognizer (encoder, new head).
:func:`compare_state` sorts them: a checkpoint part the model lacks (the
decoder) is left out and a model part the checkpoint lacks (a new head)
starts fresh, as expected; a tensor missing from a part the checkpoint has,
or of another shape, matters. :func:`load_weights` logs it in one line.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from typing import (AbstractSet, Dict, List, Mapping, NamedTuple, Sequence,
                    Set, Tuple)

from mmengine.runner.checkpoint import _load_checkpoint_to_model
from torch import nn

#: mmengine's load_from strips a DataParallel prefix
REVISE_KEYS = ((r'^module\.', ''), )

Shape = Tuple[int, ...]


class CheckpointMismatchError(ValueError):
    """A checkpoint that does not fit the model where it must."""


class LoadReport(NamedTuple):
    """How a checkpoint's tensors meet a model's."""
    loaded: int  # tensors of the model the checkpoint gives, same shape
    total: int  # tensors of the model
    left_out: Dict[str, int]  # checkpoint parts the model lacks: count
    new: Dict[str, int]  # model parts the checkpoint lacks: count
    missing: List[str]  # model tensors of parts the checkpoint does have
    mismatched: List[Tuple[str, Shape, Shape]]  # name, checkpoint, model
    adapted: List[str]  # entries the model adapts as it loads them


def shapes(state: Mapping) -> Dict[str, Shape]:
    """Name: shape of every tensor of a state dict."""
    return {key: tuple(getattr(value, 'shape', ()))
            for key, value in state.items()}


def adapted_on_load(model: nn.Module) -> Set[str]:
    """The state-dict entries that the model's modules adapt when they load
    them (``adapted_on_load``: local names, e.g. ``('pos_embed', )``)."""
    return {f'{name}.{key}' if name else key
            for name, module in model.named_modules()
            for key in getattr(module, 'adapted_on_load', ())}


def _part(key: str, other: Sequence[str]) -> str:
    """The shortest leading part of ``key`` that no name of ``other``
    starts with (``neck`` for a decoder weight a recognizer lacks)."""
    parts = key.split('.')
    for depth in range(1, len(parts) + 1):
        prefix = '.'.join(parts[:depth])
        if not any(name == prefix or name.startswith(prefix + '.')
                   for name in other):
            return prefix
    return key


def compare_state(model: Mapping[str, Shape],
                  checkpoint: Mapping[str, Shape],
                  adapted: AbstractSet[str] = frozenset()) -> LoadReport:
    """Sort the tensors of a model and of a checkpoint (name: shape).

    Args:
        model: The model's state dict shapes.
        checkpoint: The checkpoint's, with the prefixes the loader strips
            already stripped.
        adapted: Entries the model adapts as it loads them
            (:func:`adapted_on_load`); empty to compare strictly.

    Returns:
        LoadReport: the counts and names, parts sorted by name.
    """
    both = [key for key in model if key in checkpoint]
    differ = [key for key in both
              if tuple(checkpoint[key]) != tuple(model[key])]
    mismatched = [(key, tuple(checkpoint[key]), tuple(model[key]))
                  for key in differ if key not in adapted]
    absent = [key for key in model if key not in checkpoint]
    new: Counter = Counter()
    missing = []
    for key in set(absent) - adapted:
        part = _part(key, list(checkpoint))
        # a tensor of a module the checkpoint has, or a part inside a block
        if part == key or part.count('.') > 1:
            missing.append(key)
        else:
            new[part] += 1
    left_out = Counter(_part(key, list(model)) for key in checkpoint
                       if key not in model)
    changed = sorted(key for key in adapted if key in differ or key in absent)
    return LoadReport(
        loaded=len(both) - len(mismatched), total=len(model),
        left_out=dict(sorted(left_out.items())), new=dict(sorted(new.items())),
        missing=sorted(missing), mismatched=mismatched, adapted=changed)


def _parts(counts: Mapping[str, int]) -> str:
    return ', '.join(f'{part} ({count})' for part, count in counts.items())


def _names(names: Sequence[str], most: int = 3) -> str:
    shown = ', '.join(names[:most])
    return shown + (f' and {len(names) - most} more' if len(names) > most
                    else '')


def load_summary(report: LoadReport, filename: str) -> str:
    """One line: what was loaded, what was left out or starts fresh as
    expected, and what is missing or of another shape."""
    line = (f'Loaded {filename}: {report.loaded} of the model\'s '
            f'{report.total} tensors')
    if report.left_out:
        line += ('; left out, parts this model does not have: '
                 + _parts(report.left_out))
    if report.new:
        line += '; new, initialised here: ' + _parts(report.new)
    if report.adapted:
        line += ('; adapted to this model as they load: '
                 + _names(report.adapted))
    problems = matters(report)
    line += '; ' + ('what matters: ' + problems if problems else
                    'nothing else differs')
    return line


def matters(report: LoadReport) -> str:
    """The tensors that are missing from parts the checkpoint has, or of
    another shape; empty when there are none."""
    problems = []
    if report.mismatched:
        problems.append(f'{len(report.mismatched)} of another shape ('
                        + _names([f'{key} {ckpt} in the checkpoint, {own} '
                                  'here' for key, ckpt, own in
                                  report.mismatched]) + ')')
    if report.missing:
        problems.append(f'{len(report.missing)} missing ('
                        + _names(report.missing) + ')')
    return ', '.join(problems)


def revised_state(checkpoint: Mapping,
                  revise_keys: Sequence[Tuple[str, str]] = REVISE_KEYS
                  ) -> Dict:
    """The state dict of a checkpoint (its ``state_dict``, else itself) with
    the key rewrites mmengine's loader applies."""
    state = checkpoint.get('state_dict', checkpoint)
    for pattern, replacement in revise_keys:
        state = {re.sub(pattern, replacement, key): value
                 for key, value in state.items()}
    return state


def load_weights(model: nn.Module, checkpoint: dict, filename: str,
                 logger: logging.Logger,
                 revise_keys: Sequence[Tuple[str, str]] = REVISE_KEYS,
                 strict: bool = False) -> Tuple[dict, LoadReport]:
    """Load ``checkpoint`` into ``model`` as mmengine's ``load_from`` does,
    and log one line of what was loaded (a warning when something
    matters); mmengine's key lists go to ``logger``'s files only.

    Returns:
        (the checkpoint, the report).
    """
    report = compare_state(shapes(model.state_dict()),
                           shapes(revised_state(checkpoint, revise_keys)),
                           adapted_on_load(model))
    to_file = logging.getLogger(f'{logger.name}.key_lists')
    to_file.propagate = False
    to_file.handlers = [handler for handler in logger.handlers
                        if isinstance(handler, logging.FileHandler)]
    checkpoint = _load_checkpoint_to_model(model, checkpoint, strict,
                                           logger=to_file,
                                           revise_keys=list(revise_keys))
    logger.log(logging.WARNING if matters(report) else logging.INFO,
               load_summary(report, filename))
    return checkpoint, report
