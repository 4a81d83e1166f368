"""Training-loop additions: progressive training, clean distributed ends."""
from .distributed import shutdown_distributed
from .hooks import ProgressiveTrainingHook

__all__ = ['ProgressiveTrainingHook', 'shutdown_distributed']
