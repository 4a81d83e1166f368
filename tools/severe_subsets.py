"""Write the training lists of SEVERE's subsets (paper Table 14).

    # sample efficiency: 1,000 class-balanced videos (seed 99999)
    python tools/severe_subsets.py sample data/ucf101/ucf101_train_split_1_videos.txt \\
        data/ucf101/ucf101_train_split_1_1000.txt --num 1000
    # action granularity: Gym99 classes 6-16 (FX-S1) or 74-88 (UB-S1), relabelled
    python tools/severe_subsets.py classes data/gym/gym99_train.txt \\
        data/gym/fx_s1_train.txt --first 6 --last 16

Lists are mmaction2 annotation lines, ``path label``.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np

Line = Tuple[str, int]


def read_lines(path: str) -> List[Line]:
    lines = []
    with open(path) as file:
        for number, text in enumerate(file, 1):
            parts = text.split()
            if not parts:
                continue
            if len(parts) < 2 or not parts[1].lstrip('-').isdigit():
                raise ValueError(f'{path}:{number}: expected "path label", '
                                 f'got {text.strip()!r}')
            lines.append((parts[0], int(parts[1])))
    return lines


def class_balanced_sample(lines: List[Line], num: int,
                          seed: int = 99999) -> List[Line]:
    """``num`` lines with every class as equally represented as it can be.

    Each class gets ``num // C`` videos, and the remaining ``num % C`` go to
    classes drawn at random; a class with too few videos gives all it has
    and the shortfall goes to the others. The order follows the input.
    """
    if not 0 < num <= len(lines):
        raise ValueError(f'cannot sample {num} of {len(lines)} videos')
    rng = np.random.RandomState(seed)
    by_class: Dict[int, List[int]] = defaultdict(list)
    for index, (_, label) in enumerate(lines):
        by_class[label].append(index)
    classes = sorted(by_class)
    quota = {c: 0 for c in classes}
    left = num
    while left:
        open_classes = [c for c in classes if quota[c] < len(by_class[c])]
        share, extra = divmod(left, len(open_classes))
        lucky = set(rng.choice(open_classes, extra, replace=False).tolist())
        for c in open_classes:
            take = min(share + (c in lucky), len(by_class[c]) - quota[c])
            quota[c] += take
            left -= take
    chosen = []
    for c in classes:
        chosen += rng.choice(by_class[c], quota[c], replace=False).tolist()
    return [lines[i] for i in sorted(chosen)]


def class_subset(lines: List[Line], first: int, last: int) -> List[Line]:
    """Lines of classes ``first..last`` (inclusive), labels from 0."""
    if first > last:
        raise ValueError(f'--first {first} is after --last {last}')
    subset = [(path, label - first) for path, label in lines
              if first <= label <= last]
    if not subset:
        raise ValueError(f'no video of classes {first}-{last}')
    return subset


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    sample = commands.add_parser('sample', help='class-balanced subset')
    sample.add_argument('ann')
    sample.add_argument('out')
    sample.add_argument('--num', type=int, default=1000)
    sample.add_argument('--seed', type=int, default=99999)
    classes = commands.add_parser('classes', help='a range of classes')
    classes.add_argument('ann')
    classes.add_argument('out')
    classes.add_argument('--first', type=int, required=True)
    classes.add_argument('--last', type=int, required=True)
    args = parser.parse_args(argv)

    lines = read_lines(args.ann)
    if args.command == 'sample':
        subset = class_balanced_sample(lines, args.num, args.seed)
    else:
        subset = class_subset(lines, args.first, args.last)
    with open(args.out, 'w') as file:
        file.writelines(f'{path} {label}\n' for path, label in subset)
    labels = {label for _, label in subset}
    print(f'wrote {len(subset)} videos of {len(labels)} classes to '
          f'{args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
