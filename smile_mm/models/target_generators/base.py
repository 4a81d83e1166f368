"""What every target generator shares: frozen, one vector per token."""
from __future__ import annotations

import logging
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule, initialize
from torch import Tensor

#: Normalisation statistics of teacher inputs, on the 0-255 scale.
INPUT_NORMS = {
    'clip': ((122.770938, 116.74601, 104.09373),
             (68.500206, 66.632317, 70.323163)),
    'imagenet': ((123.675, 116.28, 103.53), (58.395, 57.12, 57.375)),
}
NormSpec = Union[str, Tuple[Sequence[float], Sequence[float]]]
#: precisions a teacher runs in: float32, or bfloat16 autocast
TEACHER_DTYPES = ('fp32', 'bf16')


def _stats(values: Sequence[float]) -> Tensor:
    return torch.tensor(values, dtype=torch.float32).view(1, 3, 1, 1, 1)


class TargetGenerator(BaseModule):
    """Base of the targets SMILE reconstructs: one vector per 2x16x16 token
    of the clip, in raster order (time, rows, columns).

    Targets are computed without gradients, in eval mode, and are left out
    of checkpoints: a teacher is rebuilt from its own weights.

    Args:
        grid: Token grid of the student, (T', h, w).
        tubelet_size: Frames per token.
        patch_size: Pixels per token side.
        pixel_mean: Mean the data preprocessor subtracted (0-255 scale).
        pixel_std: Standard deviation it divided by.
        init_cfg: mmengine initialisation config; ``None``: the target keeps
            the weights it is built with (see :meth:`init_weights`).
    """

    @property
    def default_norm(self) -> str:
        """The normalisation a SMILERecognizer's head with
        ``norm_target='auto'`` applies to these targets."""
        return 'clip'

    def __init__(self,
                 grid: Sequence[int],
                 tubelet_size: int = 2,
                 patch_size: int = 16,
                 pixel_mean: Sequence[float] = INPUT_NORMS['imagenet'][0],
                 pixel_std: Sequence[float] = INPUT_NORMS['imagenet'][1],
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.grid = tuple(int(g) for g in grid)
        self.tubelet_size = tubelet_size
        self.patch_size = patch_size
        self.register_buffer('pixel_mean', _stats(pixel_mean),
                             persistent=False)
        self.register_buffer('pixel_std', _stats(pixel_std), persistent=False)

    @property
    def out_channels(self) -> int:
        """Width of one target vector."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line saying what the target is, for the training log."""
        raise NotImplementedError

    def init_weights(self) -> None:
        """Apply ``init_cfg`` only. BaseModule's default also calls
        ``init_weights`` of every child, which re-randomises a loaded timm
        teacher (timm's ViT has one)."""
        if self.init_cfg and not self.is_init:
            initialize(self, self.init_cfg)
        self.is_init = True

    def freeze(self) -> None:
        """No gradients and eval mode, for good."""
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> 'TargetGenerator':
        return super().train(False)  # dropout and norms stay in eval mode

    def raw_video(self, video: Tensor) -> Tensor:
        """Undo the data preprocessor: [B, C, T, H, W] on the 0-255 scale."""
        return video.float() * self.pixel_std + self.pixel_mean

    def log(self, warn: bool = False) -> None:
        print_log(f'SMILE target: {self.describe()}', logger='current',
                  level=logging.WARNING if warn else logging.INFO)


class ImageTeacher(TargetGenerator):
    """A frozen image model run on the first frame of every tubelet.

    Its patch features of frame ``t * tubelet_size`` are the targets of the
    tokens of time slice ``t`` (see :meth:`pooling` for its grid).

    Args:
        input_norm: ``'clip'``, ``'imagenet'`` or (mean, std) on 0-255, the
            normalisation the teacher was trained with.
        dtype: ``'bf16'`` (bfloat16 autocast, the default; about 1.4 %
            error of the standardised targets, ``benchmarks/RESULTS.md``) or
            ``'fp32'`` (as the authors run it); the targets are float32.
        **kwargs: See :class:`TargetGenerator`.
    """

    def __init__(self, input_norm: NormSpec = 'clip', dtype: str = 'bf16',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if dtype not in TEACHER_DTYPES:
            raise ValueError(f'teacher dtype {dtype!r} is unknown; choose '
                             f'one of {TEACHER_DTYPES}')
        if isinstance(input_norm, str):
            if input_norm not in INPUT_NORMS:
                raise ValueError(f'input_norm {input_norm!r} is unknown; use '
                                 f'{sorted(INPUT_NORMS)} or (mean, std)')
            mean, std = INPUT_NORMS[input_norm]
        else:
            mean, std = input_norm
        self.input_norm = input_norm
        self.dtype = dtype
        self.register_buffer('input_mean', _stats(mean), persistent=False)
        self.register_buffer('input_std', _stats(std), persistent=False)
        self._pool = 1  # set by subclasses through pooling()

    #: pixels per patch of the teacher, and its fixed patch grid (None: any
    #: grid, the frames are resized to the student's); set by subclasses
    teacher_patch: int = 16
    teacher_grid: Optional[Tuple[int, int]] = None

    def pooling(self, name: str) -> int:
        """The ``k`` for a teacher grid ``k`` times the student's (a 14x14
        CLIP for 7x7 tokens: features averaged over ``k x k`` patches); 1
        for a teacher of any grid or of the student's; else an error."""
        student = self.grid[1:]
        if self.teacher_grid is None or tuple(self.teacher_grid) == student:
            return 1
        factor = self.teacher_grid[0] // student[0]
        if (factor < 1 or tuple(self.teacher_grid) !=
                (student[0] * factor, student[1] * factor)):
            size = self.grid[1] * self.patch_size
            raise ValueError(
                f'teacher {name} has a {self.teacher_grid[0]}x'
                f'{self.teacher_grid[1]} patch grid, which does not match '
                f'the student\'s {student[0]}x{student[1]} tokens ({size} px '
                f'frames / {self.patch_size} px patches) or a multiple of '
                'them; change the student\'s frame size or the teacher')
        return factor

    def teacher_frames(self, video: Tensor) -> Tensor:
        """First frame of each tubelet, normalised and sized for the teacher.

        Returns:
            Tensor: [B * T', C, H', W'] with H' / teacher_patch rows of
            patches (the teacher's grid, or the student's).
        """
        frames = self.raw_video(video)[:, :, ::self.tubelet_size]
        frames = (frames - self.input_mean) / self.input_std
        frames = frames.transpose(1, 2).flatten(0, 1)
        grid = self.teacher_grid or self.grid[1:]
        size = (grid[0] * self.teacher_patch, grid[1] * self.teacher_patch)
        if frames.shape[-2:] != size:
            frames = F.interpolate(frames, size=size, mode='bicubic',
                                   align_corners=False)
        return frames

    def patch_tokens(self, frames: Tensor) -> Tensor:
        """[B', C, H, W] -> [B', h * w, out_channels]; subclasses define it."""
        raise NotImplementedError

    def _follow(self, device: torch.device) -> None:
        """Move to the clips' device where a wrapper left the teacher behind
        (FSDP's ``ignored_modules`` keep their device)."""
        buffer = next(self.buffers(), None)
        if buffer is not None and buffer.device != device:
            self.to(device)

    @torch.no_grad()
    def forward(self, video: Tensor) -> Tensor:
        """[B, C, T, H, W] preprocessed clips -> [B, N, out_channels]."""
        batch = video.shape[0]
        self._follow(video.device)
        frames = self.teacher_frames(video)
        with torch.autocast(frames.device.type, dtype=torch.bfloat16,
                            enabled=self.dtype == 'bf16'):
            tokens = self.patch_tokens(frames)
        tokens = tokens.float()
        if self._pool > 1:
            rows, cols = self.teacher_grid
            maps = tokens.transpose(1, 2).reshape(-1, tokens.shape[-1], rows,
                                                  cols)
            tokens = F.avg_pool2d(maps, self._pool).flatten(2).transpose(1, 2)
        return tokens.reshape(batch, -1, tokens.shape[-1])
