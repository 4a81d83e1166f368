"""Where a folder bank is cached, decoded once, then memory-mapped.

An entry is a :class:`~smile_mm.fileio.RecordCache` (``<key>.npy``, the
pixels, and ``<key>.json``, the record) keyed by a hash of what the bank was
built from, so a changed, added or removed file gives another entry.
"""
from __future__ import annotations

import hashlib
import json
import os
import os.path as osp
from typing import Dict, Iterable, Tuple

from ...fileio import RecordCache

CACHE_VERSION = 2  # entries of version 1 (no produced_by) are not found


def default_cache_dir() -> str:
    """``$SMILE_MM_CACHE`` or ``~/.cache/smile_mm``, plus ``object_banks``."""
    root = os.environ.get('SMILE_MM_CACHE',
                          osp.join(osp.expanduser('~'), '.cache', 'smile_mm'))
    return osp.join(root, 'object_banks')


def bank_entry(folder: str, root: str, paths: Iterable[str],
               settings: Dict) -> Tuple[RecordCache, Dict]:
    """(the entry in ``folder`` of a bank built from ``paths`` under
    ``root``, what it is made of: its ``produced_by``).

    Args:
        folder: The cache folder; created on the first write.
        root: The bank's folder; its absolute path is part of the record.
        paths: Every file the bank reads, in order; their relative paths,
            sizes and modification times are recorded (a missing one too).
        settings: Whatever else changes the decoded objects (JSON values).
    """
    files = []
    for path in paths:
        try:
            stat = os.stat(path)
            size, mtime = stat.st_size, stat.st_mtime_ns
        except FileNotFoundError:
            size = mtime = -1
        files.append((osp.relpath(path, root), size, mtime))
    made = dict(settings, version=CACHE_VERSION, root=osp.abspath(root),
                files=files)
    key = hashlib.sha1(json.dumps(made, sort_keys=True).encode()).hexdigest()
    return RecordCache(osp.join(folder, f'{key[:20]}.json'), dict(
        pixels=osp.join(folder, f'{key[:20]}.npy'))), made
