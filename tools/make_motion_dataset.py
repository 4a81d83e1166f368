"""Write a small labelled video dataset to try an evaluation end to end.

    python tools/make_motion_dataset.py data/mine              # 4 classes, 40 + 20 videos each
    python tools/make_motion_dataset.py data/mine --per-class 10 --size 64 --frames 32

Four classes: a square of one of two colours (appearance) that moves up or
down (motion) over a static smooth-noise texture, so that no single frame
tells the direction. Written in mmaction2's layout: ``OUT/videos/*.mp4``,
``OUT/train.txt`` and ``OUT/val.txt`` with ``path label`` lines, which every
fine-tuning and linear-probing config reads through ``data_root`` and
``ann_file_train`` / ``ann_file_val``.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import cv2
import numpy as np

#: RGB colour of classes 0-1 and 2-3
COLOURS = ((230, 60, 40), (40, 90, 230))
NUM_CLASSES = 4


def texture(rng: np.random.Generator, size: int, cell: int = 8) -> np.ndarray:
    """A smooth random RGB image [size, size, 3] (bicubic upsampling of
    random cells of ``cell`` pixels)."""
    cells = size // cell + 1
    coarse = rng.integers(0, 256, (cells, cells, 3), dtype=np.uint8)
    return cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)


def write_video(path: str, label: int, rng: np.random.Generator, size: int,
                frames: int) -> None:
    """One video of class ``label`` (colour ``label // 2``, up for even
    labels, down for odd ones) as an mp4v file."""
    colour, direction = COLOURS[label // 2], (-1, 1)[label % 2]
    scale = size / 64
    background = texture(rng, size)
    side = int(round(int(rng.integers(10, 16)) * scale))
    x = int(rng.integers(int(4 * scale), size - side - int(4 * scale)))
    speed = rng.uniform(0.8, 1.2) * scale * 32 / frames
    y0 = size / 2 - side / 2 - direction * 12 * scale
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25,
                             (size, size))
    if not writer.isOpened():
        raise OSError(f'OpenCV cannot write {path}')
    for frame in range(frames):
        image = background.copy()
        y = int(round(y0 + direction * speed * frame * 0.8))
        image[max(y, 0):max(y + side, 0), x:x + side] = colour
        writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    writer.release()


def write_split(out: str, name: str, per_class: int,
                rng: np.random.Generator, size: int = 64,
                frames: int = 32) -> str:
    """``per_class`` videos of each class under ``out/videos`` and their
    list ``out/<name>.txt``; returns the list's path."""
    videos = osp.join(out, 'videos')
    os.makedirs(videos, exist_ok=True)
    lines = []
    for label in range(NUM_CLASSES):
        for index in range(per_class):
            video = f'{name}_{label}_{index:03d}.mp4'
            write_video(osp.join(videos, video), label, rng, size, frames)
            lines.append(f'{video} {label}')
    path = osp.join(out, f'{name}.txt')
    with open(path, 'w') as file:
        file.write('\n'.join(lines) + '\n')
    return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='folder to write into')
    parser.add_argument('--per-class', type=int, default=40,
                        help='training videos per class (validation: half)')
    parser.add_argument('--size', type=int, default=128,
                        help='frame width and height in pixels')
    parser.add_argument('--frames', type=int, default=64,
                        help='frames per video')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.per_class < 1 or args.size < 32 or args.frames < 1:
        parser.error(f'--per-class must be >= 1 (got {args.per_class}), '
                     f'--size >= 32 (got {args.size}), --frames >= 1 (got '
                     f'{args.frames})')
    rng = np.random.default_rng(args.seed)
    train = write_split(args.out, 'train', args.per_class, rng, args.size,
                        args.frames)
    val = write_split(args.out, 'val', max(args.per_class // 2, 1), rng,
                      args.size, args.frames)
    print(f'{NUM_CLASSES} classes: {train}, {val}, videos in '
          f'{osp.join(args.out, "videos")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
