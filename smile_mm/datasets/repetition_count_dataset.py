"""Videos with a repetition count (UCF-RC of SEVERE)."""
from __future__ import annotations

import os.path as osp
from typing import Dict, List

from mmaction.registry import DATASETS

from .tolerant_video_dataset import TolerantVideoDataset


@DATASETS.register_module()
class RepetitionCountDataset(TolerantVideoDataset):
    """Annotation lines ``path count``: a video and how many times its
    action repeats (UCFRep / UCF-RC in SEVERE, Table 14).

    Each sample carries ``count`` (float); pack it with
    ``PackActionInputs(algorithm_keys=('count',))`` for
    :class:`RepetitionCountHead` and :class:`RepetitionCountMetric`.
    """

    def load_data_list(self) -> List[Dict]:
        data_list = []
        with open(self.ann_file) as file:
            for number, line in enumerate(file, 1):
                if not line.strip():
                    continue
                parts = line.split()
                try:
                    count = float(parts[1])
                except (IndexError, ValueError):
                    raise ValueError(
                        f'{self.ann_file}:{number}: expected "path count", '
                        f'got {line.strip()!r}') from None
                if count <= 0:
                    raise ValueError(f'{self.ann_file}:{number}: count must '
                                     f'be positive, got {count}')
                filename = osp.join(self.data_prefix['video'], parts[0])
                data_list.append(dict(filename=filename, count=count))
        return data_list
