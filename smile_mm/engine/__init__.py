"""Training-loop additions: progressive training, FSDP wrapping, clean
distributed ends."""
from .distributed import shutdown_distributed
from .fsdp_wrap_policy import transformer_block_wrap_policy
from .hooks import ProgressiveTrainingHook

__all__ = [
    'ProgressiveTrainingHook', 'shutdown_distributed',
    'transformer_block_wrap_policy'
]
