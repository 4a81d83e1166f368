from .transformer import VIT_INIT_CFG, Attention, Block

__all__ = ['Attention', 'Block', 'VIT_INIT_CFG']
