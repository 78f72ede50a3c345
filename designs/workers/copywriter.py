"""The LLM copywriter on a worker: one design's title, description and tags from its prompt, style and product.

A run claims the design (queued → writing, one conditional UPDATE; a claim older than the task timeout counts as
lost and may be taken over), asks the LLM, checks the answer against the shops' limits and blocked terms, asks
once more with the problems when it does not fit, and saves the copy only if nobody edited it meanwhile
(copy_revision unchanged). Every outcome ends in "done" or "failed" with a note a person can read; tokens are
counted (and priced with LLM_COST_PER_MILLION_*_TOKENS) whenever the server reports them, failures included.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from designs import compliance, copywriting, listing
from designs.models import CopyStatus, Design, ProductTemplate
from designs.selectors import copy_limits, design_template
from designs.task_states import COPY, COPY_STALE_AFTER
from designs.workers import enqueue
from designs.workflow import Source, note
from integrations.http import IntegrationError, RateLimited
from integrations.llm import Usage

logger = logging.getLogger(__name__)


def run_write_copy(design_id: int, template_ids: list[int] | None = None) -> str:
    """One copywriting run (the designs.tasks.write_listing_copy task). Returns what happened.

    The copy is asked for, and checked, within the strictest listing limits of the shops of `template_ids` (those
    the design is about to be published to) and of its products; without them, of every connected shop
    (selectors.copy_limits) — which is never looser, so a run woken again by the reconciler (no templates) is safe.
    """
    now = timezone.now()
    # A run older than the task timeout was lost (a killed worker): back in the queue, then taken over.
    COPY.move(
        design_id,
        to=CopyStatus.QUEUED,
        sources=[CopyStatus.WRITING],
        where=Q(copy_requested_at__lte=now - COPY_STALE_AFTER),
        source=Source.WORKER,
        message="Its earlier run was lost; taken over.",
    )
    claimed = COPY.move(
        design_id,
        to=CopyStatus.WRITING,
        sources=[CopyStatus.QUEUED],
        source=Source.WORKER,
        updates={"copy_requested_at": now},
    )
    if not claimed.moved:
        return "not queued"  # written, cancelled, or another run has it
    design = Design.objects.get(pk=design_id)
    from designs.clients import llm_client

    try:
        copy, usage, model = _ask(llm_client(), design, copy_limits(design, template_ids))
    except _CopyFailed as failure:
        return _finish_failed(design, str(failure), failure.usage)
    except IntegrationError as error:  # not configured
        return _finish_failed(design, str(error), Usage())
    return _save(design, copy, usage, model)


class _CopyFailed(Exception):
    def __init__(self, message: str, usage: Usage):
        super().__init__(message)
        self.usage = usage


def _ask(client, design: Design, shop: listing.Limits) -> tuple[copywriting.Copy, Usage, str]:
    """The checked copy (within `shop`'s limits), the tokens used and the model that wrote it; _CopyFailed when no
    usable answer came."""
    screen = compliance.active_screen()
    template = design_template(design)
    # Every template's product words: the design's one title goes on each of its products (a tee and a mug).
    products = copywriting.product_words(
        word for pair in ProductTemplate.objects.values_list("name", "blueprint_title") for word in pair
    )
    messages = copywriting.build_messages(
        prompt=design.prompt, style=design.style, product_type=template.name if template else "", shop=shop
    )
    started = time.monotonic()
    usage = Usage()
    problems: list[str] = []
    for attempt in (1, 2):
        try:
            answer = client.complete(messages, max_tokens=copywriting.ANSWER_MAX_TOKENS)
        except RateLimited as error:
            raise _CopyFailed(f"{error}. Ask for the copy again in a minute.", usage) from error
        except IntegrationError as error:  # refused (4xx), server error, too slow, not JSON: said in words
            raise _CopyFailed(str(error), usage) from error
        usage = usage + (answer.usage or Usage())
        copy, problems = copywriting.read_answer(answer.content, shop=shop, screen=screen, product_words=products)
        if copy is not None:
            return copy, usage, answer.model or client.model
        # One retry with the problems, unless the first answer took so long that a second would outlive the task.
        if attempt == 2 or time.monotonic() - started > settings.Q_TASK_TIMEOUT / 2:
            break
        messages = copywriting.retry_messages(messages, answer.content, problems)
    raise _CopyFailed(f"The LLM's answer could not be used: {' '.join(problems)}", usage)


def _usage_text(usage: Usage) -> str:
    if not usage.total_tokens:
        return ""
    return f" ({usage.total_tokens:,} tokens: {usage.prompt_tokens:,} prompt, {usage.completion_tokens:,} answer)"


def _spent(usage: Usage) -> dict:
    """Field updates adding these tokens (and their price) to the design's copy counters."""
    if not usage.total_tokens:
        return {}
    from django.db.models.functions import Coalesce

    return {
        "copy_tokens": F("copy_tokens") + usage.total_tokens,
        "copy_cost": Coalesce(F("copy_cost"), Decimal(0))
        + copywriting.token_cost(usage.prompt_tokens, usage.completion_tokens),
    }


def _save(design: Design, copy: copywriting.Copy, usage: Usage, model: str) -> str:
    values = {"title": copy.title, "description": copy.description, "tags": copy.tags}
    message = f"Copy written by {model}{_usage_text(usage)}."
    with transaction.atomic():
        saved = COPY.move(
            design,
            to=CopyStatus.DONE,
            sources=[CopyStatus.WRITING],
            where=Q(copy_revision=design.copy_revision),  # nobody edited the copy meanwhile
            source=Source.WORKER,
            updates={**values, **_spent(usage), "copy_revision": F("copy_revision") + 1, "copy_note": message},
        ).moved
        if saved:
            note(design, f"{message} {listing.describe_change(design, values)}", source=Source.WORKER)
    if saved:
        return "written"
    # Someone edited the copy while the LLM wrote: their words win; the answer is dropped (its tokens still count).
    return _finish_failed(design, "The copy was edited while the LLM was writing; the LLM's copy was not used.", usage)


def _finish_failed(design: Design, reason: str, usage: Usage) -> str:
    message = f"Copy failed: {reason}{_usage_text(usage)}"
    with transaction.atomic():
        COPY.move(
            design,
            to=CopyStatus.FAILED,
            sources=[CopyStatus.WRITING],
            source=Source.WORKER,
            message=message,
            updates={**_spent(usage), "copy_note": message},
        )
    logger.info("Design %s: %s", design.pk, message)
    return "failed"


def wake_stale_copy(limit: int = 500) -> list[int]:
    """Copy requests whose task was lost (a killed worker, a dropped wake-up) are queued again (the reconciler)."""
    cutoff = timezone.now() - COPY_STALE_AFTER
    stale = Design.objects.filter(
        copy_status__in=[CopyStatus.QUEUED, CopyStatus.WRITING], copy_requested_at__lte=cutoff
    ).values_list("pk", flat=True)
    woken = []
    for design_id in list(stale[:limit]):
        # Lost runs go back in the queue; lost wake-ups (still queued) are only sent again.
        COPY.move(
            design_id,
            to=CopyStatus.QUEUED,
            sources=[CopyStatus.WRITING],
            where=Q(copy_requested_at__lte=cutoff),
            source=Source.WORKER,
            message="Its run was lost (a stopped worker); queued again.",
        )
        if Design.objects.filter(pk=design_id, copy_status=CopyStatus.QUEUED, copy_requested_at__lte=cutoff).update(
            copy_requested_at=timezone.now()
        ):
            transaction.on_commit(partial(enqueue, "write_listing_copy", design_id))
            woken.append(design_id)
    if woken:
        logger.info("Reconcile: woke listing copy for %d designs: %s", len(woken), woken[:20])
    return woken
