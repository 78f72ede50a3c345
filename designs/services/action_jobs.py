"""Admin actions over large selections, carried out on a worker instead of holding a web thread.

Above ACTION_IN_WORKER_ABOVE designs, a confirmed action is not carried out in the request: start() keeps the
selection (ids, in order) and the page's answers in an ActionJob and wakes the worker; run() goes through the ids
in chunks with the same use case the request would call, counts its progress after each chunk, and ends with the
same summary the admin would have shown ("5,990 approved, 10 skipped (rejected)") and the same audit trail. One
run works for at most RUN_SECONDS, then hands the rest to a new task, so no task outlives Q_TASK_TIMEOUT; a lease
keeps two workers off one job.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from designs import audit, leases
from designs.clients import NotConfigured
from designs.job_models import ACTION_JOB, ActionJob
from designs.models import GenerationPreset, ProductTemplate
from designs.services import deletion, generation, listing_copy, print_files, publishing, review
from designs.workers import enqueue
from designs.workflow import Source, design_ids

CHUNK = 2000  # designs per use-case call: the chunk each of them already works in
RUN_SECONDS = max(settings.Q_TASK_TIMEOUT / 3, 5)  # then the job hands the rest to a new task
LEASE_SECONDS = settings.Q_TASK_TIMEOUT + 30


# A word that may depend on the page's answers: given as text, or as (options) -> text.
Worded = str | Callable[[dict], str]


@dataclass(frozen=True)
class BulkAction:
    label: Worded  # "Approve"
    verb: Worded | None  # for result.summary(verb); None: the result's summary() takes none
    log_message: Worded | None  # the LogEntry message per design moved (None: none)
    call: Callable  # (ids, actor, options) -> the use case's result
    check: Callable | None = None  # (the selection, its ids, options): raises before anything is kept (the cap)


def _reject(ids, actor, options):
    return review.reject(ids, actor=actor, reason=options.get("reason", ""), source=Source.ADMIN)


def _publish(ids, actor, options):
    return publishing.request_publish(
        ids,
        actor=actor,
        source=Source.ADMIN,
        templates=list(ProductTemplate.objects.filter(pk__in=options.get("templates", []))),
        allow_duplicate_titles=options.get("allow_duplicate_titles", False),
        override_low_dpi=options.get("override_low_dpi", False),
        drop_colours=options.get("drop_colours", ()),
    )


def _delete(ids, actor, options):
    return deletion.delete_designs(ids, actor=actor, products=options.get("products"))


def _prepare_print_files(ids, actor, options):
    return print_files.request_print_files(
        ids,
        actor=actor,
        source=Source.ADMIN,
        preset=GenerationPreset.objects.filter(pk=options.get("preset")).first() if options.get("preset") else None,
        template=ProductTemplate.objects.filter(pk=options.get("template")).first()
        if options.get("template")
        else None,
        again=options.get("again", False),
    )


def _unpublish(ids, actor, options):
    return publishing.request_unpublish(ids, actor=actor, source=Source.ADMIN, delete=options.get("delete", False))


def _copy_cap(designs, ids, options):
    question = listing_copy.copy_question(designs, rewrite_done=options.get("rewrite_done", False))
    if question.problem:
        raise generation.TooManyDesigns(question.problem)


ACTIONS: dict[str, BulkAction] = {
    "approve_designs": BulkAction(
        "Approve", "approved", "Approved.", lambda ids, actor, o: review.approve(ids, actor=actor, source=Source.ADMIN)
    ),
    "reject_designs": BulkAction(
        "Reject",
        "rejected",
        lambda o: f"Rejected: {o['reason']}" if o.get("reason") else "Rejected.",
        _reject,
    ),
    "reopen_designs": BulkAction(
        "Reopen",
        "reopened",
        "Reopened for review.",
        lambda ids, actor, o: review.reopen(ids, actor=actor, source=Source.ADMIN),
    ),
    "generate_designs": BulkAction(
        "Generate",
        "queued for generation",
        "Queued for generation.",
        lambda ids, actor, o: generation.request_generation(ids, actor=actor, source=Source.ADMIN),
        check=lambda designs, ids, o: generation.check_design_count(len(ids)),
    ),
    "cancel_generation": BulkAction(
        "Cancel generation",
        "cancelled (back to draft)",
        "Generation cancelled.",
        lambda ids, actor, o: generation.cancel_generation(ids, actor=actor, source=Source.ADMIN),
    ),
    "write_listing_copy": BulkAction(
        "Write listing copy for",
        "queued for listing copy",
        "Listing copy asked of the LLM.",
        lambda ids, actor, o: listing_copy.request_copy(
            ids, actor=actor, source=Source.ADMIN, rewrite_done=o.get("rewrite_done", False)
        ),
        check=_copy_cap,
    ),
    "publish_to_printify": BulkAction(
        "Publish", "queued for publishing", "Publishing to Printify requested.", _publish
    ),
    "prepare_print_files": BulkAction(
        "Prepare print files of",
        None,
        "Print file preparation requested.",
        _prepare_print_files,
        check=lambda designs, ids, o: generation.check_design_count(len(ids)),
    ),
    "unpublish_products": BulkAction(
        lambda o: "Delete the products of" if o.get("delete") else "Unpublish",
        lambda o: "queued for deletion" if o.get("delete") else "queued for unpublishing",
        lambda o: "Deletion requested." if o.get("delete") else "Unpublishing requested.",
        _unpublish,
    ),
    "delete_designs": BulkAction("Delete", None, None, _delete),
}


def _worded(words: Worded, options: dict) -> str:
    return words(options) if callable(words) else words


def carry_out(action: str, designs, *, actor, options: dict | None = None):
    """Carry out a confirmed action in this request (a selection up to ACTION_IN_WORKER_ABOVE): the same use case,
    and the same audit trail, as a worker's run; returns the use case's result (summary() says what it did). Raises
    what the use case raises to refuse (ValueError: the cap, PublishRefused, PrintRefused; NotConfigured)."""
    spec, options = ACTIONS[action], options or {}
    result = spec.call(designs, actor, options)
    _log(spec, actor, options, result)
    return result


def summary(action: str, result, options: dict | None = None) -> str:
    """What the action did, in the words the admin shows and a job ends with ("12 approved, 3 skipped (draft)")."""
    verb = ACTIONS[action].verb
    return result.summary(_worded(verb, options or {})) if verb is not None else result.summary()


def in_worker(designs: QuerySet) -> bool:
    """Is this selection large enough to be carried out on a worker?"""
    return designs.count() > settings.ACTION_IN_WORKER_ABOVE


def start(action: str, designs: QuerySet, *, actor, options: dict | None = None) -> ActionJob:
    """Keep the selection and the answers, then wake a worker once committed. Raises what the action's own
    limits raise (TooManyDesigns) before anything is kept."""
    spec = ACTIONS[action]
    options = options or {}
    ids = design_ids(designs)
    if spec.check is not None:
        spec.check(designs, ids, options)
    job = ACTION_JOB.create(
        state=ActionJob.State.QUEUED,
        source=Source.ADMIN,
        actor=actor,
        action=action,
        label=f"{_worded(spec.label, options)} {len(ids):,} design{'s' if len(ids) != 1 else ''}",
        design_ids=ids,
        options=options,
        total=len(ids),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    transaction.on_commit(partial(enqueue, "run_action_job", job.pk))
    return job


def run(job_id: int) -> str:
    """Carry out a job, chunk by chunk, for at most RUN_SECONDS; then hand the rest to a new task."""
    with leases.held(ActionJob.lease_key(job_id), LEASE_SECONDS) as token:
        if token is None:
            return "busy"
        job = ActionJob.objects.filter(pk=job_id).select_related("created_by").first()
        if job is None or job.state in (ActionJob.State.DONE, ActionJob.State.FAILED):
            return "done"
        spec = ACTIONS[job.action]
        ACTION_JOB.move(job_id, to=ActionJob.State.RUNNING, sources=[ActionJob.State.QUEUED], source=Source.WORKER)
        started, first = time.monotonic(), job.done
        result = None
        while job.done < job.total:
            if job.done > first and time.monotonic() - started > RUN_SECONDS:  # at least one chunk per run
                transaction.on_commit(partial(enqueue, "run_action_job", job.pk))
                return f"{job.done} of {job.total}"
            chunk = job.design_ids[job.done : job.done + CHUNK]
            try:
                outcome = spec.call(chunk, job.created_by, job.options)
            except (ValueError, NotConfigured) as error:  # a refusal in words (PublishRefused, no LLM, …)
                _finish(job, ActionJob.State.FAILED, f"{job.summary or 'Nothing done'}. Stopped: {error}")
                return "failed"
            _log(spec, job.created_by, job.options, outcome)
            if result is None:  # what earlier runs of this job did, in the use case's own result type
                result = _restored(outcome, job.result)
            result = outcome if result is None else _merge(result, outcome)
            job.done += len(chunk)
            _save_progress(job, result)
        _finish(job, ActionJob.State.DONE, f"{job.summary or 'Nothing done'}.")
        return "done"


def progress(job: ActionJob) -> dict:
    """What the progress page shows."""
    return {
        "job": job,
        "percent": int(100 * job.done / job.total) if job.total else 100,
        "finished": job.state in (ActionJob.State.DONE, ActionJob.State.FAILED),
    }


# --- the parts ------------------------------------------------------------------------------------------------


def _log(spec: BulkAction, actor, options: dict, outcome) -> None:
    moved = getattr(outcome, "moved", None)
    if spec.log_message is not None and moved:
        audit.log_changes(actor, moved, _worded(spec.log_message, options))


def _merge(total, part):
    """Results of one use case, chunk after chunk: lists extended, dicts updated, field by field."""
    for each in dataclasses.fields(total):
        mine, theirs = getattr(total, each.name), getattr(part, each.name)
        if isinstance(mine, list):
            mine.extend(theirs)
        elif isinstance(mine, dict):
            mine.update(theirs)
    return total


def _restored(outcome, stored: dict):
    """The result kept in the job (JSON: design ids as text keys) as the use case's result again; what JSON does not
    keep (a move's machine) is taken from this chunk's `outcome`."""
    if not stored:
        return None
    values = {
        name: {int(key): value for key, value in kept.items()} if isinstance(kept, dict) else kept
        for name, kept in stored.items()
    }
    machine = {"machine": outcome.machine} if hasattr(outcome, "machine") else {}
    return type(outcome)(**values, **machine)


def _record(result) -> dict:
    """The result as JSON: its ids, reasons and counts (a move's machine and cascade are not kept)."""
    plain = (list, dict, str, int)
    return {
        f.name: getattr(result, f.name)
        for f in dataclasses.fields(result)
        if isinstance(getattr(result, f.name), plain)
    }


def _save_progress(job: ActionJob, result) -> None:
    job.summary = summary(job.action, result, job.options)
    ActionJob.objects.filter(pk=job.pk).update(
        done=job.done, summary=job.summary, result=_record(result), updated_at=timezone.now()
    )


def _finish(job: ActionJob, state: str, summary: str) -> None:
    ACTION_JOB.move(
        job,
        to=state,
        sources=[ActionJob.State.RUNNING],
        source=Source.WORKER,
        message=summary,
        updates={"done": job.done, "summary": summary, "finished_at": timezone.now()},
    )
