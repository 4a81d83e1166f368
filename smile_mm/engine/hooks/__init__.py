from .progressive_training_hook import ProgressiveTrainingHook, find_overlays

__all__ = ['ProgressiveTrainingHook', 'find_overlays']
