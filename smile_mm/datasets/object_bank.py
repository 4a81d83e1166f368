"""The set of segmented objects that :class:`SyntheticMotionOverlay` pastes.

Three sources:

* ``'procedural'`` (default, :meth:`ObjectBank.procedural`): shapes with
  textures and alpha generated deterministically from a seed
  (:mod:`smile_mm.datasets.procedural_objects`); nothing to download.
* ``'rgba'`` and ``'image_mask'`` (:meth:`ObjectBank.from_folder`): a folder
  of RGBA PNGs in the paper's layout, or of image and mask pairs
  (:mod:`smile_mm.datasets.object_folders`).

Every object is checked and decoded once, when the bank is built, into one
uint8 array. Folder banks are cached (:mod:`smile_mm.datasets.object_cache`)
so that later runs and data-loader workers map that array into memory
instead of decoding files: nothing is decoded per clip.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from .object_cache import ObjectCache, cache_key, default_cache_dir, map_pixels
from .object_folders import LAYOUTS, FolderLayout, read_objects
from .object_images import fit_object
from .procedural_objects import make_objects

SOURCES = ('procedural', ) + tuple(LAYOUTS)


class ObjectBank:
    """Segmented RGBA objects held in memory, premultiplied by alpha.

    Objects are stored top-left aligned in one [N, max_side, max_side, 4]
    uint8 array (:attr:`pixels`) with their sizes, [N, 2] int32 (height,
    width) in :attr:`sizes`. A bank read from its cache pickles without its
    pixels: a data-loader worker maps the cache file itself.

    Args:
        source: ``'procedural'``, ``'rgba'`` or ``'image_mask'`` (see the
            module docstring).
        root: Folder of the object set; required by the folder sources.
        max_side: Objects are stored with their longer side at most this
            many pixels. 128 matches the paper's largest object size.
        num_objects: Number of procedural objects.
        seed: Seed of the procedural objects.
        min_alpha_pixels: Objects with fewer visible pixels are invalid.
        skip_invalid: If False (default) an invalid object is an error that
            lists every bad file; if True they are skipped with a warning.
        cache_dir: Folder of the cache files of folder banks; None means
            :func:`~smile_mm.datasets.object_cache.default_cache_dir`,
            ``False`` disables the cache.
        num_workers: Processes that decode a folder bank the first time
            (default: up to 8, one per CPU).

    Example:
        >>> bank = ObjectBank.procedural(num_objects=16)
        >>> rgba = bank[0]                            # [h, w, 4] uint8
        >>> bank = ObjectBank.from_folder('data/objects')  # doctest: +SKIP
        >>> # what a config's object_bank=dict(source='rgba', root=...) makes
        >>> bank = ObjectBank('rgba', root='data/objects')  # doctest: +SKIP
    """

    def __init__(self,
                 source: str = 'procedural',
                 root: Optional[str] = None,
                 max_side: int = 128,
                 num_objects: int = 256,
                 seed: int = 0,
                 min_alpha_pixels: int = 16,
                 skip_invalid: bool = False,
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

        Names are ``'procedural/<shape>/<index>'``, categories the shapes.
        """
        return cls('procedural', max_side=max_side, num_objects=num_objects,
                   seed=seed)

    @classmethod
    def from_folder(cls,
                    root: str,
                    layout: str = 'rgba',
                    max_side: int = 128,
                    min_alpha_pixels: int = 16,
                    skip_invalid: bool = False,
                    cache_dir: Union[str, bool, None] = None,
                    num_workers: Optional[int] = None) -> 'ObjectBank':
        """The objects of a folder, in the order of their sorted paths.

        Args:
            root: The folder.
            layout: ``'rgba'`` or ``'image_mask'``
                (:mod:`smile_mm.datasets.object_folders`).
            max_side, min_alpha_pixels, skip_invalid, cache_dir,
            num_workers: As :class:`ObjectBank`.

        Names are paths relative to ``root``, categories the folders below
        it (below ``images/`` for ``'image_mask'``).
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
            self._pixels = map_pixels(self._cache_path)
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
            settings = dict(source=self.source, max_side=self.max_side,
                            min_alpha_pixels=self.min_alpha_pixels,
                            skip_invalid=self.skip_invalid)
            key = cache_key(self.root,
                            [path for item in listing for path in item.paths],
                            settings)
            cache = ObjectCache(self.cache_dir, key)
            cached = cache.read(self.max_side)
            if cached is not None:
                self.names, self.categories = cached.names, cached.categories
                self.sizes = cached.sizes
                self._cache_path = cached.pixels_path
                return
        decoded = read_objects(layout, self.root, listing, self.max_side,
                               self.min_alpha_pixels, self.skip_invalid,
                               self.num_workers)
        self._store([rgba for _, rgba in decoded],
                    [item.name for item, _ in decoded],
                    [item.category for item, _ in decoded])
        if cache is not None and cache.write(self._pixels, self.sizes,
                                             self.names, self.categories,
                                             self.root):
            self._cache_path = cache.pixels_path
