"""The real clips the benchmarks read: ``../shared/data/real_clips`` by
default."""
from __future__ import annotations

import glob
import os.path as osp
from typing import List

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_VIDEOS = osp.join(ROOT, '..', 'shared', 'data', 'real_clips')
EXTENSIONS = ('mp4', 'avi', 'mkv', 'webm')


def list_videos(folder: str = DEFAULT_VIDEOS) -> List[str]:
    """Sorted video files directly under ``folder`` (empty if none)."""
    return sorted(path for ext in EXTENSIONS
                  for path in glob.glob(osp.join(folder, f'*.{ext}')))
