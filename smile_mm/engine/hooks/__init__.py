from .progressive_training_hook import ProgressiveTrainingHook

__all__ = ['ProgressiveTrainingHook']
