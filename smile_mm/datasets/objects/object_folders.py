"""The folder layouts of an object set, and reading a whole folder of them.

* ``'rgba'``: the paper's object set (PIN_Synthetic_Dataset),
  ``<root>/<category>/*.png`` with an alpha channel.
* ``'image_mask'``: ``<root>/images/<category>/<name>.<ext>`` with
  ``<root>/masks/<category>/<name>.png``.

Listings are sorted by path, so a bank's order never depends on the file
system; :func:`read_objects` reports every bad file in one error.
"""
from __future__ import annotations

import abc
import functools
import os
import os.path as osp
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..lists.file_kinds import IMAGE_EXTENSIONS
from .object_images import Decoded, read_image_mask, read_rgba_png

_MAX_LISTED = 20
_PARALLEL_FROM = 64  # longer listings are decoded in worker processes


@dataclass(frozen=True)
class ObjectFiles:
    """The files of one object in a folder bank.

    Attributes:
        path: Its image (the RGBA PNG, or the image of a pair).
        name: ``path`` relative to the bank's root.
        category: The folder below the root (``'default'`` if none).
        mask: The mask of an image/mask pair; it may not exist.
    """
    path: str
    name: str
    category: str
    mask: Optional[str] = None

    @property
    def paths(self) -> Tuple[str, ...]:
        """Every file the object is made from."""
        return (self.path, ) if self.mask is None else (self.path, self.mask)


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


class FolderLayout(abc.ABC):
    """A layout of object files under a root folder."""

    pattern: str  # the layout as errors spell it out

    def list_objects(self, root: str) -> List[ObjectFiles]:
        """The objects under ``root``, sorted by path.

        Raises:
            FileNotFoundError: ``root`` is missing or holds no object in
                this layout; the message names the folder and the layout.
        """
        if not osp.isdir(root):
            where = '' if osp.isabs(root) else f' (in {os.getcwd()})'
            raise FileNotFoundError(
                f'object bank folder {root} does not exist{where}; expected '
                f'{self.pattern}')
        return self._list(root)

    @abc.abstractmethod
    def _list(self, root: str) -> List[ObjectFiles]:
        """:meth:`list_objects` of a root that exists."""

    @abc.abstractmethod
    def decode(self, item: ObjectFiles, max_side: int,
               min_alpha_pixels: int) -> Decoded:
        """One object, cropped, premultiplied and fitted to ``max_side``."""


class RGBAFolder(FolderLayout):
    """``<root>/<category>/*.png``, each PNG an RGBA cut-out."""

    pattern = '<root>/<category>/*.png'

    def _list(self, root: str) -> List[ObjectFiles]:
        """The PNG files; what else is there is warned of, or named in the
        error when there is no PNG file."""
        objects: List[ObjectFiles] = []
        skipped: Dict[str, List[str]] = {}
        for category in sorted(os.listdir(root)):
            folder = osp.join(root, category)
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
                    objects.append(ObjectFiles(
                        path, osp.relpath(path, root), category))
                    continue
                else:
                    reason = ("files that are not PNG (JPEG has no alpha: "
                              "convert to RGBA PNG, or use "
                              "source='image_mask' with masks)")
                skipped.setdefault(reason, []).append(path)
        summary = '; '.join(f'{len(paths)} {reason} (e.g. {paths[0]})'
                            for reason, paths in skipped.items())
        if not objects:
            skipped_part = f'; skipped {summary}' if summary else ''
            raise FileNotFoundError(
                f'object bank at {root} holds no PNG files in the layout '
                f'{self.pattern}{skipped_part}')
        if summary:
            warnings.warn(f'object bank at {root}: {len(objects)} PNG '
                          f'files read; skipped {summary}')
        return objects

    def decode(self, item: ObjectFiles, max_side: int,
               min_alpha_pixels: int) -> Decoded:
        return read_rgba_png(item.path, max_side, min_alpha_pixels)


class ImageMaskFolder(FolderLayout):
    """``<root>/images/<category>/<name>.<ext>`` with
    ``<root>/masks/<category>/<name>.png``."""

    pattern = ('<root>/images/<category>/<name>.<ext> with '
               '<root>/masks/<category>/<name>.png')

    def _list(self, root: str) -> List[ObjectFiles]:
        """Every image under ``<root>/images``, with its mask's path; an
        error when ``images/`` or ``masks/`` is missing or has no image."""
        image_root, mask_root = (osp.join(root, 'images'),
                                 osp.join(root, 'masks'))
        for folder in (image_root, mask_root):
            if not osp.isdir(folder):
                raise FileNotFoundError(
                    f'object bank at {root} has no {osp.basename(folder)}/ '
                    f'folder; the image_mask layout is {self.pattern}')
        objects = []
        for image, mask, relative in image_mask_pairs(image_root, mask_root):
            parts = relative.split(os.sep)
            category = parts[0] if len(parts) > 1 else 'default'
            objects.append(ObjectFiles(image, osp.relpath(image, root),
                                       category, mask))
        if not objects:
            raise FileNotFoundError(
                f'object bank at {root} holds no images under images/ '
                f'(extensions {", ".join(IMAGE_EXTENSIONS)}); the layout is '
                f'{self.pattern}')
        return objects

    def decode(self, item: ObjectFiles, max_side: int,
               min_alpha_pixels: int) -> Decoded:
        return read_image_mask(item.path, item.mask, max_side,
                               min_alpha_pixels)


#: the reader of each folder layout, by the name ``ObjectBank`` takes
LAYOUTS: Dict[str, FolderLayout] = dict(rgba=RGBAFolder(),
                                        image_mask=ImageMaskFolder())


def read_objects(layout: FolderLayout, root: str,
                 objects: Sequence[ObjectFiles], max_side: int,
                 min_alpha_pixels: int, skip_invalid: bool,
                 num_workers: Optional[int] = None
                 ) -> List[Tuple[ObjectFiles, np.ndarray]]:
    """Decode every object of a listing.

    Args:
        layout: The reader that listed ``objects``.
        root: Their folder, named in errors.
        objects: From ``layout.list_objects(root)``.
        max_side, min_alpha_pixels, skip_invalid: As ``ObjectBank``.
        num_workers: Processes that decode a listing longer than 64 objects
            (default: up to 8, one per CPU).

    Returns:
        list: ``(files, rgba)`` of each valid object in listing order, rgba
        [h, w, 4] uint8 premultiplied.

    Raises:
        ValueError: an object is invalid (unless ``skip_invalid``), listing
            each bad file and why, or no object is valid.
    """
    decode = functools.partial(layout.decode, max_side=max_side,
                               min_alpha_pixels=min_alpha_pixels)
    workers = num_workers or min(8, os.cpu_count() or 1)
    if workers > 1 and len(objects) > _PARALLEL_FROM:
        with ProcessPoolExecutor(workers) as pool:
            decoded = list(pool.map(decode, objects, chunksize=32))
    else:
        decoded = [decode(item) for item in objects]
    bad = [(item.path, reason)
           for item, (rgba, reason) in zip(objects, decoded) if rgba is None]
    if bad:
        _report_invalid(root, bad, len(objects), skip_invalid)
    valid = [(item, rgba) for item, (rgba, _) in zip(objects, decoded)
             if rgba is not None]
    if not valid:
        raise ValueError(f'object bank at {root} holds no usable RGBA '
                         'object')
    return valid


def _report_invalid(root: str, bad: Sequence[Tuple[str, str]], total: int,
                    skip_invalid: bool) -> None:
    """Raise, or warn with ``skip_invalid``, naming the first bad files."""
    listed = '\n'.join(f'  {path}: {reason}'
                       for path, reason in bad[:_MAX_LISTED])
    more = (f'\n  ... and {len(bad) - _MAX_LISTED} more'
            if len(bad) > _MAX_LISTED else '')
    message = (f'object bank at {root}: {len(bad)} of {total} objects are '
               f'invalid:\n{listed}{more}')
    if not skip_invalid:
        raise ValueError(message + '\nFix or remove these files, or pass '
                         'skip_invalid=True to leave them out.')
    warnings.warn(message + '\nThey are left out (skip_invalid=True).')
