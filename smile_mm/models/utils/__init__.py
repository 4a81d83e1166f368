from .pos_embed import infer_grid, resize_pos_embed

__all__ = ["infer_grid", "resize_pos_embed"]
