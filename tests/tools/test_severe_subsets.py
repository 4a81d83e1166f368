from collections import Counter

import pytest

from tools.severe_subsets import (class_balanced_sample, class_subset, main,
                                  read_lines)


def lines_of(counts):
    """counts[c] videos of class c."""
    return [(f'c{c}_{i}.mp4', c) for c, n in enumerate(counts)
            for i in range(n)]


def test_balanced_sample_counts():
    lines = lines_of([30] * 7)
    subset = class_balanced_sample(lines, 100)
    per_class = Counter(label for _, label in subset)
    assert len(subset) == 100 and len(set(subset)) == 100
    assert sorted(per_class.values()) == [14] * 5 + [15] * 2
    assert class_balanced_sample(lines, 100) == subset  # seeded
    assert class_balanced_sample(lines, 100, seed=1) != subset


def test_small_classes_give_all_and_others_fill_in():
    lines = lines_of([3, 50, 50])
    per_class = Counter(l for _, l in class_balanced_sample(lines, 60))
    assert per_class == {0: 3, 1: 29, 2: 28} or \
        per_class == {0: 3, 1: 28, 2: 29}
    with pytest.raises(ValueError, match='cannot sample 104 of 103'):
        class_balanced_sample(lines, 104)


def test_class_subset_relabels(tmp_path):
    lines = lines_of([2] * 20)
    subset = class_subset(lines, 6, 16)
    assert {label for _, label in subset} == set(range(11))
    assert subset[0] == ('c6_0.mp4', 0)
    ann, out = tmp_path / 'gym.txt', tmp_path / 'fx.txt'
    ann.write_text(''.join(f'{p} {l}\n' for p, l in lines))
    assert main(['classes', str(ann), str(out), '--first', '6',
                 '--last', '16']) == 0
    assert read_lines(str(out)) == subset
    with pytest.raises(ValueError, match='no video of classes 74-88'):
        class_subset(lines, 74, 88)
    assert main(['sample', str(ann), str(out), '--num', '20']) == 0
    assert len(read_lines(str(out))) == 20
    ann.write_text('a.mp4 x\n')
    with pytest.raises(ValueError, match='gym.txt:1'):
        read_lines(str(ann))
