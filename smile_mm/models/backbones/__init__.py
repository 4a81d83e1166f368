from .masked_video_vit import ARCHS, MaskedVideoViT
from .smile_vision_transformer import SMILEVisionTransformer

__all__ = ['ARCHS', 'MaskedVideoViT', 'SMILEVisionTransformer']
