"""The weekly digest: each Monday, after the weekly review has built the week's rollups, an email to every
owner with the week by supplier, SKU, destination country and outcome, what changed against the week
before, the promises to review and links into the admin; the same as an admin page and a command.

It lives in the supplier app beside the scorecard because it is made of the scorecard's weekly rollups and
the promise review (`suppliers.promises`); it reads the cases app's outcomes as the scorecard reads its
cases, so no app depends on it. One module a concern:

- `content.py`: what it says, from plain values (pure); `charts.py`: its small SVG charts (pure);
- `selectors.py`: the reads, a fixed number of queries; `links.py`: its links into the admin;
- `render.py`: subject, plain text and the templates' values (`templates/admin/suppliers/digest/`);
- `services.py`: sending, once per owner and week; `tasks.py`: the Celery task;
- `views.py` and `admin.py`: the admin page and the list of digests sent;
- `manage.py weekly_digest --week YYYY-MM-DD [--send]` prints it, or sends it.
"""
