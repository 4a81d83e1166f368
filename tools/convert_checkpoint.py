"""Convert checkpoints between the authors' VideoMAE layout, smile_mm and
mmaction2.

    # the authors' SMILE pretraining checkpoint -> smile_mm (resume, analyse)
    python tools/convert_checkpoint.py smile_vit_b_k400.pth smile_mm.pth --to smile
    # the authors' pretraining or fine-tuned checkpoint -> mmaction2 Recognizer3D
    python tools/convert_checkpoint.py smile_vit_b_k400_ft.pth recognizer.pth --to mmaction
    # smile_mm pretraining -> mmaction2 backbone for fine-tuning with mean pooling,
    # with the position table resized for 32-frame clips
    python tools/convert_checkpoint.py epoch_300.pth backbone.pth --to mmaction \\
        --mean-pooling --num-frames 32

The source layout is detected (``--from`` overrides it). Keys that do not
belong to the target are listed, never dropped silently.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import List, Optional

import torch

import smile_mm  # noqa: F401  (upstream fixes first)
from smile_mm.models.utils import infer_grid, resize_pos_embed
from smile_mm.models.utils.checkpoint_conversion import (LAYOUTS,
                                                         detect_layout,
                                                         smile_to_mmaction,
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


def resize_table(state, key: str, num_frames: int, img_size: int,
                 tubelet: int, patch: int) -> Optional[str]:
    """Resize ``state[key]`` to the grid of the requested clips."""
    if key not in state:
        return None
    target = (num_frames // tubelet, img_size // patch, img_size // patch)
    table = state[key]
    source = infer_grid(table.shape[1], target)
    if source is None:
        raise ValueError(f'{key} has {table.shape[1]} rows, which fit no '
                         f'token grid like {target}')
    state[key] = resize_pos_embed(table, source, target)
    return f'{key}: token grid {source} -> {target}'


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
    parser.add_argument('--tubelet-size', type=int, default=2)
    parser.add_argument('--patch-size', type=int, default=16)
    args = parser.parse_args(argv)
    if not osp.isfile(args.src):
        parser.error(f'{args.src} does not exist')

    checkpoint = torch.load(args.src, map_location='cpu', weights_only=False)
    state = unwrap(checkpoint)
    source = args.source or detect_layout(state)
    converted, left_out = convert(state, source, args.to, args.mean_pooling)
    notes = [f'{args.src}: {source} layout, {len(state)} tensors -> '
             f'{args.to}: {len(converted)} tensors']
    if args.num_frames or args.img_size:
        if not (args.num_frames and args.img_size):
            parser.error('give both --num-frames and --img-size to resize '
                         'the position table')
        note = resize_table(converted, 'backbone.pos_embed', args.num_frames,
                            args.img_size, args.tubelet_size,
                            args.patch_size)
        notes.append(note or 'no backbone.pos_embed in the checkpoint: the '
                     'model computes its own fixed table')
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
