"""The set of segmented objects that :class:`SyntheticMotionOverlay` pastes.

Objects are generated from a seed (``'procedural'``, nothing to download,
:mod:`.procedural_objects`) or read from a folder (``'rgba'``,
``'image_mask'``, :mod:`.object_folders`), checked and decoded once into
one uint8 array. Folder banks are cached (:mod:`.object_cache`), so later
runs and data-loader workers map that array instead of decoding files.
"""
from __future__ import annotations

import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from ...fileio import StaleEntry
from .object_cache import bank_entry, default_cache_dir
from .object_folders import LAYOUTS, FolderLayout, read_objects
from .object_images import fit_object
from .procedural_objects import make_objects

SOURCES = ('procedural', ) + tuple(LAYOUTS)


class ObjectBank:
    """Segmented RGBA objects held in memory, premultiplied by alpha.

    Objects are stored top-left aligned in :attr:`pixels`, their (height,
    width) in :attr:`sizes` ([N, 2] int32).

    Args:
        source: ``'procedural'``, ``'rgba'`` or ``'image_mask'``.
        root: Folder of the object set; required by the folder sources.
        max_side: Longest stored object side in pixels (128: the paper's
            largest object size).
        num_objects: Number of procedural objects.
        seed: Seed of the procedural objects.
        min_alpha_pixels: Objects with fewer visible pixels are invalid.
        skip_invalid: If False (default) an invalid object is an error that
            lists every bad file; if True they are skipped with a warning.
        cache_dir: Folder of the cache files of folder banks; None means
            :func:`~smile_mm.datasets.objects.object_cache.default_cache_dir`,
            ``False`` disables the cache.
        num_workers: Processes that decode a folder bank the first time
            (default: up to 8, one per CPU).

    Example:
        >>> bank = ObjectBank.procedural(num_objects=16)
        >>> rgba = bank[0]                            # [h, w, 4] uint8
        >>> bank = ObjectBank('rgba', root='data/objects')  # doctest: +SKIP
    """

    def __init__(self, source: str = 'procedural',
                 root: Optional[str] = None, max_side: int = 128,
                 num_objects: int = 256, seed: int = 0,
                 min_alpha_pixels: int = 16, skip_invalid: bool = False,
                 cache_dir: Union[str, bool, None] = None,
                 num_workers: Optional[int] = None) -> None:
        if source not in SOURCES:
            raise ValueError(f'ObjectBank source {source!r} is unknown; '
                             f'choose one of {SOURCES}')
        if max_side < 8:
            raise ValueError(f'max_side must be at least 8, got {max_side}')
        if source != 'procedural' and root is None:
            raise ValueError(
                f"ObjectBank source {source!r} needs root=<folder>; use "
                "source='procedural' for objects that need no files")
        self.source = source
        self.root = root
        self.max_side = int(max_side)
        self.num_objects = num_objects
        self.seed = seed
        self.min_alpha_pixels = min_alpha_pixels
        self.skip_invalid = skip_invalid
        self.cache_dir = (default_cache_dir() if cache_dir is None else
                          cache_dir)
        self.num_workers = num_workers
        self._pixels: Optional[np.ndarray] = None
        self._cache_path: Optional[str] = None
        if source == 'procedural':
            self._make_procedural()
        else:
            self._read_folder(LAYOUTS[source])

    @classmethod
    def procedural(cls, num_objects: int = 256, seed: int = 0,
                   max_side: int = 128) -> 'ObjectBank':
        """``num_objects`` generated objects; the same seed, the same ones.
        Names are ``'procedural/<shape>/<index>'``, categories the shapes."""
        return cls('procedural', max_side=max_side, num_objects=num_objects,
                   seed=seed)

    @classmethod
    def from_folder(cls, root: str, layout: str = 'rgba',
                    max_side: int = 128, min_alpha_pixels: int = 16,
                    skip_invalid: bool = False,
                    cache_dir: Union[str, bool, None] = None,
                    num_workers: Optional[int] = None) -> 'ObjectBank':
        """The objects of a folder, in the order of their sorted paths.

        Names are paths relative to ``root``, categories the folders below
        it (below ``images/`` for ``'image_mask'``).

        Args:
            root: The folder.
            layout: ``'rgba'`` or ``'image_mask'``.
            max_side, min_alpha_pixels, skip_invalid, cache_dir,
            num_workers: As :class:`ObjectBank`.
        """
        if layout not in LAYOUTS:
            raise ValueError(
                f'folder layout {layout!r} is unknown; choose one of '
                f'{tuple(LAYOUTS)}, or ObjectBank.procedural() for objects '
                'that need no files')
        return cls(layout, root=root, max_side=max_side,
                   min_alpha_pixels=min_alpha_pixels,
                   skip_invalid=skip_invalid, cache_dir=cache_dir,
                   num_workers=num_workers)

    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, index: int) -> np.ndarray:
        """Object ``index`` as premultiplied RGBA uint8, shape [h, w, 4]."""
        height, width = self.sizes[index]
        return self.pixels[index, :height, :width]

    @property
    def pixels(self) -> np.ndarray:
        """All objects, [N, max_side, max_side, 4] uint8, top-left aligned."""
        if self._pixels is None:  # read from the cache, or unpickled
            try:
                self._pixels = np.load(self._cache_path, mmap_mode='r')
            except FileNotFoundError:
                raise FileNotFoundError(
                    f'object bank cache file {self._cache_path} is gone '
                    '(removed while the bank was in use); build the bank '
                    'again') from None
        return self._pixels

    def __getstate__(self) -> Dict:
        state = self.__dict__.copy()
        if self._cache_path is not None:
            state['_pixels'] = None  # workers map the cache file themselves
        return state

    def __repr__(self) -> str:
        where = f', root={self.root!r}' if self.root else ''
        return (f'{type(self).__name__}(source={self.source!r}{where}, '
                f'{len(self)} objects, max_side={self.max_side})')

    def _store(self, objects: Sequence[np.ndarray], names: List[str],
               categories: List[str]) -> None:
        """Pack ``objects`` ([h, w, 4] uint8 each) into :attr:`pixels`."""
        side = self.max_side
        self._pixels = np.zeros((len(objects), side, side, 4), np.uint8)
        self.sizes = np.zeros((len(objects), 2), np.int32)
        for index, rgba in enumerate(objects):
            height, width = rgba.shape[:2]
            self._pixels[index, :height, :width] = rgba
            self.sizes[index] = (height, width)
        self.names, self.categories = names, categories

    def _make_procedural(self) -> None:
        objects, categories = make_objects(self.num_objects, self.max_side,
                                           self.seed)
        self._store([fit_object(rgba, self.max_side) for rgba in objects],
                    [f'procedural/{c}/{i}' for i, c in enumerate(categories)],
                    categories)

    def _read_folder(self, layout: FolderLayout) -> None:
        """Map the bank's cache entry, or decode the folder and write it."""
        listing = layout.list_objects(self.root)
        cache = None
        if self.cache_dir:
            cache, made = bank_entry(
                self.cache_dir, self.root,
                [path for item in listing for path in item.paths],
                dict(source=self.source, max_side=self.max_side,
                     min_alpha_pixels=self.min_alpha_pixels,
                     skip_invalid=self.skip_invalid))
            try:
                arrays, record = cache.read(made)
                names, categories, sizes = (record.get(key, ()) for key in
                                            ('names', 'categories', 'sizes'))
                count = len(arrays['pixels'])
                if not len(names) == len(categories) == len(sizes) == count:
                    raise StaleEntry(
                        f'it lists {len(names)} names, {len(categories)} '
                        f'categories and {len(sizes)} sizes of {count} '
                        'objects')
                self.names, self.categories = names, categories
                self.sizes = np.asarray(sizes, np.int32).reshape(-1, 2)
                self._cache_path = cache.arrays['pixels']
                return
            except StaleEntry as why:
                if osp.isfile(cache.record):  # there, but not as recorded
                    warnings.warn(f'object bank cache entry {cache.record} '
                                  f'is broken ({why}); the bank is decoded '
                                  'again and the entry rewritten')
        decoded = read_objects(layout, self.root, listing, self.max_side,
                               self.min_alpha_pixels, self.skip_invalid,
                               self.num_workers)
        self._store([rgba for _, rgba in decoded],
                    [item.name for item, _ in decoded],
                    [item.category for item, _ in decoded])
        if cache is None:
            return
        try:
            cache.write(made, dict(pixels=self._pixels), names=self.names,
                        categories=self.categories, root=self.root,
                        sizes=self.sizes.tolist())
            self._cache_path = cache.arrays['pixels']
        except OSError as error:
            warnings.warn(f'object bank cache {self.cache_dir} is not '
                          f'writable ({error}); the bank stays in memory and '
                          'is decoded again next run. Set cache_dir to a '
                          'writable folder.')
