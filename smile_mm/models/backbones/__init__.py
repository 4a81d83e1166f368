from .masked_video_vit import ARCHS, MaskedVideoViT

__all__ = ['ARCHS', 'MaskedVideoViT']
