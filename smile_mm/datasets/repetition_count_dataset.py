"""Videos with a repetition count (UCF-RC of SEVERE)."""
from __future__ import annotations

import os.path as osp
from typing import Dict, List

from mmaction.registry import DATASETS

from .lists.annotation_list import entry_error, read_video_list
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
        root = self.data_prefix.get('video') or ''
        data_list = []
        for entry in read_video_list(self.ann_file, label_type=float,
                                     label_required=True,
                                     delimiter=self.delimiter,
                                     value_name='count'):
            if entry.label <= 0:
                raise entry_error(self.ann_file, entry, 'the count must be '
                                  f'positive, got {entry.label}')
            data_list.append(dict(filename=osp.join(root, entry.path),
                                  count=entry.label))
        return data_list
