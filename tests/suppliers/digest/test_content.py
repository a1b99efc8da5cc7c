"""What the digest says, from plain stored rows (suppliers.digest.content, pure): problem cases, a note new
by its kind (not its numbers), and the lists cut to what an email can hold."""

from datetime import date

from cases.assessment import vocabulary as v
from suppliers.digest import content
from suppliers.digest.content import StoredRow, build, note_kind, problems_of
from suppliers.promises.review import ProductPromise, PromiseLine, PromiseReview

WEEK, BEFORE = date(2026, 11, 9), date(2026, 11, 2)


def figures(orders=0, **by_type):
    return {"orders": orders, "cases_by_type": by_type, "label_only_too_long": by_type.pop("too_long", 0)}


def test_problem_cases_are_the_troubled_case_types_and_label_only_past_its_window():
    assert (
        problems_of(
            figures(
                10,
                too_long=2,
                label_created_only=3,
                stale_in_transit=1,
                supplier_silence=1,
                wrong_destination=1,
                in_transit=4,
                delivered=2,
            )
        )
        == 5
    )


def test_a_note_is_new_by_its_kind_not_its_numbers():
    assert note_kind("prints labels before hand-off: 6 of 9 label-only cases") == note_kind(
        "prints labels before hand-off: 12 of 20 label-only cases"
    )
    assert (
        note_kind("first scans in BR take 3.5x the store median")
        == "first scans in BR take # the store median"
    )
    note_now = "prints labels before hand-off: 6 of 9 label-only cases"
    note_before = "prints labels before hand-off: 3 of 4 label-only cases"
    digest = build(
        week_start=WEEK,
        built_at=None,
        now=[
            StoredRow(WEEK, "supplier", "Acme", 1, None, figures(9), (note_now,)),
            StoredRow(WEEK, "supplier", "Bright", 2, None, figures(9), (note_now,)),
        ],
        before=[StoredRow(BEFORE, "supplier", "Acme", 1, None, figures(4), (note_before,))],
    )
    acme, bright = sorted(digest.suppliers, key=lambda row: row.key)
    assert (acme.new_notes, bright.new_notes) == ((), (note_now,))


def test_long_lists_are_cut_the_worst_first():
    now = [
        StoredRow(WEEK, "supplier", f"S{i:02d}", i, None, figures(10, stale_in_transit=i)) for i in range(25)
    ] + [StoredRow(WEEK, "sku", f"K{i:02d}", None, i, figures(5, carrier_exception=i % 4)) for i in range(30)]
    digest = build(week_start=WEEK, built_at=None, now=now, before=[])
    assert (len(digest.suppliers), digest.supplier_total) == (content.SUPPLIERS_SHOWN, 25)
    assert digest.suppliers[0].key == "S24"
    assert (len(digest.skus), digest.sku_total) == (content.SKUS_SHOWN, 30)
    assert [row.now.problems for row in digest.skus[:3]] == [3, 3, 3]
    assert content.listed_keys(now)["supplier"] == [row.key for row in digest.suppliers]


def test_the_promises_shown_are_the_first_of_those_too_short():
    def line(i):
        product = ProductPromise(i, f"P{i}", "", "Acme", "active", "10 days", None)
        return PromiseLine(product, None, "", None, "too_short", f"suggestion {i}", excess_days=30 - i)

    review = PromiseReview(start=None, end=None, weeks=8, lines=[line(i) for i in range(12)])
    digest = build(week_start=WEEK, built_at=None, now=[], before=[], promises=review)
    assert len(digest.promises_to_review) == 12
    assert [p.product.sku for p in digest.promises_shown] == [f"P{i}" for i in range(content.PROMISES_SHOWN)]
    assert v.STALE_IN_TRANSIT in content.PROBLEM_TYPES
