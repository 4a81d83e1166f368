"""Convert checkpoints between the authors' VideoMAE layout, smile_mm and
mmaction2.

    # the authors' SMILE pretraining checkpoint -> smile_mm (resume, analyse)
    python tools/convert_checkpoint.py smile_vit_b_k400.pth smile_mm.pth --to smile
    # the authors' pretraining or fine-tuned checkpoint -> mmaction2 Recognizer3D
    python tools/convert_checkpoint.py smile_vit_b_k400_ft.pth recognizer.pth --to mmaction
    # smile_mm pretraining -> mmaction2 backbone for fine-tuning with mean pooling,
    # with the position table resized for 32-frame clips of 224 px
    python tools/convert_checkpoint.py epoch_300.pth backbone.pth --to mmaction \\
        --mean-pooling --num-frames 32 --img-size 224
    # a checkpoint that records no token grid (mmaction2's, older smile_mm ones)
    # trained on 16 frames of 112 px, resized for 224 px
    python tools/convert_checkpoint.py old.pth new.pth --to mmaction \\
        --src-num-frames 16 --src-img-size 112 --num-frames 16 --img-size 224

The source layout is detected (``--from`` overrides it). Keys that do not
belong to the target are listed, never dropped silently. The output records
the token grid of its position table, which smile_mm's loaders read back.
"""
from __future__ import annotations

import argparse
import os.path as osp
import pickle
import sys
from typing import List, Optional, Tuple

import torch

import smile_mm  # noqa: F401  (upstream fixes first)
from smile_mm.fileio import authors_globals, safe_load
from smile_mm.models.utils import (describe_grid, record_grid,
                                   recorded_grid, resize_pos_embed,
                                   source_grid)
from smile_mm.models.utils.checkpoint_conversion import (LAYOUTS,
                                                         detect_layout,
                                                         smile_to_mmaction,
                                                         strangers,
                                                         unwrap,
                                                         videomae_to_mmaction,
                                                         videomae_to_smile)


def convert(state, source: str, target: str, mean_pooling: bool):
    if target == 'smile':
        if source == 'videomae-pretrain':
            return videomae_to_smile(state)
        if source == 'smile':
            return state, []
        raise ValueError(f'a {source} checkpoint has no decoder: it cannot '
                         'become a smile_mm pretraining checkpoint')
    if source.startswith('videomae'):
        return videomae_to_mmaction(state)
    if source == 'smile':
        return smile_to_mmaction(state, mean_pooling)
    return state, []  # mmaction to mmaction: only the position table


Grid = Tuple[int, int, int]


def clip_grid(num_frames: int, img_size: int, tubelet: int,
              patch: int) -> Grid:
    return num_frames // tubelet, img_size // patch, img_size // patch


def table_grid(rows: int, recorded: Optional[Grid], given: Optional[Grid],
               target: Optional[Grid], tubelet: int,
               patch: int) -> Optional[Grid]:
    """The grid of a table of ``rows`` tokens: recorded in the checkpoint,
    or given with --src-num-frames / --src-img-size (both must agree); None
    where neither says and nothing is resized."""
    if recorded is not None and given is not None and recorded != given:
        raise ValueError(
            'the checkpoint records token grid '
            f'{describe_grid(recorded, tubelet, patch)}, but '
            '--src-num-frames / --src-img-size say '
            f'{describe_grid(given, tubelet, patch)}; drop them')
    if recorded is None and given is None and target is None:
        return None
    return source_grid(rows, recorded or given,
                       target or (0, 0, 0), tubelet, patch)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint to convert')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument('--to', required=True, choices=('smile', 'mmaction'))
    parser.add_argument('--from', dest='source', choices=LAYOUTS,
                        help='source layout (default: detected)')
    parser.add_argument('--mean-pooling', action='store_true',
                        help='target backbone uses fc_norm (mmaction '
                        'use_mean_pooling=True): leave the final norm out')
    parser.add_argument('--num-frames', type=int,
                        help='resize the position table for clips of this '
                        'many frames')
    parser.add_argument('--img-size', type=int,
                        help='resize the position table for frames of this '
                        'size')
    parser.add_argument('--src-num-frames', type=int,
                        help='frames of the clips the checkpoint was trained '
                        'on, for checkpoints that record no token grid')
    parser.add_argument('--src-img-size', type=int,
                        help='frame size of the clips the checkpoint was '
                        'trained on, with --src-num-frames')
    parser.add_argument('--tubelet-size', type=int, default=2)
    parser.add_argument('--patch-size', type=int, default=16)
    args = parser.parse_args(argv)
    if not osp.isfile(args.src):
        parser.error(f'{args.src} does not exist')

    try:
        state = unwrap(safe_load(args.src, allow=authors_globals()))
    except (pickle.UnpicklingError, ValueError) as error:
        parser.error(str(error))
    unknown: List[str] = []
    try:
        source = args.source or detect_layout(state)
    except ValueError as error:
        parser.error(f'{args.src}: {error}')
    if args.source:  # forced: what the layout does not hold is left out
        unknown = strangers(state, source)
        for key in unknown:
            del state[key]
    try:
        converted, left_out = convert(state, source, args.to,
                                      args.mean_pooling)
    except ValueError as error:
        parser.error(f'{args.src}: {error}')
    left_out = unknown + left_out
    notes = [f'{args.src}: {source} layout, {len(state)} tensors -> '
             f'{args.to}: {len(converted)} tensors']
    key = 'backbone.pos_embed'
    sizes = dict(tubelet=args.tubelet_size, patch=args.patch_size)
    target = given = None
    if args.num_frames or args.img_size:
        if not (args.num_frames and args.img_size):
            parser.error('give both --num-frames and --img-size to resize '
                         'the position table')
        target = clip_grid(args.num_frames, args.img_size, **sizes)
    if args.src_num_frames or args.src_img_size:
        if not (args.src_num_frames and args.src_img_size):
            parser.error('give both --src-num-frames and --src-img-size')
        given = clip_grid(args.src_num_frames, args.src_img_size, **sizes)
    try:
        grid = table_grid(converted[key].shape[1],
                          recorded_grid(state, 'backbone.'), given, target,
                          **sizes) if key in converted else None
    except ValueError as error:  # no grid known, or two that disagree
        parser.error(str(error))
    if grid is not None and target is not None and target != grid:
        converted[key] = resize_pos_embed(converted[key], grid, target)
        notes.append(f'{key}: token grid {describe_grid(grid, **sizes)} -> '
                     f'{describe_grid(target, **sizes)}')
        grid = target
    if grid is not None:
        record_grid(converted, 'backbone.', grid)
        notes.append(f'records token grid {describe_grid(grid, **sizes)}')
    elif key in converted:
        notes.append(f'{key} records no token grid; give --src-num-frames '
                     'and --src-img-size to record it')
    elif target is not None or given is not None:
        notes.append(f'no {key} in the checkpoint: the model computes its '
                     'own fixed table')
    if left_out:
        shown = ', '.join(left_out[:8])
        more = f' and {len(left_out) - 8} more' if len(left_out) > 8 else ''
        notes.append(f'left out {len(left_out)} keys: {shown}{more}')
    torch.save({'state_dict': converted,
                'meta': dict(converted_from=osp.basename(args.src),
                             source_layout=source, target=args.to)},
               args.dst)
    print('\n'.join(notes + [f'wrote {args.dst}']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
