"""Publishing use cases: publish, retry, unpublish. The work runs on the workers (workers/publish_run.py).

Every function returns a TransitionResult, like review's, so the admin and the commands report
"12 queued for publishing, 3 skipped (in review)" the same way.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from designs import print_quality
from designs.compliance import report_refused
from designs.models import Design, ProductTemplate
from designs.product_templates import TemplateInvalid, check_template
from designs.services import print_files, publish_checks
from designs.workers import enqueue
from designs.workflow import PUBLISHABLE, Status, TransitionResult, design_ids, transition


class PublishRefused(ValueError):
    """Publishing could not start: no usable product template. Nothing was changed."""


def default_template() -> ProductTemplate | None:
    return ProductTemplate.objects.filter(is_default=True).first()


def request_publish(
    designs,
    *,
    actor,
    source: str,
    template: ProductTemplate | None = None,
    allow_duplicate_titles: bool = False,
    override_low_dpi: bool = False,
) -> TransitionResult:
    """approved / publish_failed → publishing, then a publishing run per design once the change is committed.

    `template` (or else the default template) is given to designs that have no product yet; a design whose
    product already exists keeps the template it was made from. Every template involved is checked before any
    status changes: a design never sits in publishing with a template Printify would refuse. Designs naming a
    blocked term, or whose title another live product of the template has (unless `allow_duplicate_titles`),
    are refused: they stay where they are and `refused` says why. So is print quality (designs/print_quality.py):
    designs below MIN_PRINT_DPI refuse the request unless `override_low_dpi`.
    """
    return _start_publishing(
        designs,
        actor=actor,
        source=source,
        template=template,
        sources=PUBLISHABLE,
        allow_twins=allow_duplicate_titles,
        override=override_low_dpi,
    )


def retry_publish(designs, *, actor, source: str) -> TransitionResult:
    """publish_failed → publishing; the run resumes at the first step without a saved id."""
    return _start_publishing(
        designs, actor=actor, source=source, template=None, sources=[Status.PUBLISH_FAILED], allow_twins=False
    )


def publish_plan(ids: list[int], template: ProductTemplate | None) -> tuple[list[int], list[int], list[int]]:
    """(designs that take `template` or the default, designs that keep their own template, unknown ids)."""
    rows = Design.objects.filter(pk__in=ids).values_list("pk", "product_template_id", "printify_product_id")
    takes_chosen, keeps_own = [], []
    for design_id, own_template, product_id in rows:
        (takes_chosen if not product_id and (template or not own_template) else keeps_own).append(design_id)
    return takes_chosen, keeps_own, sorted(set(ids) - set(takes_chosen) - set(keeps_own))


def _start_publishing(designs, *, actor, source, template, sources, allow_twins, override=None) -> TransitionResult:
    ids = design_ids(designs)
    takes_chosen, keeps_own, unknown = publish_plan(ids, template)
    chosen = template or default_template()
    if takes_chosen and chosen is None:
        raise PublishRefused(
            "There is no product template to publish with: create one under Product templates and mark it "
            "default, or choose one."
        )
    used = {t.pk: t for t in ProductTemplate.objects.filter(design__pk__in=keeps_own)}
    if takes_chosen:
        used[chosen.pk] = chosen
    for each in used.values():
        try:
            check_template(each)
        except TemplateInvalid as error:
            raise PublishRefused(str(error)) from error
    gate = print_quality.publish_gate(chosen, takes_chosen, keeps_own, sources=sources, override=bool(override))
    if gate.refused:  # print quality, before anything changes (so before any Printify request)
        raise PublishRefused(gate.refusal())

    own = dict(Design.objects.filter(pk__in=keeps_own).values_list("pk", "product_template_id"))
    plan = {**dict.fromkeys(takes_chosen, chosen), **{i: used[own[i]] for i in keeps_own if own.get(i) in used}}
    # Only designs that would move are screened: one left in review must not make a twin of one that goes live.
    movable = set(Design.objects.filter(pk__in=plan, status__in=sources).values_list("pk", flat=True))
    plan = {design_id: each for design_id, each in plan.items() if design_id in movable}
    refused = publish_checks.publish_refusals(plan, allow_duplicate_titles=allow_twins)
    takes_chosen = [i for i in takes_chosen if i not in refused]
    keeps_own = [i for i in keeps_own if i not in refused]

    fresh_start = {"last_error": "", "publish_attempts": 0}
    if override is not None:  # a new request decides afresh; a retry keeps the decision made
        fresh_start["print_gate_overridden"] = override
    result = TransitionResult(target=Status.PUBLISHING)
    with transaction.atomic():
        for group, updates in (
            (takes_chosen, {**fresh_start, "product_template": chosen}),
            (keeps_own + unknown, fresh_start),
        ):
            if group:
                result.merge(
                    transition(
                        group,
                        to=Status.PUBLISHING,
                        sources=sources,
                        actor=actor,
                        source=source,
                        message="Publishing to Printify requested.",
                        updates=updates,
                    )
                )
        print_files.after_publish_requested(gate, result.moved, actor=actor, source=source)
        for design_id in result.moved:
            enqueue_publish(design_id)
    return report_refused(result, refused, waiting_in=frozenset(sources))


def request_unpublish(designs, *, actor, source: str, delete: bool) -> TransitionResult:
    """Take published designs off the store (and, with delete, remove the Printify product) on a worker.

    `moved` lists the designs queued; they move back to approved once Printify confirms. Designs that are not
    published (or have no product) are reported in `skipped` with their status.
    """
    ids = design_ids(designs)
    current = dict(Design.objects.filter(pk__in=ids).values_list("pk", "status"))
    queued = set(
        Design.objects.filter(pk__in=ids, status=Status.PUBLISHED)
        .exclude(printify_product_id="")
        .values_list("pk", flat=True)
    )
    result = TransitionResult(target=Status.APPROVED)
    actor_id = getattr(actor, "pk", actor)
    for design_id in ids:
        if design_id not in queued:
            result.skipped[design_id] = current.get(design_id)
            continue
        result.moved.append(design_id)
        transaction.on_commit(
            partial(enqueue, "unpublish_design", design_id, delete=delete, actor_id=actor_id, source=source)
        )
    return result


def enqueue_publish(design_id: int, *, delay: float = 0, resume: dict | None = None) -> None:
    """Wake a publishing run once the current transaction commits (now, or after `delay` seconds)."""
    transaction.on_commit(partial(_enqueue_now, design_id, delay, resume))


def _enqueue_now(design_id: int, delay: float, resume: dict | None) -> None:
    if delay <= 0:
        enqueue("publish_design", design_id, resume=resume)
        return
    # django-q2 has no delayed task; a one-off schedule fires it (the cluster checks schedules about every 30 s).
    from django_q.models import Schedule
    from django_q.tasks import schedule

    schedule(
        "designs.tasks.publish_design",
        design_id,
        resume=resume,
        schedule_type=Schedule.ONCE,
        next_run=timezone.now() + timedelta(seconds=delay),
        repeats=-1,
    )
