"""Annotation lists read strictly, through the datasets that read them:
labels split off the right, blank lines skipped, every bad line an error
that names the list, the line number and the line."""
import pytest

from smile_mm.datasets import (AnnotationError, StaticClipDataset,
                               TolerantVideoDataset)

PIPELINE = [dict(type='DecordInit'), dict(type='SampleFrames', clip_len=4),
            dict(type='DecordDecode')]


def video_dataset(tmp_path, text, **kwargs):
    ann = tmp_path / 'train_list.txt'
    ann.write_text(text)
    # parsing only: the listed videos need not exist
    return TolerantVideoDataset(ann_file=str(ann), pipeline=PIPELINE,
                                data_prefix=dict(video='/data/k400'),
                                check_files=False, **kwargs)


def infos(dataset):
    return [(d['filename'], d['label']) for d in dataset.load_data_list()]


def test_annotation_lines_that_read_right(tmp_path):
    text = ('a.mp4 3\n'
            'b.mp4  4\n'  # two spaces
            '\n'  # a blank line in the middle
            'folder with space/c d.mp4 5\n'  # spaces in the path
            'e.mp4\t6\n'
            '   \n')
    assert infos(video_dataset(tmp_path, text)) == [
        ('/data/k400/a.mp4', 3), ('/data/k400/b.mp4', 4),
        ('/data/k400/folder with space/c d.mp4', 5),
        ('/data/k400/e.mp4', 6)]
    multi = video_dataset(tmp_path, 'x y.mp4 1 5  7\n', multi_class=True,
                          num_classes=8)
    assert infos(multi) == [('/data/k400/x y.mp4', [1, 5, 7])]


@pytest.mark.parametrize('text, problem', [
    ('a.mp4 3\nb.mp4 cat\n', r"train_list.txt:2: the label 'cat' is not "
     r"an integer .* in 'b.mp4 cat'"),
    ('a.mp4 3\nb.mp4 3.5\n', r"train_list.txt:2: the label '3.5'"),
    ('', r'train_list.txt holds no lines'),
    ('\n\n', r'train_list.txt holds no lines'),
    ('a.mp4 3\nb.mp4 9\n', r"train_list.txt:2: a label is outside \[0, 5\) "
     r"\(num_classes=5\) in 'b.mp4 9'"),
])
def test_annotation_lines_that_are_errors(tmp_path, text, problem):
    with pytest.raises(AnnotationError, match=problem):
        video_dataset(tmp_path, text, num_classes=5)


def test_multi_label_and_path_lists(tmp_path):
    with pytest.raises(AnnotationError, match=r"train_list.txt:1: no "
                       r"integer labels after the path"):
        video_dataset(tmp_path, 'a.mp4 x\n', multi_class=True,
                      num_classes=4)
    images = tmp_path / 'images.txt'
    images.write_text('p q.jpg 7\n\nr.jpg\n')
    dataset = StaticClipDataset(background='image', ann_file=str(images),
                                data_prefix=dict(img='/img'),
                                pipeline=[dict(type='LoadStaticClip',
                                               clip_len=4)],
                                check_files=False)
    assert [d['filename'] for d in dataset.load_data_list()] == [
        '/img/p q.jpg', '/img/r.jpg']
