"""The replay page (issue 9; the seed's rollout, day 2): chosen cases, every stored past case, or an
uploaded bundle, each assessed as of its decision and compared with what the store really did.

It writes nothing, so seeing cases (`cases.view_case`) is enough; the permission is checked on the
server before anything is read. The Case admin's action "Replay the selected cases" renders it for the
selection; the page's own forms post back here (the selection can be longer than a URL should be), with
the selection as one comma-separated field (`cases`): one field per case would pass Django's limit on
form fields (DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000) and refuse the post.

The replay streams (cases.selectors.replay), and a report lists at most the first KEEP disagreements
with their total, so the page shows a report of any size. "Every stored past case" has no limit; it runs
in the request, in this process: a million past cases take a minute or two (the command splits them over
processes). A selection is limited only by what the page carries back (MAX_CASES keys).
"""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.urls import reverse

from cases.bundles.reader import BundleError, read_bundle
from cases.forms import BundleUploadForm
from cases.permissions import require
from cases.replay import ReplayReport
from cases.replay.text import SHORT_MOVES, percent
from cases.selectors.replay import (
    REPLAY_PERMISSION,
    ReplayError,
    policy_version,
    replay_all,
    replay_bundle,
    replay_cases,
)
from policies.models import Policy

MAX_CASES = 100_000  # chosen cases per page (every stored case has no limit, nor has the command)
TEMPLATE = "admin/cases/replay.html"


def replay_page(model_admin, request, *, case_pks: list[int] | None = None):
    """The page; `case_pks` comes from the changelist action, else the request says what to replay."""
    require(request.user, REPLAY_PERMISSION)
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
                    report = replay_bundle(read_bundle(raw), policy=policy)
                except BundleError as exc:
                    errors = [str(issue) for issue in exc.issues]
                source = f"the bundle {upload.cleaned_data['file'].name} (not imported)"
        elif data.get("all"):
            report, source = replay_all(policy=policy), "every stored case with a past decision"
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
    }
    return TemplateResponse(request, TEMPLATE, context, status=400 if errors else 200)


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
