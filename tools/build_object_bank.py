"""Cut segmented objects out of images into an RGBA object bank.

The output has the layout of the paper's object set, which
``ObjectBank(source='rgba', root=OUT)`` reads: ``OUT/<category>/<name>.png``,
each an RGBA cut-out cropped to its mask.

Two inputs:

* COCO-style annotations (polygons or RLE, for example COCO or LVIS)::

    python tools/build_object_bank.py OUT --coco instances_train2017.json \\
        --images train2017 --min-area 2048 --max-per-category 60

* Image and mask folders, ``IMAGES/<category>/<name>.<ext>`` with
  ``MASKS/<category>/<name>.png`` (0 is background; a binary mask is one
  object, other masks hold one object per non-zero value)::

    python tools/build_object_bank.py OUT --images IMAGES --masks MASKS
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import re
import sys
from collections import Counter, defaultdict
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
from PIL import Image

from smile_mm.datasets.objects.object_folders import image_mask_pairs


def safe_name(name: str) -> str:
    """A category name usable as a folder name."""
    return re.sub(r'[^A-Za-z0-9._-]+', '_', name).strip('_') or 'unnamed'


def cut_out(image: np.ndarray, mask: np.ndarray,
            padding: int = 0) -> Optional[np.ndarray]:
    """RGBA cut-out of ``image`` ([H, W, 3] uint8) where ``mask`` is true,
    cropped to the mask's box widened by ``padding``; None if empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    y0, y1 = max(rows[0] - padding, 0), min(rows[-1] + 1 + padding,
                                             mask.shape[0])
    x0, x1 = max(cols[0] - padding, 0), min(cols[-1] + 1 + padding,
                                             mask.shape[1])
    alpha = (mask[y0:y1, x0:x1] > 0).astype(np.uint8) * 255
    return np.concatenate([image[y0:y1, x0:x1], alpha[..., None]], axis=2)


def coco_objects(annotation_file: str, image_root: str, min_area: float,
                 include_crowd: bool, categories: Optional[List[str]]
                 ) -> Iterator[Tuple[str, str, np.ndarray, np.ndarray]]:
    """Yield (category, name, image, mask) for every usable annotation."""
    from pycocotools import mask as mask_utils
    with open(annotation_file) as file:
        coco = json.load(file)
    names = {c['id']: c['name'] for c in coco['categories']}
    wanted = set(categories) if categories else None
    by_image: Dict[int, list] = defaultdict(list)
    for ann in coco['annotations']:
        if ann.get('iscrowd', 0) and not include_crowd:
            continue
        if ann.get('area', np.inf) < min_area:
            continue
        if wanted is not None and names[ann['category_id']] not in wanted:
            continue
        by_image[ann['image_id']].append(ann)
    for info in coco['images']:
        anns = by_image.get(info['id'])
        if not anns:
            continue
        path = osp.join(image_root, info['file_name'])
        with Image.open(path) as image:
            rgb = np.asarray(image.convert('RGB'))
        height, width = rgb.shape[:2]
        for ann in anns:
            segmentation = ann['segmentation']
            if isinstance(segmentation, list):  # polygons
                rles = mask_utils.frPyObjects(segmentation, height, width)
                rle = mask_utils.merge(rles)
            elif isinstance(segmentation['counts'], list):  # uncompressed
                rle = mask_utils.frPyObjects(segmentation, height, width)
            else:
                rle = segmentation
            mask = mask_utils.decode(rle).astype(bool)
            stem = osp.splitext(osp.basename(info['file_name']))[0]
            yield names[ann['category_id']], f"{stem}_{ann['id']}", rgb, mask


def folder_objects(image_root: str, mask_root: str, min_area: float
                   ) -> Iterator[Tuple[str, str, np.ndarray, np.ndarray]]:
    """Yield (category, name, image, mask) from image and mask folders."""
    for image_path, mask_path, relative in image_mask_pairs(image_root,
                                                            mask_root):
        if not osp.isfile(mask_path):
            print(f'warning: {image_path} has no mask {mask_path}; skipped',
                  file=sys.stderr)
            continue
        with Image.open(image_path) as image:
            rgb = np.asarray(image.convert('RGB'))
        with Image.open(mask_path) as mask_image:
            labels = np.asarray(mask_image.convert('L'))
        if labels.shape != rgb.shape[:2]:
            raise ValueError(f'mask {mask_path} is {labels.shape[::-1]} '
                             f'but its image is {rgb.shape[1::-1]}')
        parts = relative.split(os.sep)
        category = parts[0] if len(parts) > 1 else 'default'
        stem = parts[-1]
        values = [v for v in np.unique(labels) if v != 0]
        binary = len(values) == 1
        for value in values:
            mask = labels == value
            if mask.sum() < min_area:
                continue
            name = stem if binary else f'{stem}_{value}'
            yield category, name, rgb, mask


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description='Cut segmented objects into an RGBA object bank '
        '(OUT/<category>/<name>.png).')
    parser.add_argument('out', help='output folder')
    parser.add_argument('--coco', help='COCO-style annotation JSON')
    parser.add_argument('--images', required=True,
                        help='image folder (COCO file_name root, or the '
                        'images of --masks)')
    parser.add_argument('--masks', help='mask folder mirroring --images')
    parser.add_argument('--min-area', type=float, default=1024,
                        help='smallest object area in pixels (default 1024)')
    parser.add_argument('--max-per-category', type=int, default=None,
                        help='keep at most this many objects per category '
                        '(the paper uses 60)')
    parser.add_argument('--categories', nargs='+', default=None,
                        help='COCO category names to keep (default: all)')
    parser.add_argument('--include-crowd', action='store_true',
                        help='also cut COCO crowd annotations')
    parser.add_argument('--padding', type=int, default=0,
                        help='pixels of context around each mask box')
    args = parser.parse_args(argv)
    if bool(args.coco) == bool(args.masks):
        parser.error('give exactly one of --coco ANN.json or --masks DIR')
    for path in filter(None, (args.coco, args.images, args.masks)):
        if not osp.exists(path):
            parser.error(f'{path} does not exist')

    if args.coco:
        objects = coco_objects(args.coco, args.images, args.min_area,
                               args.include_crowd, args.categories)
    else:
        objects = folder_objects(args.images, args.masks, args.min_area)
    written: Counter = Counter()
    for category, name, image, mask in objects:
        folder = safe_name(category)
        if (args.max_per_category is not None
                and written[folder] >= args.max_per_category):
            continue
        rgba = cut_out(image, mask, args.padding)
        if rgba is None:
            continue
        os.makedirs(osp.join(args.out, folder), exist_ok=True)
        Image.fromarray(rgba, 'RGBA').save(
            osp.join(args.out, folder, safe_name(name) + '.png'))
        written[folder] += 1
    total = sum(written.values())
    if total == 0:
        print(f'no object was cut: check the inputs and --min-area '
              f'({args.min_area})', file=sys.stderr)
        return 1
    print(f'wrote {total} objects in {len(written)} categories to {args.out}'
          f"\nuse it with object_bank=dict(source='rgba', root='{args.out}')")
    return 0


if __name__ == '__main__':
    sys.exit(main())
