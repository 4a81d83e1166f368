from .clip_target_head import CLIPTargetHead

__all__ = ['CLIPTargetHead']
