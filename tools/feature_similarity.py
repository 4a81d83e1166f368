"""Frame-by-frame feature similarity of one or more encoders (paper Fig. 4).

For each video, the encoder's tokens of each time slice (two frames) are
averaged into one vector; the cosine similarities between all slices form a
[T', T'] matrix, averaged over the videos. Lower similarity away from the
diagonal means features that tell moments apart.

    python tools/feature_similarity.py --checkpoints smile.pth videomae.pth \\
        --names SMILE VideoMAE --videos data/kinetics400/val/*.mp4 \\
        --out-dir work_dirs/similarity

Each video is prepared by ``--config``'s test pipeline and data preprocessor
(default: ``configs/smile/features/smile_vit_16x4x1_centre-clip.py``, the
centre clip; ``--num-frames``, ``--interval`` and ``--size`` set its
``clip_len``, ``frame_interval`` and ``size``); a pipeline of several views
is measured on the first.

Writes ``<name>.npy`` and ``<name>.csv`` (the matrix) per checkpoint,
``similarity.png`` (one heatmap per checkpoint) and prints the mean
off-diagonal similarity.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import numpy as np
import torch

import smile_mm  # noqa: F401  (upstream fixes and registrations first)
from smile_mm.apis import load_config, load_encoder, read_clip
from smile_mm.apis.inference import FEATURES_CONFIG


def slice_similarity(features: torch.Tensor) -> np.ndarray:
    """[C, T', h, w] features -> [T', T'] cosine similarities of the
    spatially averaged time slices."""
    slices = features.flatten(2).mean(dim=2).transpose(0, 1)  # [T', C]
    slices = torch.nn.functional.normalize(slices.float(), dim=1)
    return (slices @ slices.T).numpy()


def off_diagonal_mean(matrix: np.ndarray) -> float:
    mask = ~np.eye(len(matrix), dtype=bool)
    return float(matrix[mask].mean())


def plot(matrices, names, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, len(matrices),
                                figsize=(3.2 * len(matrices), 3),
                                squeeze=False)
    for axis, matrix, name in zip(axes[0], matrices, names):
        image = axis.imshow(matrix, vmin=-1, vmax=1, cmap='viridis')
        axis.set_title(f'{name}\noff-diagonal {off_diagonal_mean(matrix):.2f}')
        axis.set_xlabel('time slice')
        axis.set_ylabel('time slice')
    figure.colorbar(image, ax=axes[0].tolist(), shrink=0.8)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--checkpoints', nargs='+', required=True)
    parser.add_argument('--names', nargs='+',
                        help='labels of the checkpoints (default: file names)')
    parser.add_argument('--videos', nargs='+', required=True)
    parser.add_argument('--arch', default='auto',
                        choices=('auto', 'tiny', 'small', 'base', 'large'),
                        help='encoder size (auto: read from the weights)')
    parser.add_argument('--num-frames', type=int, default=16)
    parser.add_argument('--interval', type=int, default=4)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--config', default=FEATURES_CONFIG,
                        help='config whose test pipeline and data '
                        'preprocessor prepare the clips')
    parser.add_argument('--out-dir', default='work_dirs/feature_similarity')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    names = args.names or [osp.splitext(osp.basename(c))[0]
                           for c in args.checkpoints]
    if len(names) != len(args.checkpoints):
        parser.error('give one name per checkpoint')
    for path in args.checkpoints + args.videos:
        if not osp.isfile(path):
            parser.error(f'{path} does not exist')
    try:
        config = load_config(args.config, clip_len=args.num_frames,
                             frame_interval=args.interval, size=args.size)
    except (KeyError, ValueError) as error:  # a setting reaching nothing
        parser.error(error.args[0])
    os.makedirs(args.out_dir, exist_ok=True)

    clips = [read_clip(v, config) for v in args.videos]
    matrices = []
    for checkpoint, name in zip(args.checkpoints, names):
        encoder = load_encoder(checkpoint, args.arch, args.size,
                               args.num_frames, 'featmap', args.device)
        with torch.no_grad():
            per_video = [slice_similarity(encoder(clip.to(args.device))[0]
                                          .cpu()) for clip in clips]
        matrix = np.mean(per_video, axis=0)
        matrices.append(matrix)
        np.save(osp.join(args.out_dir, f'{name}.npy'), matrix)
        np.savetxt(osp.join(args.out_dir, f'{name}.csv'), matrix,
                   delimiter=',', fmt='%.5f')
        print(f'{name}: mean off-diagonal similarity '
              f'{off_diagonal_mean(matrix):.4f} over {len(clips)} videos')
    plot(matrices, names, osp.join(args.out_dir, 'similarity.png'))
    print(f'wrote {args.out_dir}/similarity.png')
    return 0


if __name__ == '__main__':
    sys.exit(main())
