from .transformer import Attention, Block, init_vit_weights

__all__ = ['Attention', 'Block', 'init_vit_weights']
