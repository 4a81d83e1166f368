"""RepetitionCountHead: how many times the action in a clip repeats."""
from __future__ import annotations

from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


@MODELS.register_module()
class RepetitionCountHead(BaseModule):
    """A linear regression of the repetition count from pooled features
    (SEVERE's task-shift experiment UCF-RC), for mmaction2's
    ``Recognizer3D``.

    The count is ``softplus(linear(features))``; the loss is the mean
    absolute error relative to the true count, the quantity SEVERE reports.
    Views of a video (multi-view testing) are averaged.

    Args:
        in_channels: Feature width.
        dropout_ratio: Dropout before the linear layer.
        init_cfg: mmengine initialisation config; ``None`` means truncated
            normal weights (std 0.02) and a zero bias.
    """

    def __init__(self, in_channels: int, dropout_ratio: float = 0.0,
                 init_cfg: Optional[dict] = None) -> None:
        if init_cfg is None:
            init_cfg = dict(type='TruncNormal', layer='Linear', std=0.02,
                            bias=0)
        super().__init__(init_cfg=init_cfg)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.fc = nn.Linear(in_channels, 1)

    def forward(self, feats: Tensor) -> Tensor:
        """[B, C] pooled features -> [B] counts."""
        if self.dropout is not None:
            feats = self.dropout(feats)
        return F.softplus(self.fc(feats)).squeeze(-1)

    def loss(self, feats: Tensor, data_samples: List,
             **kwargs) -> Dict[str, Tensor]:
        if 'count' not in data_samples[0]:
            raise ValueError("samples carry no 'count': use "
                             'RepetitionCountDataset and PackActionInputs('
                             "algorithm_keys=('count',))")
        counts = torch.tensor([float(s.count) for s in data_samples],
                              device=feats.device)
        return dict(loss_count=((self(feats) - counts).abs() / counts).mean())

    def predict(self, feats: Tensor, data_samples: List,
                **kwargs) -> List:
        pred = self(feats).view(len(data_samples), -1).mean(dim=1)
        for sample, count in zip(data_samples, pred):
            sample.set_field(count.detach().cpu(), 'pred_count')
        return data_samples
