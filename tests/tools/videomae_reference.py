"""VideoMAE's layout, written independently from the architecture, for
conversion tests: the authors' checkpoints have these names and math."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def sinusoid_table(positions, dims):
    """VideoMAE's fixed 1-D table, computed with numpy."""
    exponent = np.array([2 * (j // 2) / dims for j in range(dims)])
    table = np.arange(positions)[:, None] / np.power(10000, exponent)[None]
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return torch.tensor(table, dtype=torch.float32)[None]


class Attn(nn.Module):
    def __init__(self, dims, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dims, dims * 3, bias=False)
        self.q_bias = nn.Parameter(torch.randn(dims) * 0.1)
        self.v_bias = nn.Parameter(torch.randn(dims) * 0.1)
        self.proj = nn.Linear(dims, dims)

    def forward(self, x):
        b, n, c = x.shape
        bias = torch.cat([self.q_bias, torch.zeros_like(self.v_bias),
                          self.v_bias])
        q, k, v = F.linear(x, self.qkv.weight, bias).reshape(
            b, n, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attn = (q * (c // self.heads)**-0.5) @ k.transpose(-2, -1)
        out = attn.softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.fc1 = nn.Linear(dims, 4 * dims)
        self.fc2 = nn.Linear(4 * dims, dims)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class RefBlock(nn.Module):
    def __init__(self, dims, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dims, eps=1e-6)
        self.attn = Attn(dims, heads)
        self.norm2 = nn.LayerNorm(dims, eps=1e-6)
        self.mlp = Mlp(dims)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.proj = nn.Conv3d(3, dims, (2, 16, 16), (2, 16, 16))

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class RefEncoder(nn.Module):
    """VideoMAE's pretraining encoder (``encoder.*``)."""

    def __init__(self, dims, depth, heads, tokens):
        super().__init__()
        self.patch_embed = PatchEmbed(dims)
        self.register_buffer('table', sinusoid_table(tokens, dims),
                             persistent=False)
        self.blocks = nn.ModuleList(RefBlock(dims, heads)
                                    for _ in range(depth))
        self.norm = nn.LayerNorm(dims, eps=1e-6)

    def forward(self, video, mask=None):
        x = self.patch_embed(video) + self.table
        if mask is not None:
            x = x[~mask].reshape(x.shape[0], -1, x.shape[-1])
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


class RefPretrain(nn.Module):
    """VideoMAE's pretraining model: encoder, encoder_to_decoder,
    mask_token, decoder (blocks, norm, head)."""

    def __init__(self, dims, depth, heads, tokens, dec_dims, dec_heads, out):
        super().__init__()
        self.encoder = RefEncoder(dims, depth, heads, tokens)
        self.encoder_to_decoder = nn.Linear(dims, dec_dims, bias=False)
        self.mask_token = nn.Parameter(torch.randn(1, 1, dec_dims))
        self.decoder = nn.Module()
        self.decoder.blocks = nn.ModuleList([RefBlock(dec_dims, dec_heads)])
        self.decoder.norm = nn.LayerNorm(dec_dims, eps=1e-6)
        self.decoder.head = nn.Linear(dec_dims, out)
        self.register_buffer('table', sinusoid_table(tokens, dec_dims),
                             persistent=False)

    def forward(self, video, mask):
        b = video.shape[0]
        visible = self.encoder_to_decoder(self.encoder(video, mask))
        table = self.table.expand(b, -1, -1)
        x = torch.cat([
            visible + table[~mask].reshape(b, -1, table.shape[-1]),
            self.mask_token + table[mask].reshape(b, -1, table.shape[-1])
        ], 1)
        for block in self.decoder.blocks:
            x = block(x)
        return self.decoder.head(self.decoder.norm(x[:, visible.shape[1]:]))


class RefFinetune(nn.Module):
    """VideoMAE's fine-tuned model: no ``encoder.`` prefix, mean pooling
    through ``fc_norm``, classifier ``head``."""

    def __init__(self, dims, depth, heads, tokens, classes):
        super().__init__()
        self.patch_embed = PatchEmbed(dims)
        self.register_buffer('table', sinusoid_table(tokens, dims),
                             persistent=False)
        self.blocks = nn.ModuleList(RefBlock(dims, heads)
                                    for _ in range(depth))
        self.fc_norm = nn.LayerNorm(dims, eps=1e-6)
        self.head = nn.Linear(dims, classes)

    def forward(self, video):
        x = self.patch_embed(video) + self.table
        for block in self.blocks:
            x = block(x)
        return self.head(self.fc_norm(x.mean(1)))


def randomise(module, seed=0):
    """Every parameter random, so that every key has to land right."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.05)
    return module
