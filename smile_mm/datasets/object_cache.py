"""The cache of a folder bank: decoded once, then memory-mapped.

An entry is named by a key hashed from everything the bank was built from:
its source and settings, its root and every file's relative path, size and
modification time. A changed, added or removed file gives another key, so a
stale entry is never found. An entry is two files, each written whole
(:func:`smile_mm.fileio.write_whole`): ``<key>.npy``, the pixels, then
``<key>.json``, the names, categories and sizes. The metadata is written
last, so an entry without it is not there yet; an entry whose files do not
agree (a pixel file truncated or copied from elsewhere, a garbled metadata
file) is not used: the bank is decoded again and the entry rewritten.
"""
from __future__ import annotations

import hashlib
import json
import os
import os.path as osp
import warnings
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

import numpy as np

from smile_mm.fileio import write_bytes_whole, write_whole

CACHE_VERSION = 1


def default_cache_dir() -> str:
    """``$SMILE_MM_CACHE`` or ``~/.cache/smile_mm``, plus ``object_banks``."""
    root = os.environ.get('SMILE_MM_CACHE',
                          osp.join(osp.expanduser('~'), '.cache', 'smile_mm'))
    return osp.join(root, 'object_banks')


def cache_key(root: str, paths: Iterable[str], settings: Dict) -> str:
    """The name of the entry of a bank built from ``paths`` under ``root``.

    Args:
        root: The bank's folder; its absolute path is part of the key.
        paths: Every file the bank reads, in order; a missing one counts.
        settings: Whatever else changes the decoded objects (JSON values).

    Returns:
        str: 20 hex digits.
    """
    files = []
    for path in paths:
        try:
            stat = os.stat(path)
            size, mtime = stat.st_size, stat.st_mtime_ns
        except FileNotFoundError:
            size = mtime = -1
        files.append((osp.relpath(path, root), size, mtime))
    description = dict(settings, version=CACHE_VERSION,
                       root=osp.abspath(root), files=files)
    blob = json.dumps(description, sort_keys=True).encode()
    return hashlib.sha1(blob).hexdigest()[:20]


def map_pixels(path: str) -> np.ndarray:
    """The pixels of a cache entry, memory-mapped read-only.

    Returns:
        np.memmap: [N, side, side, 4] uint8.

    Raises:
        FileNotFoundError: the entry was removed while a bank used it.
    """
    try:
        return np.load(path, mmap_mode='r')
    except FileNotFoundError:
        raise FileNotFoundError(
            f'object bank cache file {path} is gone (removed while the bank '
            'was in use); build the bank again') from None


@dataclass
class CachedObjects:
    """A complete cache entry, its pixels still on disk.

    Attributes:
        pixels_path: The ``.npy`` file, for :func:`map_pixels`.
        names: Each object's name.
        categories: Each object's category.
        sizes: [N, 2] int32, each object's (height, width).
    """
    pixels_path: str
    names: List[str]
    categories: List[str]
    sizes: np.ndarray


class ObjectCache:
    """The entry of one bank in a cache folder.

    Args:
        folder: The cache folder; created on the first write.
        key: From :func:`cache_key`.
    """

    def __init__(self, folder: str, key: str) -> None:
        self.folder = folder
        self.pixels_path = osp.join(folder, f'{key}.npy')
        self.meta_path = osp.join(folder, f'{key}.json')

    def read(self, side: int) -> Optional[CachedObjects]:
        """The entry if it is there and whole, else None.

        Args:
            side: The bank's ``max_side``: the pixels must be [N, side,
                side, 4] uint8, N the number of names.

        Returns:
            CachedObjects or None; None with a warning when the entry is
            there but broken (it is then rebuilt and overwritten).
        """
        if not osp.isfile(self.meta_path):
            return None
        try:
            return self._load(side)
        except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
            warnings.warn(f'object bank cache entry {self.meta_path} is '
                          f'broken ({type(error).__name__}: {error}); the '
                          'bank is decoded again and the entry rewritten')
            return None

    def _load(self, side: int) -> CachedObjects:
        """:meth:`read` of an entry with metadata; raises if it is broken."""
        with open(self.meta_path) as file:
            meta = json.load(file)
        names, categories = meta['names'], meta['categories']
        sizes = np.asarray(meta['sizes'], np.int32).reshape(-1, 2)
        if len(categories) != len(names) or len(sizes) != len(names):
            raise ValueError(f'it lists {len(names)} names, '
                             f'{len(categories)} categories and '
                             f'{len(sizes)} sizes')
        pixels = np.load(self.pixels_path, mmap_mode='r')
        expected = (len(names), side, side, 4)
        if pixels.shape != expected or pixels.dtype != np.uint8:
            raise ValueError(f'{self.pixels_path} holds {pixels.dtype} '
                             f'{pixels.shape}, not uint8 {expected}')
        return CachedObjects(self.pixels_path, names, categories, sizes)

    def write(self, pixels: np.ndarray, sizes: np.ndarray, names: List[str],
              categories: List[str], root: str) -> bool:
        """Write the entry, pixels first.

        Args:
            pixels: [N, side, side, 4] uint8.
            sizes: [N, 2] int, each object's (height, width).
            names: Each object's name.
            categories: Each object's category.
            root: The bank's folder, recorded for whoever reads the entry.

        Returns:
            bool: False, with a warning, when the folder is not writable.
        """
        meta = dict(names=names, categories=categories, sizes=sizes.tolist(),
                    root=root)
        try:
            write_whole(self.pixels_path, lambda file: np.save(file, pixels))
            write_bytes_whole(json.dumps(meta).encode(), self.meta_path)
        except OSError as error:
            warnings.warn(f'object bank cache {self.folder} is not writable '
                          f'({error}); the bank stays in memory and is '
                          'decoded again next run. Set cache_dir to a '
                          'writable folder.')
            return False
        return True
