"""`python manage.py seed_demo [--orders 2000] [--seed 7]`: load demo data once, placed relative to now.

The demo is loaded by `cases.demo.seed.load_demo`; this command reads its options and prints what came
out.
"""

import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from cases.choices import CaseType, RiskLevel
from cases.demo.seed import load_demo


class Command(BaseCommand):
    help = (
        "Load demo suppliers, products and orders (with tracking, supplier evidence, chases and customer "
        "messages) placed relative to now, so that every case type appears, and assess them; build the "
        "rollups of the past weeks and apply the review triggers. "
        "Does nothing when any order exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000, help="How many orders (default 2000).")
        parser.add_argument(
            "--seed", type=int, default=7, help="Random seed: the same seed gives the same shape of data."
        )

    def handle(self, *args, orders: int, seed: int, **options):
        if orders < 1:
            raise CommandError("--orders must be at least 1.")
        started = time.monotonic()
        loaded = load_demo(orders=orders, seed=seed)
        if loaded.existing:
            self.stdout.write(f"Demo data already loaded ({loaded.existing} orders); nothing changed.")
            return
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Loaded {loaded.orders} demo orders in {elapsed:.1f} s; "
            f"case types: {describe(loaded.case_types, CaseType.values)}; "
            f"risk levels: {describe(loaded.risk_levels, RiskLevel.values)}; "
            f"{loaded.past_decisions} past decisions to replay."
        )
        if loaded.weeks_built:
            first, last = loaded.weeks_built[0], loaded.weeks_built[-1]
            self.stdout.write(
                f"Built the scorecard's rollups of {len(loaded.weeks_built)} past weeks "
                f"({first:%Y-%m-%d} to {last:%Y-%m-%d})."
            )
        self.stdout.write(
            "Waiting for an owner's review: "
            f"{', '.join(loaded.products_marked) or 'no product'}; "
            f"flagged: {', '.join(loaded.suppliers_flagged) or 'no supplier'}."
        )


def describe(counts: Counter, order: list[str]) -> str:
    """ "in_transit 900, delivered 480, ..." in the spec's order; kinds with no cases are left out."""
    return ", ".join(f"{name} {counts[name]}" for name in order if counts[name])
