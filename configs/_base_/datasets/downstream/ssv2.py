# Something-Something V2: 174 classes; clip_len frames sampled uniformly over
# the video (TSN-style segments, as VideoMAE), so no frame interval; no flip
# (left and right carry the label); testing on 2 clips x 3 crops (Table 17).
_base_ = ['./common.py']

num_classes = 174
frame_interval = None  # retired: UniformSample spreads the frames out
data_root = 'data/sthv2/videos'
ann_file_train = 'data/sthv2/sthv2_train_list_videos.txt'
ann_file_val = 'data/sthv2/sthv2_val_list_videos.txt'


def __uniform(pipeline, num_clips=1):
    """common.py's steps with UniformSample in place of SampleFrames and
    without Flip."""
    steps = []
    for step in pipeline:
        if step['type'] == 'SampleFrames':
            step = dict(type='UniformSample', clip_len='${clip_len}',
                        num_clips=num_clips,
                        test_mode=step.get('test_mode', False))
        if step['type'] != 'Flip':
            steps.append(step)
    return steps


train_dataloader = dict(dataset=dict(
    pipeline=__uniform(_base_.train_dataloader.dataset.pipeline)))
val_dataloader = dict(dataset=dict(
    pipeline=__uniform(_base_.val_dataloader.dataset.pipeline)))
test_dataloader = dict(dataset=dict(
    pipeline=__uniform(_base_.test_dataloader.dataset.pipeline, 2)))
