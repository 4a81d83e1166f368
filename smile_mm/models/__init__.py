"""The model: encoder, decoder, loss head, targets, and their wiring."""
from .backbones import MaskedVideoViT, SMILEVisionTransformer
from .heads import CLIPTargetHead, RepetitionCountHead
from .necks import VideoMAEDecoder
from .recognizers import SMILERecognizer
from .target_generators import (CLIPTeacher, ImageTeacher, PixelTarget,
                                TargetGenerator, TimmTeacher)

__all__ = [
    'CLIPTargetHead', 'CLIPTeacher', 'ImageTeacher', 'MaskedVideoViT',
    'PixelTarget', 'RepetitionCountHead', 'SMILERecognizer',
    'SMILEVisionTransformer', 'TargetGenerator', 'TimmTeacher',
    'VideoMAEDecoder'
]
