"""Annotation lists (``path label`` lines), read strictly.

The label is split off the right of the line, so paths may contain spaces
(mmaction's ``VideoDataset`` splits on single spaces); any whitespace run
separates fields, blank lines are skipped, and a bad line is an
:class:`AnnotationError` naming the file, line number and line.
"""
from __future__ import annotations

import os.path as osp
import re
from typing import Callable, Iterator, List, NamedTuple, Optional, Tuple, \
    Union

Label = Union[int, float, List[int], None]


class Entry(NamedTuple):
    """One line of a list: where it is, the path as written, its label."""
    number: int
    line: str
    path: str
    label: Label


_LAST_FIELD = re.compile(r'^(?P<path>.*?\S)\s+(?P<value>\S+)$')
_INT_FIELDS = re.compile(r'^(?P<path>.*?\S)(?P<values>(?:\s+-?\d+)+)$')


class AnnotationError(ValueError):
    """A line (or a whole list) that cannot be read."""


def annotation_lines(path: str) -> Iterator[Tuple[int, str]]:
    """(line number, stripped line) of the non-blank lines of ``path``."""
    if not osp.isfile(path):
        raise AnnotationError(f'annotation list {path} does not exist')
    found = False
    with open(path, encoding='utf-8') as file:
        for number, line in enumerate(file, 1):
            if line.strip():
                found = True
                yield number, line.strip()
    if not found:
        raise AnnotationError(
            f'annotation list {path} holds no lines; write one video per '
            "line as 'path label'")


def _bad(path: str, number: int, line: str, problem: str) -> AnnotationError:
    return AnnotationError(f'{path}:{number}: {problem} in {line!r}')


def entry_error(path: str, entry: Entry, problem: str) -> AnnotationError:
    """An error about ``entry`` of the list ``path``, naming both."""
    return _bad(path, entry.number, entry.line, problem)


def _split(line: str, delimiter: str) -> Tuple[str, Optional[str]]:
    """(path, last field) of a line; (line, None) without a second field."""
    if delimiter.strip():
        path, _, value = line.rpartition(delimiter)
        return (path.strip(), value.strip()) if path.strip() else (line, None)
    match = _LAST_FIELD.match(line)
    return (match['path'], match['value']) if match else (line, None)


def read_video_list(path: str, label_type: Callable = int,
                    multi_label: bool = False,
                    num_classes: Optional[int] = None,
                    label_required: bool = False, delimiter: str = ' ',
                    value_name: str = 'label') -> List[Entry]:
    """Read ``path label`` lines.

    Args:
        path: The list file.
        label_type: ``int`` (class labels) or ``float`` (counts).
        multi_label: Several integer labels after the path.
        num_classes: Labels must lie in ``[0, num_classes)``.
        label_required: A line without a label is an error; otherwise its
            label is -1 (mmaction's lists for inference) or ``None``.
        delimiter: Field separator; ``' '`` means any run of whitespace.
        value_name: What the last field is, for messages (``'count'``).

    Returns:
        list: an :class:`Entry` per non-blank line.

    Raises:
        AnnotationError: naming the file, line number and line.
    """
    entries = []
    for number, line in annotation_lines(path):
        if multi_label:
            if delimiter.strip():
                name, *values = [f.strip() for f in line.split(delimiter)]
            elif match := _INT_FIELDS.match(line):
                name, values = match['path'], match['values'].split()
            else:
                raise _bad(path, number, line, 'no integer labels after the '
                           'path (lines are "path label label ...")')
            try:
                label: Label = [int(v) for v in values]
            except ValueError:
                raise _bad(path, number, line, 'a label is not an integer') \
                    from None
            if not label:
                raise _bad(path, number, line, 'no labels')
        else:
            name, value = _split(line, delimiter)
            if value is None:
                if label_required:
                    raise _bad(path, number, line, f'no {value_name} after '
                               f'the path (lines are "path {value_name}")')
                entries.append(Entry(number, line, name,
                                     -1 if label_type is int else None))
                continue
            try:
                label = label_type(value)
            except ValueError:
                kind = 'an integer' if label_type is int else 'a number'
                raise _bad(path, number, line, f'the {value_name} {value!r} '
                           f'is not {kind} (lines are "path {value_name}"; '
                           f'the {value_name} is the last field, so paths '
                           'may contain spaces)') from None
        labels = label if isinstance(label, list) else [label]
        if label_type is int and num_classes is not None and any(
                not 0 <= v < num_classes for v in labels):
            raise _bad(path, number, line, f'a label is outside [0, '
                       f'{num_classes}) (num_classes={num_classes})')
        entries.append(Entry(number, line, name, label))
    return entries


def read_path_list(path: str) -> List[str]:
    """Paths, one per non-blank line; a trailing integer field (the label of
    a ``path label`` list) is dropped, so such lists serve too."""
    paths = []
    for _, line in annotation_lines(path):
        match = _LAST_FIELD.match(line)
        if match and re.fullmatch(r'-?\d+', match['value']):
            line = match['path']
        paths.append(line)
    return paths
