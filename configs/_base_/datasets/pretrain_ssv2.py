# SMILE pretraining clips from Something-Something V2 (section F.3, Table 18):
# temporal stride 2 and no flip (left and right matter in SSv2).
_base_ = ['./pretrain_k400.py']

# prepared by tools/prepare_videos.py as pretrain_k400.py says; as
# downloaded: data/sthv2/videos with data/sthv2/sthv2_train_list_videos.txt
data_root = 'data/sthv2/videos_320'
frame_interval = 2  # F.3: stride 2 on SSv2

train_dataloader = dict(
    dataset=dict(pipeline=[
        step for step in _base_.train_dataloader.dataset.pipeline
        if step['type'] != 'Flip'
    ]))
