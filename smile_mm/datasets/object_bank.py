"""The set of segmented objects that :class:`SyntheticMotionOverlay` pastes.

Three sources:

* ``'procedural'`` (default): shapes with textures and alpha generated
  deterministically from a seed (:mod:`smile_mm.datasets.procedural_objects`);
  nothing to download.
* ``'rgba'``: the layout of the paper's object set (PIN_Synthetic_Dataset),
  ``<root>/<category>/*.png`` with an alpha channel.
* ``'image_mask'``: image and mask pairs, ``<root>/images/<category>/<name>.
  <jpg|png|...>`` with ``<root>/masks/<category>/<name>.png``; the mask is the
  alpha (binary 0/1 or 0/255 masks, or soft 8-bit mattes).

Every object is checked once when the bank is built (an alpha channel is
present, enough pixels are visible, mask and image sizes agree), cropped to
its visible box, resized so that its longer side is at most ``max_side`` and
stored premultiplied by alpha in one uint8 array. Folder banks are written
to a cache file (``cache_dir``) that later runs and data-loader workers map
into memory instead of decoding PNGs: nothing is decoded per clip.
"""
from __future__ import annotations

import hashlib
import json
import os
import os.path as osp
import warnings
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

from .procedural_objects import make_objects

SOURCES = ('procedural', 'rgba', 'image_mask')
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.webp')
_CACHE_VERSION = 1
_MAX_LISTED = 20


def image_mask_pairs(image_root: str,
                     mask_root: str) -> List[Tuple[str, str, str]]:
    """Images under ``image_root`` with their masks under ``mask_root``.

    Returns:
        list: ``(image_path, mask_path, relative_stem)`` sorted by path; the
        mask is ``<mask_root>/<relative_stem>.png`` and may not exist.
    """
    pairs = []
    for dirpath, _, filenames in sorted(os.walk(image_root)):
        for name in sorted(filenames):
            stem, ext = osp.splitext(name)
            if ext.lower() not in IMAGE_EXTENSIONS:
                continue
            relative = osp.relpath(osp.join(dirpath, stem), image_root)
            pairs.append((osp.join(dirpath, name),
                          osp.join(mask_root, relative + '.png'), relative))
    return pairs


def default_cache_dir() -> str:
    """``$SMILE_MM_CACHE`` or ``~/.cache/smile_mm``, plus ``object_banks``."""
    root = os.environ.get('SMILE_MM_CACHE',
                          osp.join(osp.expanduser('~'), '.cache', 'smile_mm'))
    return osp.join(root, 'object_banks')


def crop_to_alpha(rgba: np.ndarray, min_alpha_pixels: int = 1
                  ) -> Tuple[Optional[np.ndarray], str]:
    """Crop straight RGBA to the bounding box of its visible pixels.

    Returns:
        tuple: ``(cropped, '')`` or ``(None, reason)`` when fewer than
        ``min_alpha_pixels`` pixels have non-zero alpha.
    """
    visible = rgba[..., 3] > 0
    count = int(visible.sum())
    if count < min_alpha_pixels:
        return None, (f'alpha is empty ({count} visible pixels, at least '
                      f'{min_alpha_pixels} needed)')
    rows = np.flatnonzero(visible.any(axis=1))
    cols = np.flatnonzero(visible.any(axis=0))
    return rgba[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], ''


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA uint8 -> RGBA uint8 with colour premultiplied by alpha."""
    alpha = rgba[..., 3:4].astype(np.uint16)
    out = rgba.copy()
    out[..., :3] = ((rgba[..., :3].astype(np.uint16) * alpha + 127) //
                    255).astype(np.uint8)
    return out


def _fit(rgba: np.ndarray, max_side: int) -> np.ndarray:
    """Premultiply, then shrink so that the longer side is at most max_side."""
    rgba = premultiply(rgba)
    height, width = rgba.shape[:2]
    factor = max_side / max(height, width)
    if factor < 1:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        rgba = cv2.resize(rgba, size, interpolation=cv2.INTER_AREA)
    return rgba


def _has_alpha(image: Image.Image) -> bool:
    if image.mode in ('RGBA', 'LA', 'PA', 'RGBa', 'La'):
        return True
    return 'transparency' in image.info


def _load_rgba_file(args: Tuple[str, int, int]
                    ) -> Tuple[Optional[np.ndarray], str]:
    path, max_side, min_alpha_pixels = args
    try:
        with Image.open(path) as image:
            image.load()
            if not _has_alpha(image):
                return None, (f'has no alpha channel (mode {image.mode}); '
                              'objects must be RGBA cut-outs')
            rgba = np.asarray(image.convert('RGBA'))
    except (OSError, ValueError) as error:
        return None, f'cannot be read ({error})'
    cropped, reason = crop_to_alpha(rgba, min_alpha_pixels)
    if cropped is None:
        return None, reason
    return _fit(cropped, max_side), ''


def _load_image_mask_pair(args: Tuple[str, str, int, int]
                          ) -> Tuple[Optional[np.ndarray], str]:
    image_path, mask_path, max_side, min_alpha_pixels = args
    try:
        with Image.open(image_path) as image:
            rgb = np.asarray(image.convert('RGB'))
        with Image.open(mask_path) as mask_image:
            mask = np.asarray(mask_image.convert('L'))
    except (OSError, ValueError) as error:
        return None, f'cannot be read ({error})'
    if mask.shape != rgb.shape[:2]:
        return None, (f'mask {mask_path} is {mask.shape[1]}x{mask.shape[0]} '
                      f'but the image is {rgb.shape[1]}x{rgb.shape[0]}')
    if mask.max() <= 1:
        mask = mask * np.uint8(255)
    rgba = np.concatenate([rgb, mask[..., None]], axis=2)
    cropped, reason = crop_to_alpha(rgba, min_alpha_pixels)
    if cropped is None:
        return None, reason
    return _fit(cropped, max_side), ''


class ObjectBank:
    """Segmented RGBA objects held in memory, premultiplied by alpha.

    Args:
        source: ``'procedural'``, ``'rgba'`` or ``'image_mask'`` (see the
            module docstring for the folder layouts).
        root: Folder of the object set; required by the folder sources.
        max_side: Objects are stored with their longer side at most this
            many pixels. 128 matches the paper's largest object size.
        num_objects: Number of procedural objects.
        seed: Seed of the procedural objects.
        min_alpha_pixels: Objects with fewer visible pixels are invalid.
        skip_invalid: If False (default) an invalid object is an error that
            lists every bad file; if True they are skipped with a warning.
        cache_dir: Folder of the cache files of folder banks; None means
            :func:`default_cache_dir`, ``False`` disables the cache.
        num_workers: Processes that decode a folder bank the first time
            (default: up to 8, one per CPU).

    Example:
        >>> bank = ObjectBank()                       # procedural
        >>> rgba = bank[0]                            # [h, w, 4] uint8
        >>> bank = ObjectBank('rgba', root='data/objects')
    """

    def __init__(self,
                 source: str = 'procedural',
                 root: Optional[str] = None,
                 max_side: int = 128,
                 num_objects: int = 256,
                 seed: int = 0,
                 min_alpha_pixels: int = 16,
                 skip_invalid: bool = False,
                 cache_dir=None,
                 num_workers: Optional[int] = None) -> None:
        if source not in SOURCES:
            raise ValueError(f'ObjectBank source {source!r} is unknown; '
                             f'choose one of {SOURCES}')
        if max_side < 8:
            raise ValueError(f'max_side must be at least 8, got {max_side}')
        if source != 'procedural':
            if root is None:
                raise ValueError(
                    f"ObjectBank source {source!r} needs root=<folder>; use "
                    "source='procedural' for objects that need no files")
            if not osp.isdir(root):
                raise FileNotFoundError(
                    f'object bank folder {root} does not exist; expected '
                    + ('<root>/<category>/*.png' if source == 'rgba' else
                       '<root>/images/<category>/* and <root>/masks/'
                       '<category>/*.png'))
        self.source = source
        self.root = root
        self.max_side = int(max_side)
        self.num_objects = num_objects
        self.seed = seed
        self.min_alpha_pixels = min_alpha_pixels
        self.skip_invalid = skip_invalid
        self.cache_dir = default_cache_dir() if cache_dir is None else cache_dir
        self.num_workers = num_workers
        self._cache_path: Optional[str] = None

        if source == 'procedural':
            objects, categories = make_objects(num_objects, self.max_side,
                                               seed)
            self.names = [f'procedural/{c}/{i}'
                          for i, c in enumerate(categories)]
            self.categories = categories
            self._pack([_fit(o, self.max_side) for o in objects])
        else:
            self._load_folder()

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, index: int) -> np.ndarray:
        """Object ``index`` as premultiplied RGBA uint8, shape [h, w, 4]."""
        height, width = self.sizes[index]
        return self.pixels[index, :height, :width]

    @property
    def pixels(self) -> np.ndarray:
        """All objects, [N, max_side, max_side, 4] uint8, top-left aligned."""
        if self._pixels is None:  # reopened lazily after unpickling
            self._pixels = np.load(self._cache_path, mmap_mode='r')
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

    # ---------------------------------------------------------------- building
    def _pack(self, objects: Sequence[np.ndarray]) -> None:
        side = self.max_side
        self._pixels = np.zeros((len(objects), side, side, 4), np.uint8)
        self.sizes = np.zeros((len(objects), 2), np.int32)
        for index, rgba in enumerate(objects):
            height, width = rgba.shape[:2]
            self._pixels[index, :height, :width] = rgba
            self.sizes[index] = (height, width)

    def _list_folder(self) -> List[Tuple[str, ...]]:
        """Jobs (paths) of the folder source, sorted for determinism."""
        root = self.root
        if self.source == 'rgba':
            jobs, skipped = self._list_rgba(root)
            summary = '; '.join(f'{len(paths)} {reason} (e.g. {paths[0]})'
                                for reason, paths in skipped.items())
            if not jobs:
                raise FileNotFoundError(
                    f'object bank at {root} holds no PNG files in the layout '
                    '<root>/<category>/*.png' +
                    (f'; skipped {summary}' if summary else ''))
            if summary:
                warnings.warn(f'object bank at {root}: {len(jobs)} PNG '
                              f'files read; skipped {summary}')
            return jobs
        image_root, mask_root = osp.join(root, 'images'), osp.join(root,
                                                                   'masks')
        for folder in (image_root, mask_root):
            if not osp.isdir(folder):
                raise FileNotFoundError(
                    f'object bank at {root} has no {osp.basename(folder)}/ '
                    'folder; the image_mask layout is <root>/images/'
                    '<category>/<name>.<ext> with <root>/masks/<category>/'
                    '<name>.png')
        jobs = [(image, mask)
                for image, mask, _ in image_mask_pairs(image_root, mask_root)]
        if not jobs:
            raise FileNotFoundError(
                f'object bank at {root} holds no images under images/')
        return jobs

    @staticmethod
    def _list_rgba(root: str
                   ) -> Tuple[List[Tuple[str]], Dict[str, List[str]]]:
        """PNG files of ``<root>/<category>/``, and what else was there."""
        jobs: List[Tuple[str]] = []
        skipped: Dict[str, List[str]] = {}
        for entry in sorted(os.listdir(root)):
            folder = osp.join(root, entry)
            if not osp.isdir(folder):
                skipped.setdefault('files directly under the root (objects '
                                   'go in <root>/<category>/)',
                                   []).append(folder)
                continue
            for name in sorted(os.listdir(folder)):
                path = osp.join(folder, name)
                if osp.isdir(path):
                    reason = ('folders nested deeper than <root>/<category>/'
                              ' (their files are not read)')
                elif name.lower().endswith('.png'):
                    jobs.append((path, ))
                    continue
                else:
                    reason = ("files that are not PNG (JPEG has no alpha: "
                              "convert to RGBA PNG, or use "
                              "source='image_mask' with masks)")
                skipped.setdefault(reason, []).append(path)
        return jobs, skipped

    def _cache_key(self, jobs: List[Tuple[str, ...]]) -> str:
        listing = []
        for job in jobs:
            for path in job:
                stat = os.stat(path) if osp.exists(path) else None
                listing.append((osp.relpath(path, self.root),
                                stat.st_size if stat else -1,
                                stat.st_mtime_ns if stat else -1))
        description = dict(version=_CACHE_VERSION, source=self.source,
                           root=osp.abspath(self.root), max_side=self.max_side,
                           min_alpha_pixels=self.min_alpha_pixels,
                           skip_invalid=self.skip_invalid, files=listing)
        blob = json.dumps(description, sort_keys=True).encode()
        return hashlib.sha1(blob).hexdigest()[:20]

    def _load_folder(self) -> None:
        jobs = self._list_folder()
        key = self._cache_key(jobs)
        if self.cache_dir:
            pixels_path = osp.join(self.cache_dir, f'{key}.npy')
            meta_path = osp.join(self.cache_dir, f'{key}.json')
            if osp.isfile(pixels_path) and osp.isfile(meta_path):
                with open(meta_path) as file:
                    meta = json.load(file)
                self.names, self.categories = meta['names'], meta['categories']
                self.sizes = np.asarray(meta['sizes'], np.int32).reshape(-1, 2)
                self._cache_path = pixels_path
                self._pixels = None
                return

        objects, names, bad = self._decode(jobs)
        if bad:
            listed = '\n'.join(f'  {path}: {reason}'
                               for path, reason in bad[:_MAX_LISTED])
            more = (f'\n  ... and {len(bad) - _MAX_LISTED} more'
                    if len(bad) > _MAX_LISTED else '')
            message = (f'object bank at {self.root}: {len(bad)} of '
                       f'{len(jobs)} objects are invalid:\n{listed}{more}')
            if not self.skip_invalid:
                raise ValueError(message + '\nFix or remove these files, or '
                                 'pass skip_invalid=True to leave them out.')
            warnings.warn(message + '\nThey are left out (skip_invalid=True).')
        if not objects:
            raise ValueError(f'object bank at {self.root} holds no usable '
                             'RGBA object')
        self.names = [osp.relpath(name, self.root) for name in names]
        self.categories = [self._category(name) for name in self.names]
        self._pack(objects)
        if self.cache_dir:
            self._write_cache(key)

    def _category(self, relative: str) -> str:
        parts = relative.split(os.sep)
        if self.source == 'image_mask':
            parts = parts[1:]  # drop 'images'
        return parts[0] if len(parts) > 1 else 'default'

    def _decode(self, jobs: List[Tuple[str, ...]]):
        if self.source == 'rgba':
            loader = _load_rgba_file
            arguments = [(job[0], self.max_side, self.min_alpha_pixels)
                         for job in jobs]
        else:
            loader = _load_image_mask_pair
            arguments = []
            for image_path, mask_path in jobs:
                arguments.append((image_path, mask_path, self.max_side,
                                  self.min_alpha_pixels))
        workers = self.num_workers or min(8, os.cpu_count() or 1)
        if workers > 1 and len(arguments) > 64:
            with ProcessPoolExecutor(workers) as pool:
                loaded = list(pool.map(loader, arguments, chunksize=32))
        else:
            loaded = [loader(argument) for argument in arguments]
        objects, names, bad = [], [], []
        for job, (rgba, reason) in zip(jobs, loaded):
            if self.source == 'image_mask' and not osp.isfile(job[1]):
                bad.append((job[0], f'has no mask {job[1]}'))
            elif rgba is None:
                bad.append((job[0], reason))
            else:
                objects.append(rgba)
                names.append(job[0])
        return objects, names, bad

    def _write_cache(self, key: str) -> None:
        try:
            os.makedirs(self.cache_dir, exist_ok=True)
            pixels_path = osp.join(self.cache_dir, f'{key}.npy')
            meta_path = osp.join(self.cache_dir, f'{key}.json')
            tmp = f'{pixels_path}.{os.getpid()}.tmp.npy'
            np.save(tmp, self._pixels)
            os.replace(tmp, pixels_path)
            meta = dict(names=self.names, categories=self.categories,
                        sizes=self.sizes.tolist(), root=self.root)
            with open(f'{meta_path}.{os.getpid()}.tmp', 'w') as file:
                json.dump(meta, file)
            os.replace(f'{meta_path}.{os.getpid()}.tmp', meta_path)
        except OSError as error:
            warnings.warn(f'object bank cache {self.cache_dir} is not '
                          f'writable ({error}); the bank stays in memory and '
                          'is decoded again next run. Set cache_dir to a '
                          'writable folder.')
            return
        self._cache_path = pixels_path
