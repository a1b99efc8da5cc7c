"""Two requests starting the same background run at once (replay and what-if runs take turns)."""

import threading
import time

from django.db import connection, transaction


def start_twice_at_once(start) -> list:
    """Call `start()` in two threads, the second while the first one's transaction is still open
    (uncommitted: without a lock the second would not see its run); returns what each returned."""
    first_started = threading.Event()
    results = []

    def run(*, first: bool):
        try:
            if not first:
                first_started.wait(timeout=10)
            with transaction.atomic():
                results.append(start())
                if first:
                    first_started.set()
                    time.sleep(0.5)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, kwargs={"first": first}) for first in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
