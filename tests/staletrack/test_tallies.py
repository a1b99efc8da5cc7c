"""The shared tally: counts declared once, read back and merged in the declared order."""

import pytest

from staletrack.tallies import Tally


class Sent(Tally, counts="drafts packets"):
    pass


class SentLater(Sent, counts="chases drafts"):
    pass


def test_counts_start_at_zero_and_read_back_in_declared_order():
    sent = Sent(packets=2)
    sent.drafts += 1
    assert sent.counts() == {"drafts": 1, "packets": 2}
    assert list(SentLater().counts()) == ["drafts", "packets", "chases"]


def test_merge_adds_every_count():
    total = Sent(drafts=1).merge(Sent(drafts=2, packets=5))
    assert total.counts() == {"drafts": 3, "packets": 5}


def test_an_undeclared_count_is_refused():
    with pytest.raises(TypeError, match="counts no refunds"):
        Sent(refunds=1)
