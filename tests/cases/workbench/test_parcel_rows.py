"""The case page's parcels side by side, read from the packet: the headline parcel first."""

from cases.assessment import assess
from cases.workbench.selectors import parcel_rows
from tests.helpers.case_pieces import at
from tests.helpers.parcel_builders import lamp, rug, with_parcels


def test_the_headline_parcel_comes_first_with_its_link_and_items():
    packet = assess(with_parcels(lamp(), rug()), at(14)).to_dict()
    first, second = parcel_rows(packet)
    assert (first["number"], first["headline"], first["case_type"]) == (
        "LP00510000000002",
        True,
        "stale in transit",
    )
    assert first["items"] == "RUG-07" and "since last movement 12 d" in first["clocks"]
    assert (second["case_type"], second["headline"]) == ("delivered", False)


def test_a_superseded_parcel_and_one_without_a_number_read_as_such():
    packet = {
        "case_type": "in_transit",
        "window": None,
        "clocks": None,
        "parcels": [
            {"number": "YT2431221234500001", "carrier": None, "skus": [], "superseded": True},
            {"number": None, "carrier": None, "skus": ["Gift box"], "superseded": False},
        ],
    }
    superseded, waiting = parcel_rows(packet)
    assert superseded["superseded"] and superseded["link"] is None
    assert (waiting["number"], waiting["items"]) == ("no tracking number yet", "Gift box")


def test_an_order_without_parcels_shows_none():
    assert parcel_rows({"parcels": []}) == [] and parcel_rows({}) == []
