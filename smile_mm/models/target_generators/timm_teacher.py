"""TimmTeacher: the image teachers of Table 4b (DINOv2, DINO, MAE) via timm."""
from __future__ import annotations

import os.path as osp
from typing import Union

from mmaction.registry import MODELS
from torch import Tensor

from .base import ImageTeacher


@MODELS.register_module()
class TimmTeacher(ImageTeacher):
    """A frozen timm ViT as teacher: its patch tokens after the final norm
    (class and register tokens dropped) on the first frame of each tubelet.

    Frames are resized so that the teacher's patch grid equals the
    student's; the position embedding follows (``dynamic_img_size``).

    Args:
        model_name: timm model name with its pretrained tag.
        pretrained: ``True`` to let timm download the weights, a local
            checkpoint path (loaded strictly through timm), or ``None`` for
            random weights (tests only; said in the log).
        input_norm: ``'model'`` for the statistics of the timm weights, or
            as :class:`ImageTeacher`.
        **kwargs: See :class:`ImageTeacher`.
    """

    def __init__(self,
                 model_name: str = 'vit_base_patch16_224.dino',
                 pretrained: Union[bool, str, None] = True,
                 input_norm='model',
                 **kwargs) -> None:
        import timm
        options = dict(num_classes=0, dynamic_img_size=True)
        if isinstance(pretrained, str):
            path = osp.expanduser(pretrained)
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'teacher checkpoint {path} does not exist')
            options.update(pretrained=True,
                           pretrained_cfg_overlay=dict(file=path))
        else:
            options.update(pretrained=bool(pretrained))
        try:
            model = timm.create_model(model_name, **options)
        except RuntimeError as error:
            raise RuntimeError(f'teacher {model_name} could not load '
                               f'{pretrained}: {error}') from None
        if input_norm == 'model':
            config = model.pretrained_cfg
            input_norm = (tuple(255 * v for v in config['mean']),
                          tuple(255 * v for v in config['std']))
        super().__init__(input_norm=input_norm, **kwargs)
        self.model_name = model_name
        self.pretrained = pretrained
        self.model = model
        self.teacher_patch = model.patch_embed.patch_size[0]
        self.freeze()

    @property
    def out_channels(self) -> int:
        return self.model.num_features

    def describe(self) -> str:
        source = ('RANDOM weights (pretrained=None; for tests only)'
                  if self.pretrained is None else
                  'timm weights' if self.pretrained is True else
                  f'weights {self.pretrained}')
        return (f'{self.model_name} patch features with {source}, '
                f'{self.out_channels} per token, from the first frame of '
                'each tubelet')

    def patch_tokens(self, frames: Tensor) -> Tensor:
        tokens = self.model.forward_features(frames)
        return tokens[:, self.model.num_prefix_tokens:]
