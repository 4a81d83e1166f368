"""CLIPTargetHead: the masked feature-reconstruction loss of SMILE (eq. 2)."""
from __future__ import annotations

from typing import Dict

import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor

from ..utils import take_tokens

NORMALISATIONS = ('clip', 'token', 'none')


@MODELS.register_module()
class CLIPTargetHead(BaseModule):
    """Mean squared error between predicted and target vectors, averaged over
    the masked tokens only (and over channels, as the authors' MSE does: the
    paper's equation 2 divided by the width).

    Args:
        norm_target: Normalisation of the targets of all tokens:
            ``'clip'`` (the authors' standardisation of each clip and
            channel), ``'token'`` (layer norm of each token, no affine) or
            ``'none'``. A :class:`SMILERecognizer` turns ``'auto'`` into
            its target generator's ``default_norm``.
        eps: Added to the standard deviation.
        loss_weight: Multiplier of the loss.
    """

    def __init__(self, norm_target: str = 'clip', eps: float = 1e-6,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if norm_target not in NORMALISATIONS:
            raise ValueError(
                f'norm_target {norm_target!r} is unknown; choose one of '
                f"{NORMALISATIONS} ('auto' is for a SMILERecognizer's head, "
                "which takes its target generator's default_norm)")
        self.norm_target = norm_target
        self.eps = eps
        self.loss_weight = loss_weight

    def normalise(self, target: Tensor) -> Tensor:
        """[B, N, C] -> [B, N, C] normalised as configured."""
        if self.norm_target == 'clip':
            mean = target.mean(dim=1, keepdim=True)
            std = target.std(dim=1, keepdim=True)
            return (target - mean) / (std + self.eps)
        if self.norm_target == 'token':
            return F.layer_norm(target, target.shape[-1:], eps=self.eps)
        return target

    def loss(self, pred: Tensor, target: Tensor,
             masked: Tensor) -> Dict[str, Tensor]:
        """Loss of the masked tokens.

        Args:
            pred: [B, N_masked, C] decoder output, in the order of
                ``masked``.
            target: [B, N, C] targets of all tokens.
            masked: [B, N_masked] indices of the masked tokens
                (:func:`~smile_mm.models.utils.mask_indices`).

        Returns:
            dict: ``loss``, a scalar.
        """
        if pred.shape[-1] != target.shape[-1]:
            raise ValueError(
                f'the decoder predicts {pred.shape[-1]} channels but the '
                f'target has {target.shape[-1]}; set the decoder\'s '
                'out_channels to the target width (or leave it unset)')
        if pred.shape[:2] != masked.shape or masked.shape[1] > \
                target.shape[1]:
            raise ValueError(
                f'predictions of shape {tuple(pred.shape)} for '
                f'{tuple(masked.shape)} masked tokens of clips of '
                f'{target.shape[1]} tokens')
        target = take_tokens(self.normalise(target.float()), masked)
        loss = F.mse_loss(pred.float(), target)
        return dict(loss=loss * self.loss_weight)
