"""The replay page of the admin (the seed's rollout, day 2).

It replays chosen cases, every stored past case, or an
uploaded bundle, each assessed as of its decision and compared with what the store really did.

It writes nothing, so seeing cases (`cases.view_case`) is enough; the permission is checked on the
server before anything is read. The Case admin's action "Replay the selected cases" renders it for the
selection; the page's own forms post back here (the selection can be longer than a URL should be), with
the selection as one comma-separated field (`cases`): one field per case would pass Django's limit on
form fields (DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000) and refuse the post.

The replay streams (cases.replay.engine), and a report lists at most the first KEEP disagreements
with their total, so the page shows a report of any size. "Every stored past case" has no limit, so it
runs in the background (a million past cases take a minute or two): its button starts a `ReplayRun`
(cases.replay.runs), or joins the one with the same policy already under way, and redirects to
the run's page (`replay/runs/<id>/`), which refreshes itself until the run is done and then renders the
stored report like the others; its older address, this page with `?run=<id>`, redirects there. Chosen
cases and an uploaded bundle replay in the request; a selection is limited only by what the page carries
back (MAX_CASES keys). Every view here checks the same permission first, the run page included.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from cases.forms import BundleUploadForm
from cases.intake.bundles.reader import BundleError, read_bundle
from cases.models import ReplayRun
from cases.replay.engine import (
    REPLAY_PERMISSION,
    ReplayError,
    policy_version,
    replay_bundle,
    replay_cases,
)
from cases.replay.runs import report_from_dict, start_replay_run
from cases.replay.scoring import ReplayReport
from cases.replay.text import SHORT_MOVES, percent
from cases.selectors.disputes import sees_outcomes
from policies.models import Policy
from staletrack.permissions import require

MAX_CASES = 100_000  # chosen cases per page (every stored case has no limit, nor has the command)
TEMPLATE = "admin/cases/replay/page.html"
RUN_TEMPLATE = "admin/cases/replay/run.html"
ALL_SOURCE = "every stored case with a past decision"
RECENT_RUNS = 10  # background runs listed on the page
REFRESH_SECONDS = 3  # how often an unfinished run's page reloads itself
UNDER_WAY = "A replay of every stored case with these settings is already under way; this is its page."


def replay_page(model_admin, request, *, case_pks: list[int] | None = None):
    """The page; `case_pks` comes from the changelist action, else the request says what to replay.
    `?run=<id>`, a run page's older address, redirects to the run's own page."""
    require(request.user, REPLAY_PERMISSION)
    if case_pks is None and request.method == "GET" and "run" in request.GET:
        return _old_run_url(request.GET["run"])
    data = request.POST if request.method == "POST" else request.GET
    if case_pks is None:
        keys = [*data.getlist("case"), *",".join(data.getlist("cases")).split(",")]
        case_pks = list(dict.fromkeys(int(pk) for pk in keys if pk.strip().isdigit()))
        chosen_label = data.get("policy", "")
    else:
        chosen_label = ""  # the action's POST carries the changelist's form, not ours
    upload = BundleUploadForm(data if request.FILES else None, request.FILES or None, auto_id="upload_%s")
    report, source, errors = None, "", []
    try:
        policy = policy_version(chosen_label) if chosen_label else None
        if request.FILES:
            if upload.is_valid():
                raw = upload.cleaned_data["file"].read()
                try:
                    bundle = read_bundle(raw, max_bytes=settings.BUNDLE_MAX_BYTES)
                    report = replay_bundle(bundle, policy=policy)
                except BundleError as exc:
                    errors = [str(issue) for issue in exc.issues]
                source = f"the bundle {upload.cleaned_data['file'].name} (not imported)"
        elif data.get("all") and request.method == "POST":
            return _start_run(model_admin, request, policy)
        elif case_pks:
            if len(case_pks) > MAX_CASES:
                errors, case_pks = [_too_many()], []
            else:
                report = replay_cases(case_pks, policy=policy)
                source = f"{len(case_pks)} chosen case{'s' if len(case_pks) != 1 else ''}"
    except ReplayError as exc:
        errors = [str(exc)]
    context = {
        **model_admin.admin_site.each_context(request),
        "sees_dispute_outcomes": sees_outcomes(request.user),
        "title": "Replay past cases",
        "opts": model_admin.model._meta,
        "case_pks": case_pks,
        "case_keys": ",".join(map(str, case_pks)),
        "policies": list(Policy.objects.order_by("-version")),
        "chosen_policy": chosen_label,
        "upload": upload,
        "errors": errors,
        "source": source,
        "report": report,
        "view": _view(report) if report is not None else None,
        "queue_url": reverse("admin:cases_case_changelist"),
        "runs": [
            (run, run_url(run))
            for run in ReplayRun.objects.select_related("policy", "created_by")[:RECENT_RUNS]
        ],
    }
    return TemplateResponse(request, TEMPLATE, context, status=400 if errors else 200)


def _start_run(model_admin, request, policy: Policy | None):
    """Start a background run of every stored past case, or join the one with these settings under way
    (saying so: the user may have expected a fresh run), and go to its page."""
    run, started = start_replay_run(policy=policy, actor=request.user)
    if not started:
        model_admin.message_user(request, UNDER_WAY, messages.INFO)
    return redirect(run_url(run))


def run_url(run: ReplayRun) -> str:
    """The page of a background run, at its own URL (registered by the Case admin)."""
    return reverse("admin:cases_case_replay_run", args=[run.pk])


def _old_run_url(run_id: str):
    """`?run=<id>` on the replay page was a run's page before it had its own URL: bookmarks of it redirect
    there. An unknown run is 404 here too, not a redirect to a 404."""
    if not run_id.isdigit():
        raise Http404("No such replay run.")
    return redirect(run_url(get_object_or_404(ReplayRun, pk=run_id)))


def replay_run_page(model_admin, request, pk: int):
    """A background run of every stored past case: its status while it is queued or running (the page
    reloads itself), then the stored report as the replay page renders one, or the error. A run that can
    no longer finish (`ReplayRun.lost`) says so instead, and the page stops reloading."""
    require(request.user, REPLAY_PERMISSION)
    run = get_object_or_404(ReplayRun.objects.select_related("policy", "created_by"), pk=pk)
    report = report_from_dict(run.report) if run.status == ReplayRun.Status.DONE and run.report else None
    lost = run.lost
    context = {
        **model_admin.admin_site.each_context(request),
        "sees_dispute_outcomes": sees_outcomes(request.user),
        "title": f"Replay run {run.pk}",
        "opts": model_admin.model._meta,
        "run": run,
        "running": not run.finished and not lost,
        "lost_message": run.lost_message if lost else "",
        "refresh_seconds": REFRESH_SECONDS,
        "seconds": (run.finished_at - run.started_at).total_seconds()
        if run.finished_at and run.started_at
        else None,
        "source": ALL_SOURCE,
        "report": report,
        "view": _view(report) if report is not None else None,
        "replay_url": reverse("admin:cases_case_replay"),
    }
    return TemplateResponse(request, RUN_TEMPLATE, context)


def _too_many() -> str:
    return (
        f"This page replays at most {MAX_CASES:,} chosen cases at once: choose fewer, replay every stored "
        "past case, or run `python manage.py replay --cases ...`."
    )


def _view(report: ReplayReport) -> dict:
    """What the template shows, shaped for rows and cells (templates cannot index dicts by variable)."""
    moves = report.moves
    totals = [sum(report.confusion[row][col] for row in moves) for col in moves]
    return {
        "next_move_rate": percent(report.next_move),
        "risk_rate": percent(report.risk_level),
        "per_case_type": [
            {
                "row": row,
                "next_move_rate": percent(row.next_move),
                "risk_rate": percent(row.risk_level),
            }
            for row in report.per_case_type
        ],
        "columns": [(move, SHORT_MOVES.get(move, move)) for move in moves],
        "confusion": [
            {
                "move": move,
                "cells": [
                    {"count": report.confusion[move][actual], "agrees": move == actual} for actual in moves
                ],
                "total": sum(report.confusion[move].values()),
            }
            for move in moves
        ],
        "column_totals": totals,
        "total": sum(totals),
    }
