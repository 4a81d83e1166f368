from .pos_embed import (GRID_KEY, UnknownGridError, describe_grid,
                        grid_candidates, record_grid, recorded_grid,
                        resize_pos_embed, source_grid)
from .state_dict_hooks import on_load_state_dict, on_state_dict
from .token_index import mask_indices, take_tokens

__all__ = [
    'GRID_KEY', 'UnknownGridError', 'describe_grid', 'grid_candidates',
    'record_grid', 'recorded_grid', 'resize_pos_embed', 'source_grid',
    'mask_indices', 'on_load_state_dict', 'on_state_dict', 'take_tokens'
]
