"""Render clips exactly as a config's training pipeline makes them.

For each clip it writes an animation (GIF or MP4) with the overlaid clip on
the left and the model's view on the right, and one PNG grid of all clips
(two rows per clip, one frame per tubelet). In the model's view masked
tokens are dark, visible tokens that objects cover are tinted green, and
object outlines are yellow in the left view.

    python tools/visualize_motion.py configs/smile/pretrain/CONFIG.py \\
        --out-dir work_dirs/vis --num-clips 4 --format gif
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import cv2
import numpy as np

import smile_mm  # noqa: F401  (upstream fixes and registrations first)
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from smile_mm.datasets.lists.annotation_list import AnnotationError
from smile_mm.datasets.transforms.loading_guard import UnreadableSample
from smile_mm.engine import ConfigSettingError, resolve_references
from smile_mm.engine.console_log import quiet_console
from smile_mm.datasets.transforms.pipeline_order import transform_name

STOP_AT = ('FormatShape', 'PackActionInputs')


def run_until_formatting(dataset, index: int) -> Dict:
    """Results of the dataset's pipeline before FormatShape. A file a
    loading transform cannot read raises ``UnreadableSample`` (with
    smile_mm's tolerant datasets) naming it."""
    results = dataset.get_data_info(index)
    for transform in dataset.pipeline.transforms:
        if transform_name(transform) in STOP_AT:
            break
        results = transform(results)
        if results is None:
            raise RuntimeError(f'the pipeline dropped sample {index}')
    return results


def render(results: Dict, tubelet: int, patch: int) -> np.ndarray:
    """[T, H, 2W, 3] uint8: overlaid clip | what the encoder sees."""
    clip = np.stack(results['imgs']).astype(np.uint8)
    left = clip.copy()
    masks = results.get('object_masks')
    if masks is not None:
        outline = np.zeros(clip.shape[:3], bool)
        kernel = np.ones((3, 3), np.uint8)
        for t in range(clip.shape[0]):
            union = masks[:, t].any(axis=0).astype(np.uint8)
            outline[t] = cv2.dilate(union, kernel).astype(bool) & ~union.astype(
                bool)
        left[outline] = (255, 230, 0)
    right = clip.copy()
    mask = results.get('mask')
    if mask is not None:
        mask = np.asarray(mask)

        def expand(grid: np.ndarray) -> np.ndarray:
            return grid.repeat(tubelet, 0).repeat(patch, 1).repeat(patch, 2)

        hidden = expand(mask)
        right[hidden] = (right[hidden] * 0.2).astype(np.uint8)
        objects = results.get('object_tokens')
        if objects is not None:
            seen = expand(objects & ~mask)
            right[seen] = (0.6 * right[seen] + (0, 100, 0)).astype(np.uint8)
        grid_lines = np.zeros(clip.shape[1:3], bool)
        grid_lines[::patch] = grid_lines[:, ::patch] = True
        right[:, grid_lines] = (right[:, grid_lines] * 0.6).astype(np.uint8)
    return np.concatenate([left, right], axis=2)


def write_animation(frames: np.ndarray, path: str, fps: float) -> None:
    if path.endswith('.gif'):
        from PIL import Image
        images = [Image.fromarray(frame) for frame in frames]
        images[0].save(path, save_all=True, append_images=images[1:],
                       duration=int(1000 / fps), loop=0)
        return
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise OSError(f'cannot write {path} with the mp4v codec')
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config whose train pipeline to show')
    parser.add_argument('--out-dir', default='work_dirs/visualize_motion')
    parser.add_argument('--num-clips', type=int, default=4)
    parser.add_argument('--start', type=int, default=0,
                        help='index of the first sample')
    parser.add_argument('--format', choices=('gif', 'mp4'), default='gif')
    parser.add_argument('--fps', type=float, default=6)
    parser.add_argument('--thumb', type=int, default=112,
                        help='frame height in the PNG grid')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    args = parser.parse_args(argv)

    from mmaction.registry import DATASETS

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    try:
        cfg = resolve_references(cfg)
    except ConfigSettingError as error:
        parser.error(str(error))
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    # mmaction2's decoders warn about mmengine's FileClient at every build
    quiet_console(MMLogger.get_current_instance())
    try:
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    except (AnnotationError, FileNotFoundError) as error:
        parser.error(f'{error}; point the config at your videos with '
                     '--cfg-options data_root=FOLDER ann_file_train=LIST '
                     '(docs/settings.md)')
    tubelet, patch = 2, 16
    for transform in dataset.pipeline.transforms:
        if transform_name(transform) == 'TubeTrajectoryMaskGenerator':
            tubelet, patch = transform.tubelet_size, transform.patch_size

    np.random.seed(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    rows = []
    end = min(args.start + args.num_clips, len(dataset))
    skipped = []
    for index in range(args.start, end):
        source = dataset.get_data_info(index).get('filename', index)
        failed = getattr(dataset.pipeline, 'failed', None)
        if failed is not None and bool(failed[index]):
            skipped.append(f'{source}: does not exist')
            continue
        try:
            results = run_until_formatting(dataset, index)
        except UnreadableSample as failure:
            skipped.append(f'{source}: {transform_name(failure.transform)} '
                           f'failed: {failure.error}')
            continue
        frames = render(results, tubelet, patch)
        path = osp.join(args.out_dir, f'clip_{index:05d}.{args.format}')
        write_animation(frames, path, args.fps)
        scale = args.thumb / frames.shape[1]
        thumbs = [
            cv2.resize(frame, None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_AREA)
            for frame in frames[::tubelet]
        ]
        half = thumbs[0].shape[1] // 2
        rows.append(np.concatenate([t[:, :half] for t in thumbs], axis=1))
        rows.append(np.concatenate([t[:, half:] for t in thumbs], axis=1))
        print(f'wrote {path}')
    for reason in skipped:
        print(f'skipped {reason}', file=sys.stderr)
    if not rows:
        print(f'no sample to show from index {args.start}'
              + (f' ({len(skipped)} unreadable)' if skipped else ''),
              file=sys.stderr)
        return 1
    grid_path = osp.join(args.out_dir, 'grid.png')
    cv2.imwrite(grid_path, cv2.cvtColor(np.concatenate(rows), cv2.COLOR_RGB2BGR))
    print(f'wrote {grid_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
