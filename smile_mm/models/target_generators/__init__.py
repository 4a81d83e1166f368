"""Targets of the masked tokens: a frozen teacher's features, or pixels."""
from .base import ImageTeacher, TargetGenerator
from .clip_teacher import CLIPTeacher
from .pixel_target import PixelTarget
from .timm_teacher import TimmTeacher

__all__ = [
    'CLIPTeacher', 'ImageTeacher', 'PixelTarget', 'TargetGenerator',
    'TimmTeacher'
]
