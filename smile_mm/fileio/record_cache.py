"""A folder of named arrays and a JSON record of what produced them, reused
only when the record matches and the arrays read back as recorded;
concurrent writers rename their own temporaries. Input files are recorded
by their sha256 (:func:`file_digest`).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import os.path as osp
from typing import Dict, Tuple

import numpy as np
import torch

from .atomic_write import temporary_path, write_bytes_whole, write_whole
from .safe_load import safe_load


def file_digest(path: str) -> str:
    """sha256 of a file, read in 16 MB pieces."""
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for piece in iter(lambda: file.read(1 << 24), b''):
            digest.update(piece)
    return digest.hexdigest()


class StaleEntry(Exception):
    """Why an entry is not reused (absent, made otherwise, or damaged)."""


def _described(array) -> str:
    return f'{array.dtype} {list(array.shape)}'  # 'float32 [5, 4, 1]'


class RecordCache:
    """One entry: array files and the record of what produced them.

    Args:
        record: Path of the record (``.json``).
        arrays: Each array's name and file (``.npy``, or ``.pt`` for a
            tensor saved by ``torch.save``).
    """

    def __init__(self, record: str, arrays: Dict[str, str]) -> None:
        self.record, self.arrays = record, arrays

    def read(self, produced_by: Dict) -> Tuple[Dict[str, np.ndarray], Dict]:
        """(arrays by name, record) if the entry may be reused.

        Args:
            produced_by: What the arrays must be made by (JSON values; others
                compare as ``str``).

        Raises:
            StaleEntry: says why not, e.g. ``'made with other stride'`` or
                ``'features holds float32 [3, 8], recorded float32 [4, 8]'``.
        """
        if not osp.isfile(self.record):
            raise StaleEntry('no record of what made it')
        try:
            with open(self.record) as file:
                record = json.load(file)
            made = dict(record['produced_by'])  # KeyError: an older layout
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise StaleEntry(f'its record {self.record} is unreadable or of '
                             f'an older layout ({type(error).__name__})'
                             ) from None
        wanted = json.loads(json.dumps(produced_by, default=str,
                                       sort_keys=True))  # as it is written
        changed = sorted(key for key in {*made, *wanted} if json.dumps(
            made.get(key)) != json.dumps(wanted.get(key)))  # True is not 1
        if changed:
            raise StaleEntry('made with other ' + ', '.join(changed))
        arrays = {}
        for name, path in self.arrays.items():
            try:
                arrays[name] = safe_load(path).numpy() if path.endswith(
                    '.pt') else np.load(path, mmap_mode='r')
            except Exception as error:  # noqa: BLE001 - truncated, gone
                raise StaleEntry(
                    f'unreadable ({type(error).__name__})') from None
            found, recorded = _described(arrays[name]), record.get(
                'arrays', {}).get(name)
            if found != recorded:
                raise StaleEntry(f'{name} holds {found}, recorded {recorded}')
        return arrays, record

    def write(self, produced_by: Dict, arrays: Dict[str, np.ndarray],
              **extra) -> None:
        """Remove the record, write every array whole, then the record.

        Args:
            produced_by: What made the arrays, for :meth:`read`.
            arrays: Every array by name; a ``np.memmap`` of its file's
                :func:`~smile_mm.fileio.temporary_path` (one too large
                for memory, filled in place) is renamed into place.
            **extra: More of the record (JSON values).

        Raises:
            OSError: a file could not be written; the message names it.
        """
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.record)  # no record of other arrays meanwhile
        for name, array in arrays.items():
            path = self.arrays[name]
            if getattr(array, 'filename', None) == temporary_path(path):
                array.flush()
                os.replace(array.filename, path)
            else:
                write_whole(path, lambda file, a=array, pt=path.endswith(
                    '.pt'): torch.save(torch.from_numpy(a), file) if pt
                    else np.save(file, a))
        record = dict(extra, produced_by=produced_by, arrays={
            name: _described(array) for name, array in arrays.items()})
        write_bytes_whole(json.dumps(record, indent=1, sort_keys=True,
                                     default=str).encode(), self.record)
