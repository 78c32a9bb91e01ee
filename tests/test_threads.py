"""The BLAS thread count can be read and set."""

import pytest

import scratchnn as sn


def test_set_and_get_num_threads():
    before = sn.get_num_threads()
    try:
        sn.set_num_threads(1)
        assert sn.get_num_threads() == 1
    finally:
        sn.set_num_threads(before)
    assert sn.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_thread_count_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="positive integer"):
        sn.set_num_threads(bad)
