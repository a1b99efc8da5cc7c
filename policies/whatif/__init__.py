"""The what-if of a draft policy: how many open cases it would change, and which, before it is activated.

The package holds the whole feature, shaped like `cases.replay`:

- `diff.py` (pure, no ORM): what counts as a change, how partial results merge, why the shortcuts are
  exact (`WhatIfResult`, `Change`, `same_numbers`).
- `engine.py`: reads the open cases in batches, over forked processes on PostgreSQL, and compares the
  draft with the active policy (`what_if`); writes nothing.
- `runs.py`: stored runs (`WhatIfRun`, `start_what_if`, `WhatIfRunner`) and what the activation's audit
  event cites of them; `tasks.py` their Celery task.
- `views.py`: the draft's what-if page and a run's page (the Policy admin routes to them).
"""
