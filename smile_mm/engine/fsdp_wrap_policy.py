"""FSDP wrap policy for SMILE's transformers (mmengine's FlexibleRunner)."""
from __future__ import annotations

from mmengine.registry import FUNCTIONS
from torch import nn

from ..models.layers import Block


@FUNCTIONS.register_module()
def transformer_block_wrap_policy(module: nn.Module, recurse: bool,
                                  nonwrapped_numel: int) -> bool:
    """One FSDP unit per transformer block (encoder and decoder).

    Use it as ``strategy=dict(type='FSDPStrategy', model_wrapper=dict(
    auto_wrap_policy=dict(type='transformer_block_wrap_policy')))``.
    """
    return recurse or isinstance(module, Block)
