"""Sliding-window features of long videos for temporal action localisation.

One [T, C] float32 array per video, the mean-pooled encoder tokens of
16-frame snippets every ``--stride`` frames (snippet ``i`` covers frames
``i * stride .. i * stride + 15``, so its centre is ``i * stride + 8``; with
``--frame-interval k`` it takes every k-th frame of ``i * stride .. i *
stride + 15 k``, centre ``i * stride + 7.5 k``), in the file layout OpenTAD's ``LoadFeats`` reads:
``OUT/{prefix}{video name}.{npy|pt}``. The encoder's size is read from the
checkpoint (``--arch`` to say it). Frames are prepared by the steps after
decoding of ``--config``'s test pipeline and its data preprocessor
(default: ``configs/smile/features/smile_vit_16x4x1_centre-clip.py``, short
side to ``--size``, centre crop); the snippets replace its sampling.

    # THUMOS-14 (OpenTAD: feature_stride=4, offset_frames=8)
    python tools/extract_features.py work_dirs/smile/epoch_300.pth \\
        data/thumos-14/raw_data/video data/thumos-14/features/smile_vit-b_s4
    # ActivityNet-1.3 (OpenTAD resizes to 192 steps; file names v_<id>)
    python tools/extract_features.py CKPT data/activitynet-1.3/videos \\
        data/activitynet-1.3/features/smile_vit-b_s16 --stride 16 --prefix v_

Every output is written whole (temporary file, then rename) with a record
of what made it, written last (``OUT/.smile_mm/<file>.json``, a
:class:`smile_mm.fileio.RecordCache`: checkpoint sha256, arch, snippet,
stride, size, the preprocessing's sha256, format, the video's name and
size, the shape). A rerun reuses an output only when its record matches and
the file reads back with the recorded shape, so an interrupted run resumes
and a run with other settings (or a record of an older layout) redoes what
they change. Videos that fail are listed at the end
and the exit status is 1; a write error (a full disk) stops the run with
the folder and its free space, exit status 2.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import os.path as osp
import pickle
import sys
import time
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config

import smile_mm  # noqa: F401  (upstream fixes and registrations first)
from smile_mm.apis import (config_test_pipeline, data_preprocessor,
                           load_config, load_encoder, to_clip)
from smile_mm.apis.inference import FEATURES_CONFIG
from smile_mm.datasets.lists.annotation_list import read_path_list
from smile_mm.datasets.lists.file_kinds import VIDEO_EXTENSIONS
from smile_mm.fileio import (RecordCache, StaleEntry, file_digest,
                             write_whole)



def list_videos(source: str, list_file: Optional[str]) -> List[str]:
    if list_file:
        return [osp.join(source, name) for name in read_path_list(list_file)]
    if not osp.isdir(source):
        raise FileNotFoundError(f'video folder {source} does not exist')
    return sorted(osp.join(source, name) for name in os.listdir(source)
                  if name.lower().endswith(VIDEO_EXTENSIONS))


def snippet_starts(num_frames: int, snippet: int, stride: int,
                   interval: int = 1) -> List[int]:
    """First frames of the snippets (``snippet`` frames ``interval`` apart);
    a video shorter than one snippet has one (its last frame repeated)."""
    span = (snippet - 1) * interval + 1
    return list(range(0, max(num_frames - span, 0) + 1, stride))


def snippet_batches(reader, starts: List[int], snippet: int, batch: int,
                    config: Config, interval: int = 1
                    ) -> Iterator[torch.Tensor]:
    """[B, 3, snippet, H, W] float32 clips prepared as ``config``'s test
    pipeline prepares decoded frames; each batch decodes the frames its
    snippets use, each once, and no other."""
    total = len(reader)
    offsets = np.arange(snippet) * interval
    for first in range(0, len(starts), batch):
        group = np.minimum(np.asarray(starts[first:first + batch])[:, None]
                           + offsets, total - 1)  # [B, snippet]
        needed, where = np.unique(group, return_inverse=True)
        frames = to_clip(list(reader.get_batch(needed.tolist()).asnumpy()),
                         config)  # [V, 3, frames, H, W]
        if len(frames) != 1:
            raise ValueError(
                f'the test pipeline of {config.filename} makes '
                f'{len(frames)} views of a clip; features take one '
                '(CenterCrop, not ThreeCrop or TenCrop)')
        clips = frames[0][:, torch.from_numpy(where.reshape(group.shape))]
        yield clips.transpose(0, 1)


@torch.no_grad()
def extract_video(encoder, path: str, snippet: int, stride: int, batch: int,
                  config: Config, device: str, interval: int = 1
                  ) -> np.ndarray:
    import decord
    reader = decord.VideoReader(path, num_threads=1)
    if len(reader) == 0:
        raise ValueError('the video has no frames')
    starts = snippet_starts(len(reader), snippet, stride, interval)
    features = []
    for clips in snippet_batches(reader, starts, snippet, batch, config,
                                 interval):
        inputs = clips.to(device)
        with torch.autocast(inputs.device.type, dtype=torch.bfloat16,
                            enabled=inputs.is_cuda):
            features.append(encoder(inputs).float().cpu())
    return torch.cat(features).numpy().astype(np.float32)


RECORDS = '.smile_mm'  # OUT/.smile_mm/<file>.json: what made each output


def preprocessing_digest(config: Config) -> str:
    """sha256 of what prepares the frames: the config's test pipeline and
    data preprocessor, whatever file they come from."""
    text = json.dumps([config_test_pipeline(config),
                       data_preprocessor(config)], sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def producer(args, checkpoint_digest: str, preprocessing: str,
             video: str) -> Dict:
    """What an output depends on: the encoder, the sampling, the
    preprocessing and the video (its name and size: a moved or copied video
    folder is still the same)."""
    made = dict(checkpoint_sha256=checkpoint_digest, arch=args.arch,
                snippet=args.snippet, stride=args.stride, size=args.size,
                preprocessing_sha256=preprocessing,
                format=args.feat_format, video=osp.basename(video),
                video_bytes=os.path.getsize(video))
    if args.frame_interval != 1:  # records of consecutive frames stay valid
        made['frame_interval'] = args.frame_interval
    return made


def entry(out: str, filename: str) -> RecordCache:
    """``OUT/<filename>`` and its record, ``OUT/.smile_mm/<filename>.json``."""
    return RecordCache(osp.join(out, RECORDS, filename + '.json'),
                       dict(features=osp.join(out, filename)))


MISSING = 'missing_files.txt'  # OpenTAD's block_list beside the features


def output_name(video_stem: str, prefix: str, feat_format: str) -> str:
    """``{prefix}{video}.{format}``; a video already named with the prefix
    (OpenTAD's ActivityNet videos are v_<id>.mp4) keeps its name."""
    stem = video_stem if video_stem.startswith(prefix) else prefix + \
        video_stem
    return f'{stem}.{feat_format}'


def write_missing_list(out: str, videos: List[str], prefix: str,
                       feat_format: str, annotations: Optional[str]
                       ) -> List[str]:
    """Write ``OUT/missing_files.txt``: the names OpenTAD's annotations use
    (the feature file's name without prefix and extension) of the videos
    without features: this run's failures, earlier entries still without
    features, and annotated videos with none."""
    def has_features(video_id: str) -> bool:
        return osp.exists(osp.join(out, f'{prefix}{video_id}.'
                                   f'{feat_format}'))

    def video_id(path: str) -> str:
        name = output_name(osp.splitext(osp.basename(path))[0], prefix,
                           feat_format)
        return osp.splitext(name)[0][len(prefix):]

    names = {video_id(path) for path in videos}
    listed = osp.join(out, MISSING)
    if osp.exists(listed):
        with open(listed) as file:
            names.update(line.strip() for line in file if line.strip())
    if annotations:
        with open(annotations) as file:
            names.update(json.load(file)['database'])
    missing = sorted(name for name in names if not has_features(name))
    text = ''.join(f'{name}\n' for name in missing)
    write_whole(listed, lambda file: file.write(text.encode()))
    return missing


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='smile_mm or mmaction2 checkpoint')
    parser.add_argument('videos', help='folder of videos')
    parser.add_argument('out', help='folder of the feature files')
    parser.add_argument('--list', help='file of video paths relative to '
                        'the folder (first column), instead of all videos')
    parser.add_argument('--arch', default='auto',
                        choices=('auto', 'tiny', 'small', 'base', 'large'),
                        help='encoder size (auto: read from the weights)')
    parser.add_argument('--snippet', type=int, default=16)
    parser.add_argument('--frame-interval', type=int, default=1,
                        help='frames between a snippet\'s frames (SMILE '
                        'pretrains on every 4th on K400)')
    parser.add_argument('--stride', type=int, default=4)
    parser.add_argument('--size', type=int, default=224,
                        help="frame size: the config's size and the "
                        "encoder's img_size")
    parser.add_argument('--config', default=FEATURES_CONFIG,
                        help='config whose test pipeline (the steps after '
                        'decoding) and data preprocessor prepare the frames; '
                        'its size is set to --size')
    parser.add_argument('--batch', type=int, default=32,
                        help='snippets per forward pass')
    parser.add_argument('--format', dest='feat_format', default='npy',
                        choices=('npy', 'pt'))
    parser.add_argument('--prefix', default='', help='file name prefix '
                        "(OpenTAD's ActivityNet configs read v_<id>); a "
                        'video name that starts with it keeps its name')
    parser.add_argument('--annotations', help="OpenTAD's annotation file "
                        '(a "database" of videos): its videos without '
                        'features go into missing_files.txt too')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    if args.stride < 1 or args.snippet < 2 or args.frame_interval < 1:
        parser.error('--stride and --frame-interval must be >= 1 and '
                     '--snippet >= 2')

    if not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint {args.checkpoint} does not exist')
    try:
        config = load_config(args.config, size=args.size)
        preprocessing = preprocessing_digest(config)
    except (KeyError, ValueError) as error:
        parser.error(error.args[0])
    try:
        encoder = load_encoder(args.checkpoint, args.arch, args.size,
                               args.snippet, 'mean', args.device)
    except (ValueError, pickle.UnpicklingError) as error:  # grid, arch
        parser.error(str(error))
    videos = list_videos(args.videos, args.list)
    os.makedirs(osp.join(args.out, RECORDS), exist_ok=True)
    digest = file_digest(args.checkpoint)
    failures: List[Tuple[str, str]] = []
    done = reused = redone = 0
    for number, path in enumerate(videos, 1):
        name = osp.splitext(osp.basename(path))[0]
        filename = output_name(name, args.prefix, args.feat_format)
        cache = entry(args.out, filename)
        if not osp.exists(path):
            if osp.exists(cache.arrays['features']) and \
                    osp.exists(cache.record):
                reused += 1
                print(f'[{number}/{len(videos)}] {name}: the video is gone; '
                      f'{filename} is kept as it was made', flush=True)
            else:
                failures.append((path, 'the video does not exist'))
                print(f'[{number}/{len(videos)}] {name}: FAILED (the video '
                      f'does not exist)', flush=True)
            continue
        made = producer(args, digest, preprocessing, path)
        if osp.exists(cache.arrays['features']):
            try:
                cache.read(made)
                reused += 1
                continue
            except StaleEntry as why:
                redone += 1
                print(f'[{number}/{len(videos)}] {name}: redone '
                      f'({filename}: {why})', flush=True)
        start = time.perf_counter()
        try:
            features = extract_video(encoder, path, args.snippet,
                                     args.stride, args.batch, config,
                                     args.device, args.frame_interval)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append((path, f'{type(error).__name__}: {error}'))
            print(f'[{number}/{len(videos)}] {name}: FAILED ({error})',
                  flush=True)
            continue
        try:
            cache.write(made, dict(features=features))
        except OSError as error:  # a full disk: nothing more will fit
            print(f'stopped at {name}: {error}', flush=True)
            return 2
        done += 1
        print(f'[{number}/{len(videos)}] {name}: {features.shape[0]} x '
              f'{features.shape[1]} in {time.perf_counter() - start:.1f} s',
              flush=True)
    missing = write_missing_list(args.out, videos, args.prefix,
                                 args.feat_format, args.annotations)
    print(f'{done} extracted ({redone} of them redone), {reused} reused, '
          f'{len(failures)} failed, of {len(videos)} videos -> {args.out}')
    for path, reason in failures:
        print(f'  failed: {path}: {reason}')
    if missing:
        print(f'{len(missing)} videos without features are listed in '
              f'{osp.join(args.out, MISSING)} (OpenTAD\'s block_list)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
