# SMILE ViT-L (1024 wide, 24 blocks, 16 heads) on Kinetics-400 with FSDP
# through mmengine's FlexibleRunner: one FSDP unit per transformer block,
# gradient checkpointing in the encoder, and full checkpoints (rank 0 writes
# one file that loads anywhere). The frozen CLIP teacher stays out of FSDP
# (ignored_modules): checkpoints leave it out, which FSDP's full state dict
# refuses for parameters it manages; a replica of its 86 M frozen float32
# weights costs each GPU 0.35 GB.
# Decoder 512 wide with 8 heads (VideoMAE's ViT-L). Launch as the others:
#   tools/dist_train.sh configs/smile/pretrain/smile_vit-l_16x4x1_300+300e_k400_clip_fsdp.py 8
_base_ = ['./smile_vit-b_16x4x1_300+300e_k400_clip.py']

model = dict(
    backbone=dict(arch='large', with_cp=True),
    neck=dict(embed_dims=512, num_heads=8))
runner_type = 'FlexibleRunner'
strategy = dict(
    type='FSDPStrategy',
    state_dict_cfg='full',
    model_wrapper=dict(
        use_orig_params=True,
        ignored_modules=['target_generator'],
        auto_wrap_policy=dict(type='transformer_block_wrap_policy')))
