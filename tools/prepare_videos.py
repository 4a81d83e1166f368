"""Re-encode videos for SMILE's random access: ``python tools/prepare_videos.py
SRC OUT [--list LIST]``.

A training clip starts at a random frame, and a decoder must start from the
keyframe before it: with the keyframe every few seconds of downloaded
videos, most of a clip's decoding time goes into frames nobody asked for.
This writes each video again as H.264 with a keyframe every ``--gop`` frames
(no scene-cut keyframes in between), resized to a short side of
``--short-side`` pixels as mmaction2 prepares Kinetics, at its own frame
rate and without audio, through PyAV (FFmpeg with libx264, from PyPI).

* Input: every video directly under SRC, or the videos a list names
  (``path label`` lines, paths relative to SRC).
* Output: ``OUT/<path>.mp4`` for each, and ``OUT/videos.txt`` listing them in
  mmaction2's format (the labels of ``--list``; 0 for a folder, which
  pretraining does not read), in input order.
* Parallel over ``--workers`` processes with a progress bar.
* Resumable: a video is written under a temporary name and renamed when
  complete, so a file under its final name is whole and is skipped on a
  rerun; nothing partial is ever left under a final name.
* Videos it cannot read are listed at the end and left out of the list;
  the exit status is then 1.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from typing import List, Optional, Sequence, Tuple



def output_name(path: str) -> str:
    """``a/b.mp4`` keeps its name; ``a/b.avi`` -> ``a/b_avi.mp4`` (so that a
    ``b.mp4`` beside it stays another video)."""
    stem, ext = osp.splitext(path)
    return path if ext.lower() == '.mp4' else f'{stem}_{ext[1:].lower()}.mp4'


def scaled_size(width: int, height: int, short_side: int) -> Tuple[int, int]:
    """(width, height) with the short side ``short_side`` (never enlarged),
    both even as yuv420p needs."""
    scale = min(1.0, short_side / min(width, height))
    return (max(2, int(round(width * scale / 2)) * 2),
            max(2, int(round(height * scale / 2)) * 2))


def reencode(source: str, target: str, short_side: int, gop: int,
             crf: int) -> int:
    """Write ``source`` to ``target`` (via a temporary name); returns the
    frames written."""
    import av
    from av.video.frame import PictureType
    folder = osp.dirname(osp.abspath(target))
    os.makedirs(folder, exist_ok=True)
    partial = osp.join(folder, f'.{osp.basename(target)}.{os.getpid()}.part')
    frames = 0
    try:
        with av.open(source) as reader:
            stream = reader.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or 25
            width, height = scaled_size(stream.codec_context.width,
                                        stream.codec_context.height,
                                        short_side)
            with av.open(partial, 'w', format='mp4') as writer:
                out = writer.add_stream('libx264', rate=rate)
                out.width, out.height, out.pix_fmt = width, height, 'yuv420p'
                out.options = {'g': str(gop), 'keyint_min': str(gop),
                               'sc_threshold': '0', 'crf': str(crf),
                               'preset': 'veryfast'}
                for frame in reader.decode(stream):
                    frame = frame.reformat(width=width, height=height,
                                           format='yuv420p',
                                           interpolation='AREA')
                    frame.pts, frame.time_base = frames, 1 / Fraction(rate)
                    # a source keyframe would force one here too
                    frame.pict_type = PictureType.NONE
                    for packet in out.encode(frame):
                        writer.mux(packet)
                    frames += 1
                for packet in out.encode():
                    writer.mux(packet)
        if frames == 0:
            raise ValueError('no frames decoded')
        os.replace(partial, target)
    finally:
        if osp.exists(partial):
            os.remove(partial)
    return frames


def _job(args: Tuple[str, str, int, int, int]) -> Tuple[str, Optional[str]]:
    source, target = args[:2]
    try:
        reencode(*args)
        return source, None
    except Exception as error:  # noqa: BLE001 - listed at the end
        return source, f'{type(error).__name__}: {error}'


def inputs(src: str, list_file: Optional[str]) -> List[Tuple[str, str]]:
    """(path relative to SRC, the rest of its line) in input order."""
    if list_file is None:  # smile_mm (torch, mmaction) only when needed
        from smile_mm.datasets.lists.file_kinds import VIDEO_EXTENSIONS
        names = sorted(name for name in os.listdir(src)
                       if name.lower().endswith(VIDEO_EXTENSIONS))
        return [(name, '0') for name in names]
    from smile_mm.datasets.lists.annotation_list import read_video_list
    return [(entry.path, entry.line[len(entry.path):].strip() or '0')
            for entry in read_video_list(list_file, multi_label=True)]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='folder of the videos')
    parser.add_argument('out', help='folder of the prepared videos')
    parser.add_argument('--list', help='videos to prepare, as "path label" '
                        'lines relative to SRC (default: all under SRC)')
    parser.add_argument('--short-side', type=int, default=320)
    parser.add_argument('--gop', type=int, default=16,
                        help='frames between keyframes')
    parser.add_argument('--crf', type=int, default=23,
                        help='x264 quality (lower is larger and better)')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--out-list', default=None,
                        help='the list to write (default OUT/videos.txt)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.gop < 1 or args.short_side < 2:
        raise SystemExit(f'--gop must be >= 1 and --short-side >= 2, got '
                         f'{args.gop} and {args.short_side}')
    videos = inputs(args.src, args.list)
    targets = {}
    for path, _ in videos:
        other = targets.setdefault(output_name(path), path)
        if other != path:
            raise SystemExit(f'{other} and {path} would both be written to '
                             f'{output_name(path)}; rename one')
    todo, done = [], 0
    for path, _ in videos:
        target = osp.join(args.out, output_name(path))
        if osp.isfile(target):
            done += 1
        else:
            todo.append((osp.join(args.src, path), target, args.short_side,
                         args.gop, args.crf))
    failed = {}
    from tqdm import tqdm
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        for source, error in tqdm(pool.map(_job, todo), total=len(todo),
                                  desc='prepare', unit='video'):
            if error:
                failed[source] = error
    listed = [(output_name(path), rest) for path, rest in videos
              if osp.join(args.src, path) not in failed]
    out_list = args.out_list or osp.join(args.out, 'videos.txt')
    os.makedirs(osp.dirname(osp.abspath(out_list)), exist_ok=True)
    with open(out_list, 'w', encoding='utf-8') as file:
        file.writelines(f'{path} {rest}\n' for path, rest in listed)
    print(f'{len(todo) - len(failed)} prepared, {done} already there, '
          f'{len(failed)} failed, of {len(videos)} videos -> {args.out}; '
          f'list: {out_list}')
    for source, error in failed.items():
        print(f'  failed: {source}: {error}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
