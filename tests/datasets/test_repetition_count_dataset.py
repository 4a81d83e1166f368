import pytest

from smile_mm.datasets import RepetitionCountDataset


def test_parses_counts_and_names_bad_lines(tmp_path):
    ann = tmp_path / 'rep.txt'
    ann.write_text('a.mp4 3\nb.mp4 7.5\n\n')
    # parsing only: the listed videos need not exist
    dataset = RepetitionCountDataset(ann_file=str(ann), pipeline=[],
                                     data_prefix=dict(video='/v'),
                                     check_files=False)
    assert len(dataset) == 2
    assert [dataset.get_data_info(i)['count'] for i in (0, 1)] == [3.0, 7.5]
    assert dataset.get_data_info(1)['filename'] == '/v/b.mp4'
    ann.write_text('a.mp4 3\nb.mp4 lots\n')
    with pytest.raises(ValueError, match="rep.txt:2: the count 'lots' is not a "
                       'number'):
        RepetitionCountDataset(ann_file=str(ann), pipeline=[])
    ann.write_text('a.mp4 0\n')
    with pytest.raises(ValueError, match="rep.txt:1: the count must be "
                       "positive, got 0.0 in 'a.mp4 0'"):
        RepetitionCountDataset(ann_file=str(ann), pipeline=[])
