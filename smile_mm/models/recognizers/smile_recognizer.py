"""SMILERecognizer: wires SMILE's encoder, decoder, head and target."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import torch
from mmaction.registry import MODELS
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from torch import Tensor

from ..target_generators.base import INPUT_NORMS, TargetGenerator
from ..utils import mask_indices, on_load_state_dict, on_state_dict

_TARGET = 'target_generator.'


@MODELS.register_module()
class SMILERecognizer(BaseModel):
    """Masked video pretraining with a frozen target (SMILE, VideoMAE).

    ``forward(mode='loss')``: the encoder sees the visible tokens of each
    clip (``data_sample.mask``, from ``TubeTrajectoryMaskGenerator``), the
    decoder predicts the masked ones, the target generator gives the target
    of every token, and the head returns the loss over the masked tokens.
    ``forward(mode='tensor')``: the encoder's feature map of all tokens,
    [B, C, T', h, w].

    The decoder's widths and token count and the target generator's grid
    and statistics come from the encoder and data preprocessor. Checkpoints
    leave out the frozen target generator.

    Args:
        backbone: Encoder config (``MaskedVideoViT``).
        neck: Decoder config (``VideoMAEDecoder``).
        head: Loss config (``CLIPTargetHead``).
        target_generator: ``CLIPTeacher``, ``PixelTarget`` or
            ``TimmTeacher`` config.
        data_preprocessor: Defaults to mmaction's ``ActionDataPreprocessor``
            with ImageNet statistics and ``NCTHW`` clips.
        init_cfg: mmengine initialisation config of the whole model, applied
            after the parts' own; the target generator keeps its weights.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 target_generator: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            mean, std = INPUT_NORMS['imagenet']
            data_preprocessor = dict(
                type='ActionDataPreprocessor', mean=list(mean),
                std=list(std), format_shape='NCTHW')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        mean = getattr(self.data_preprocessor, 'mean', None)
        std = getattr(self.data_preprocessor, 'std', None)
        target_args = dict(grid=self.backbone.grid,
                           tubelet_size=self.backbone.tubelet_size,
                           patch_size=self.backbone.patch_size)
        if mean is not None:
            target_args.update(pixel_mean=mean.flatten().tolist(),
                               pixel_std=std.flatten().tolist())
        self.target_generator: TargetGenerator = MODELS.build(
            target_generator, default_args=target_args)
        width = self.target_generator.out_channels
        if neck.get('in_channels', self.backbone.embed_dims) != \
                self.backbone.embed_dims:
            raise ValueError(
                f"decoder in_channels={neck['in_channels']} does not match "
                f'the encoder width {self.backbone.embed_dims}; remove '
                'in_channels from the neck config to use the encoder width')
        if neck.get('out_channels', width) != width:
            raise ValueError(
                f"decoder out_channels={neck['out_channels']} does not match "
                f'the target width {width} '
                f'({type(self.target_generator).__name__}); remove '
                'out_channels from the neck config to use the target width')
        self.neck = MODELS.build(neck, default_args=dict(
            in_channels=self.backbone.embed_dims,
            num_tokens=self.backbone.num_tokens, out_channels=width))
        if head.get('norm_target', 'auto') == 'auto':
            head = dict(head, norm_target=self.target_generator.default_norm)
        self.head = MODELS.build(head)
        self.target_generator.log()
        on_state_dict(self, self._drop_target_generator)
        on_load_state_dict(self, self._keep_target_generator)

    # ------------------------------------------------------------ checkpoints
    @staticmethod
    def _drop_target_generator(module, state_dict, prefix, local_metadata):
        for key in [k for k in state_dict if k.startswith(prefix + _TARGET)]:
            del state_dict[key]

    def _keep_target_generator(self, module, state_dict, prefix,
                               *args) -> None:
        """Strict loading does not ask checkpoints for the teacher."""
        for key, value in self.target_generator.state_dict().items():
            state_dict.setdefault(prefix + _TARGET + key, value)

    # ------------------------------------------------------------------- steps
    def train_step(self, data, optim_wrapper):
        """mmengine's train step on one batch of all clips.

        With ``TolerantVideoDataset(clips_per_video=k)`` a sample is a list
        of ``k`` clips; mmengine's default collate turns a batch of them
        into ``k`` batches. They are joined into one, as
        ``repeat_pseudo_collate`` gives it.
        """
        if isinstance(data, (list, tuple)) and data:
            if all(isinstance(part, str) for part in data):
                # repeat_pseudo_collate iterated dicts: one clip per sample
                raise ValueError(
                    f'the batch is the names {sorted(set(data))}, not '
                    "clips: collate_fn=dict(type='repeat_pseudo_collate') "
                    'joins lists of clips (clips_per_video > 1); with one '
                    'clip per sample (clips_per_video=1) use '
                    "collate_fn=dict(type='pseudo_collate')")
            if all(isinstance(part, dict) for part in data):
                data = {key: [item for part in data for item in part[key]]
                        for key in data[0]}
        log_vars = super().train_step(data, optim_wrapper)
        # checked after the step, where mmengine reads the loss anyway: a
        # check inside it would stall the GPU once per step
        self._check_finite(log_vars, data.get('data_samples') or [])
        return log_vars

    # ----------------------------------------------------------------- forward
    @staticmethod
    def _clips(inputs: Tensor) -> Tensor:
        """[B, clips, C, T, H, W] or [B, C, T, H, W] -> [B', C, T, H, W]."""
        return inputs.flatten(0, 1) if inputs.ndim == 6 else inputs

    def extract_feat(self, inputs: Tensor) -> Tensor:
        """Feature map [B, C, T', h, w] of all tokens."""
        return self.backbone(self._clips(inputs))

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise ValueError(
            f'SMILERecognizer is a pretraining model and has no mode '
            f"{mode!r}: use mode='loss' to train and mode='tensor' for "
            'features; evaluate by fine-tuning or linear probing')

    @staticmethod
    def _token_indices(data_samples: Optional[List], batch: int,
                       device) -> Tuple[Tensor, Tensor]:
        """The visible and masked token indices of the batch's masks
        (which mmengine has moved to the device: one copy back), computed
        once, on the CPU, and handed to encoder, decoder and head."""
        if not data_samples or 'mask' not in data_samples[0]:
            raise ValueError(
                "the batch has no token masks: add TubeTrajectoryMaskGenerator"
                " and PackActionInputs(algorithm_keys=('mask',)) to the "
                'training pipeline')
        masks = torch.stack([torch.as_tensor(s.mask)
                             for s in data_samples]).cpu()
        if masks.shape[0] != batch:
            raise ValueError(f'{masks.shape[0]} masks for {batch} clips; use '
                             'one clip per sample (num_clips=1)')
        visible, masked = mask_indices(masks)
        return (visible.to(device, non_blocking=True),
                masked.to(device, non_blocking=True))

    def loss(self, inputs: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """Reconstruction loss of the masked tokens."""
        video = self._clips(inputs)
        visible, masked = self._token_indices(data_samples, video.shape[0],
                                              video.device)
        latent = self.backbone(video, visible)
        pred = self.neck(latent, visible, masked)
        target = self.target_generator(video)
        return self.head.loss(pred, target, masked)

    @staticmethod
    def _check_finite(losses: Dict[str, Tensor], data_samples: List) -> None:
        loss = losses['loss']
        if bool(torch.isfinite(loss)):
            return
        iteration = MessageHub.get_current_instance().get_info('iter')
        files = [str(s.metainfo.get('filename', '?')) for s in data_samples]
        raise FloatingPointError(
            f'SMILE loss is {loss.item()} at iteration {iteration}; batch: '
            + ', '.join(files) + '. Lower the learning rate, check these '
            'clips, or resume from the last checkpoint.')
