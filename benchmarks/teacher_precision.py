"""What running the CLIP teacher in bfloat16 changes: target error and time.

The CLIP ViT-B/16 teacher (QuickGELU; random weights unless --pretrained
names a CLIP file) computes the targets of 16x224x224 clips in float32 and
in bfloat16 autocast. Its outputs go through the head's per-clip, per-channel
standardisation (the targets the student regresses), and the script reports:

* relative error ``||t_bf16 - t_fp32|| / ||t_fp32||`` of those targets;
* the MSE between them, the loss floor bf16 adds (a student's loss is the
  MSE of its prediction against the same standardised targets, about 0.3 to
  1 in training);
* the lowest cosine similarity of a token's two target vectors;
* seconds per clip (8 teacher frames) in each precision.

    python benchmarks/teacher_precision.py [--clips 4] [--pretrained FILE]
"""
from __future__ import annotations

import argparse
import os.path as osp
import statistics
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import smile_mm  # noqa: E402,F401
from benchmarks.results_table import record  # noqa: E402
from benchmarks.videos import DEFAULT_VIDEOS, list_videos  # noqa: E402
from smile_mm.apis import load_config, read_clip  # noqa: E402
from smile_mm.apis.inference import FEATURES_CONFIG  # noqa: E402
from smile_mm.models import CLIPTargetHead, CLIPTeacher  # noqa: E402


def clips(count: int, folder: str) -> torch.Tensor:
    """Real clips (16 frames every 4, 224 px: the centre clip of the tools'
    config), noise if there are none."""
    videos = list_videos(folder)[:count]
    if not videos:
        torch.manual_seed(0)
        return torch.randn(count, 3, 16, 224, 224)
    config = load_config(FEATURES_CONFIG)
    return torch.cat([read_clip(path, config) for path in videos])


def timed(teacher, video, repeats: int):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = teacher(video)
        if video.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clips', type=int, default=4)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--pretrained', help='a CLIP ViT-B/16 file')
    parser.add_argument('--videos', default=DEFAULT_VIDEOS,
                        help='folder of real clips')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    torch.manual_seed(0)
    teacher = CLIPTeacher('ViT-B-16', pretrained=args.pretrained,
                          on_missing_weights='random',
                          grid=(8, 14, 14)).to(args.device)
    head = CLIPTargetHead(norm_target='clip')
    video = clips(args.clips, args.videos).to(args.device)
    rows, targets = [], {}
    for dtype in ('fp32', 'bf16'):
        teacher.dtype = dtype
        teacher(video[:1])  # warm-up
        out, seconds = timed(teacher, video, args.repeats)
        targets[dtype] = head.normalise(out).float()
        rows.append((dtype, seconds / video.shape[0]))
    exact, approx = targets['fp32'], targets['bf16']
    relative = ((approx - exact).norm() / exact.norm()).item()
    mse = torch.mean((approx - exact)**2).item()
    cosine = torch.cosine_similarity(approx, exact, dim=-1).min().item()
    speedup = rows[0][1] / rows[1][1]
    device = (torch.cuda.get_device_name() if args.device.startswith('cuda')
              else f'CPU, {torch.get_num_threads()} threads')
    weights = args.pretrained or 'random weights'
    table = [[dtype, f'{seconds:.3f}',
              '0' if dtype == 'fp32' else f'{relative:.2e}',
              '0' if dtype == 'fp32' else f'{mse:.2e}',
              '1' if dtype == 'fp32' else f'{cosine:.5f}']
             for dtype, seconds in rows]
    notes = (f'{device}; {video.shape[0]} clips of 16x224x224 '
             f'({"real clips" if list_videos(args.videos) else "noise"}), CLIP '
             f'ViT-B/16 with {weights}, QuickGELU. bf16 is {speedup:.2f}x '
             'the speed of fp32 here. Errors are of the standardised '
             'targets (per clip and channel, as the loss sees them). '
             "The teacher's default is bf16: its MSE against the fp32 "
             "targets is three orders of magnitude below a student's loss "
             "(0.3 or more), so it costs nothing measurable; the authors' "
             'preset config keeps fp32. A CPU without bf16 matrix units '
             'gains little time; a GPU is measured with --device cuda (a '
             'section of its own), real CLIP weights with --pretrained '
             'FILE.')
    print(notes)
    for row in table:
        print(' | '.join(row))
    if not args.no_write:
        record(f'teacher_precision_{args.device.split(":")[0]}',
               f'CLIP teacher in bf16 against fp32 ({args.device})',
               'python benchmarks/teacher_precision.py ' +
               ' '.join(sys.argv[1:]),
               ['teacher dtype', 's / clip', 'relative error',
                'MSE vs fp32 targets', 'min token cosine'], table, notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
