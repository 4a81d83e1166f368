"""Every top-level entry of a smile_mm config reaches the run.

A top-level entry is either read by mmengine's runners and the tools
(:data:`RUN_KEYS`) or a setting that reaches one of those through
``'${name}'`` references; anything else (a typo, a setting nothing reads)
is an error, and a setting set to ``None`` is retired. Only smile_mm's
configs are checked (see ``docs/settings.md``).
"""
from __future__ import annotations

import difflib
import inspect
from typing import (Any, Dict, Iterable, Iterator, List, Mapping, Optional,
                    Set, Tuple)

from .config_references import reference_names


class ConfigSettingError(ValueError):
    """A top-level config entry that reaches nothing."""


def _runner_arguments() -> Set[str]:
    from mmengine.runner import FlexibleRunner, Runner
    names = {name for runner in (Runner, FlexibleRunner)
             for name in inspect.signature(runner.__init__).parameters}
    return names - {'self', 'cfg'}


#: top-level entries read by mmengine's runners and tools (besides their
#: arguments): mmengine's Config (custom_imports), the train tools
#: (runner_type), Runner.wrap_model and Runner.train, mmengine's
#: test-time augmentation (tta_*), mmaction2's inference_recognizer and
#: smile_mm.apis (test_pipeline)
RUN_KEYS = frozenset(_runner_arguments() | {
    'custom_imports', 'runner_type', 'model_wrapper_cfg', 'sync_bn',
    'find_unused_parameters', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'init_weights_for_test_or_val',
    'tta_model', 'tta_pipeline', 'test_pipeline'})


def _imports_smile_mm(entries: Mapping) -> bool:
    imports = (entries.get('custom_imports') or {}).get('imports') or []
    imports = [imports] if isinstance(imports, str) else imports
    return any(name == 'smile_mm' or name.startswith('smile_mm.')
               for name in imports)


def _children(value: Any) -> Iterable[Tuple[Any, Any]]:
    """(key, item) of a mapping, (index, item) of a list or tuple."""
    if isinstance(value, Mapping):
        return value.items()
    return enumerate(value) if isinstance(value, (list, tuple)) else ()


def _references(value: Any) -> Iterator[str]:
    """The top-level names that the references inside ``value`` start
    with."""
    if isinstance(value, str):
        yield from (name.split('.')[0] for name in reference_names(value))
    for _, item in _children(value):
        yield from _references(item)


def unreached_settings(entries: Mapping,
                       refers: Optional[Mapping[str, Set[str]]] = None
                       ) -> Dict[str, List[str]]:
    """The top-level entries that no run entry reads, directly or through
    references, each with the unread entries that refer to it; a setting
    set to None is retired, not unread.

    Args:
        entries: The top-level entries, references unresolved.
        refers: Each entry's referenced top-level names, where the caller
            has them.
    """
    if refers is None:
        refers = {key: set(_references(value))
                  for key, value in entries.items()}
    reached: Set[str] = set()
    waiting = [key for key in entries if key in RUN_KEYS]
    while waiting:
        key = waiting.pop()
        if key in reached:
            continue
        reached.add(key)
        waiting.extend(name for name in refers[key] if name in entries)
    unread = [key for key in entries
              if key not in reached and entries[key] is not None]
    return {key: sorted(reader for reader in unread
                        if reader != key and key in refers[reader])
            for key in unread}


def _parts_named(value: Any, name: str, path: str) -> Iterator[str]:
    """The paths inside ``value`` (at ``path``) of items written without a
    reference whose key is ``name`` (``model.cls_head.num_classes`` for
    ``num_classes``)."""
    for key, item in _children(value):
        if key == name and not list(_references(item)):
            yield f'{path}.{key}'
        yield from _parts_named(item, name, f'{path}.{key}')


def _why(key: str, readers: List[str], entries: Mapping, text: str) -> str:
    """Why ``key`` reaches nothing, and what to do."""
    if readers:
        return (f'only {", ".join(readers)} refer(s) to it, and nothing '
                'reads those')
    parts = [part for run, value in entries.items() if run in RUN_KEYS
             for part in _parts_named(value, key, run)]
    read_once = f'${{{key}}}' in text or f'${{{key}.' in text
    if read_once and parts:  # an option or a child set its readers
        return (f'no part of the config reads it any more: '
                f'{", ".join(parts[:3])} was set directly; set {key} '
                'instead, or, in a child config that replaces its readers '
                f'on purpose, retire it with {key} = None')
    why = 'no part of the config reads it' + (' any more' * read_once)
    if parts:
        why += (f'; the run has a part of that name: set it by its path '
                f'({parts[0]}=...)')
    return why


def check_settings(entries: Mapping, filename: Optional[str] = None,
                   text: str = '') -> Set[str]:
    """Raise when a top-level entry of a smile_mm config (one that imports
    smile_mm or writes ``${...}`` references) reaches nothing.

    Args:
        entries: The top-level entries of the config, references unresolved.
        filename: The config file, for the message.
        text: The text of the config's files (``Config.text``), which
            tells a setting the files read from one they never did.

    Returns:
        The settings (the entries other than :data:`RUN_KEYS`), which
        resolving folds away; none for another config.

    Raises:
        ConfigSettingError: naming every such entry, the closest entries the
            config has and the entries that are read.
    """
    refers = {key: set(_references(value)) for key, value in entries.items()}
    if not (_imports_smile_mm(entries) or any(refers.values())):
        return set()
    unreached = unreached_settings(entries, refers)
    if text:  # None retires a setting the files write, not a name they lack
        unreached.update((key, []) for key, value in entries.items() if value
                         is None and key not in RUN_KEYS and key not in text)
    if not unreached:
        return set(entries) - RUN_KEYS
    known = sorted(set(entries) - set(unreached))
    lines = []
    for key, readers in sorted(unreached.items()):
        line = f'  {key}: ' + _why(key, readers, entries, text)
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        if close:
            line += f'; did you mean {" or ".join(close)}?'
        lines.append(line)
    settings = sorted(key for key in set(known) - RUN_KEYS
                      if entries[key] is not None)  # not the retired ones
    where = f' of {filename}' if filename else ''
    raise ConfigSettingError(
        f'{len(unreached)} top-level setting(s){where} would reach nothing, '
        'so a run would silently ignore them:\n' + '\n'.join(lines) +
        '\nSet one of the settings this config reads: '
        + (', '.join(settings) or '(none)') +
        '; or a part of the run by its path (model.backbone.arch=..., '
        'train_dataloader.dataset.pipeline.3.scale=...). In a config file, '
        'a helper of that file is named __name (mmengine drops it).')
