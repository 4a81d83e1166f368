# The demo with SMILE's own target: the features of a frozen CLIP ViT-B/16
# (the 14x14 teacher grid is averaged to the student's 7x7 at 112 px). Give
# open_clip's ViT-B-16 file, or a tag such as 'openai' that open_clip
# downloads; about 4 s per iteration on a CPU:
#   --cfg-options model.target_generator.pretrained=/path/to/ViT-B-16.bin
_base_ = ['./smile_vit-s_demo_cpu.py']

model = dict(
    target_generator=dict(
        _delete_=True, type='CLIPTeacher', model_name='ViT-B-16',
        pretrained=None))
