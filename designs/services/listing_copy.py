"""Listing copy use cases: a person's edit of title, description and tags, and asking the LLM to write them.

Every change is one conditional UPDATE on the design's copy_revision (the revision the editor started from), so
two people editing at once, or a person and the LLM, never overwrite each other silently: the later one is told
and shown the current copy. Each change writes a note in the design's history (who, from where, what changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, F, Q, QuerySet
from django.utils import timezone

from designs import compliance, copywriting, listing
from designs.clients import NotConfigured, llm_configured
from designs.machine import MoveResult
from designs.models import CopyStatus, Design, DesignEvent
from designs.selectors import selling_limits
from designs.services.generation import check_design_count, design_count_problem
from designs.task_states import COPY, COPY_STALE_AFTER
from designs.workers import enqueue
from designs.workflow import EventKind, Source, Status, design_ids, note

COPY_FIELDS = ("title", "description", "tags")
# The worker's claim is considered lost after this long (longer than any one task may run): asking again is then
# allowed, and a redelivered task may take it over.
LIVE = (Status.PUBLISHING, Status.MOCKUPS, Status.PUBLISHED)  # for sale, or about to be
NOTE_PREFIXES = ("Copy edited", "Copy written")
CHUNK = 2000  # designs queued per transaction


@dataclass
class CopyEdit:
    saved: bool
    design: Design | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)  # per field, when the values do not fit
    conflict: str = ""  # someone else changed the copy first (or the design is gone): nothing was saved
    changed: list[str] = field(default_factory=list)


def clean_values(*, title=None, description=None, tags=None) -> dict:
    """Typed values as they are stored (None: not given)."""
    values = {}
    if title is not None:
        values["title"] = listing.clean_title(title)
    if description is not None:
        values["description"] = listing.clean_description(description)
    if tags is not None:
        values["tags"] = listing.parse_tags(tags)
    return values


def save_copy(design_id: int, *, revision: int, actor, source: str, **typed) -> CopyEdit:
    """Save the given fields (title, description, tags) if the copy is still at `revision`."""
    values = clean_values(**{name: typed[name] for name in COPY_FIELDS if typed.get(name) is not None})
    # The strictest limits of the shops sold in: the copy goes to every one of them (designs/channels.py).
    problems = listing.copy_problems(**values, shop=selling_limits())
    if problems:
        return CopyEdit(saved=False, problems=problems)
    design = Design.objects.filter(pk=design_id).first()
    if design is None:
        return CopyEdit(saved=False, conflict=f"Design {design_id} no longer exists.")
    changed = [name for name, value in values.items() if getattr(design, name) != value]
    if design.copy_revision != revision:
        return CopyEdit(saved=False, design=design, conflict=conflict_message(design))
    if not changed:
        return CopyEdit(saved=True, design=design)
    updates = {name: values[name] for name in changed}
    with transaction.atomic():
        moved = Design.objects.filter(pk=design_id, copy_revision=revision).update(
            **updates, copy_revision=F("copy_revision") + 1, updated_at=timezone.now()
        )
        if moved:
            note(design, "Copy edited: " + listing.describe_change(design, updates), source=source, actor=actor)
    design.refresh_from_db()
    if not moved:
        return CopyEdit(saved=False, design=design, conflict=conflict_message(design))
    return CopyEdit(saved=True, design=design, changed=changed)


def conflict_message(design: Design) -> str:
    """'Design 12's copy was changed by alice meanwhile: nothing was saved; its current copy is shown.'"""
    last = (
        DesignEvent.objects.filter(design=design, kind=EventKind.NOTE)
        .filter(Q(message__startswith=NOTE_PREFIXES[0]) | Q(message__startswith=NOTE_PREFIXES[1]))
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    who = ""
    if last is not None:
        who = f" by {last.actor.get_username()}" if last.actor else " by the LLM copywriter"
    return f"Design {design.pk}'s copy was changed{who} meanwhile: nothing was saved; its current copy is shown."


# --- the LLM ------------------------------------------------------------------------------------------------------


@dataclass
class CopyQuestion:
    """What the "Write listing copy" confirmation shows: counts over the whole selection, the cost, the cap."""

    count: int  # designs whose copy will be written
    done: int  # designs whose copy is done: skipped unless rewriting was asked for
    not_writable: int  # no prompt, being published, or being written already
    estimate: Decimal | None  # dollars for `count` (None: no prices set and no history)
    estimate_with_done: Decimal | None  # dollars if the done ones are rewritten too
    problem: str  # over MAX_DESIGNS_PER_ACTION: cannot be confirmed

    @property
    def can_confirm(self) -> bool:
        return bool(self.count) and not self.problem


def copy_question(designs: QuerySet, *, rewrite_done: bool = False) -> CopyQuestion:
    """Counted in two aggregate queries whatever the size of the selection."""
    now = timezone.now()
    without_done = _writable(designs, now, rewrite_done=False).count()
    with_done = _writable(designs, now, rewrite_done=True).count()
    count = with_done if rewrite_done else without_done
    return CopyQuestion(
        count=count,
        done=with_done - without_done,
        not_writable=designs.count() - with_done,
        estimate=estimated_cost(without_done),
        estimate_with_done=estimated_cost(with_done),
        problem=design_count_problem(count),
    )


def estimated_cost(designs: int) -> Decimal | None:
    """Dollars `designs` copies are likely to cost: the average LLM cost of a design's copy so far, else the
    usual token counts priced with LLM_COST_PER_MILLION_*; None when neither says anything."""
    average = Design.objects.filter(copy_tokens__gt=0, copy_cost__isnull=False).aggregate(cost=Avg("copy_cost"))
    per_design = average["cost"]
    if per_design is None:
        per_design = copywriting.token_cost(copywriting.PROMPT_TOKENS_ESTIMATE, copywriting.ANSWER_MAX_TOKENS)
        if not per_design:
            return None
    return per_design * designs


def request_copy(designs, *, actor, source: str, rewrite_done: bool = False, templates=()) -> MoveResult:
    """Queue the LLM to write title, description and tags (on the workers); `moved` lists the designs queued.

    `templates`: those the designs are about to be published to (the publish confirmation's): the copy is asked to
    fit the strictest of their shops (and of the shops the designs have products in); none given, it must fit
    every connected shop's (selectors.copy_limits).

    Skipped: designs already waiting for copy (unless their worker was lost), being published, or without a
    prompt to write from, and designs whose copy is done unless `rewrite_done`. Raises NotConfigured when no LLM
    is set up, TooManyDesigns when more than MAX_DESIGNS_PER_ACTION would be queued (nothing is then queued).
    """
    if not llm_configured():
        raise NotConfigured(
            "Listing copy by LLM is off: set LLM_API_BASE and LLM_MODEL (and LLM_API_KEY).", service="The LLM"
        )
    ids = design_ids(designs)
    writable = 0
    for start in range(0, len(ids), CHUNK):
        chunk = Design.objects.filter(pk__in=ids[start : start + CHUNK])
        writable += _writable(chunk, timezone.now(), rewrite_done=rewrite_done).count()
    check_design_count(writable)
    template_ids = sorted({getattr(template, "pk", template) for template in templates})
    result = MoveResult(CopyStatus.QUEUED, COPY)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        result.merge(
            _queue_copy(chunk, actor=actor, source=source, rewrite_done=rewrite_done, template_ids=template_ids)
        )
    return result


def _askable(now, *, rewrite_done: bool) -> Q:
    """Copy the LLM may be asked for now: never asked, failed (done, when rewriting); or asked so long ago that its
    worker was lost (then taken over)."""
    settled = [CopyStatus.NONE, CopyStatus.FAILED, *([CopyStatus.DONE] if rewrite_done else [])]
    return Q(copy_status__in=settled) | Q(copy_requested_at__lte=now - COPY_STALE_AFTER)


def _writable(designs: QuerySet, now, *, rewrite_done: bool) -> QuerySet:
    """The designs whose copy the LLM may write now (the one rule: the question counts it, the request uses it)."""
    return designs.exclude(prompt="").exclude(status=Status.PUBLISHING).filter(_askable(now, rewrite_done=rewrite_done))


def _queue_copy(ids: list[int], *, actor, source: str, rewrite_done: bool, template_ids: list[int]) -> MoveResult:
    result = MoveResult(CopyStatus.QUEUED, COPY)
    now = timezone.now()
    askable = _askable(now, rewrite_done=rewrite_done)
    writable = _writable(Design.objects.filter(pk__in=ids), now, rewrite_done=rewrite_done)
    with transaction.atomic():
        chosen = set(writable.values_list("pk", flat=True))
        COPY.move(
            chosen,
            to=CopyStatus.QUEUED,
            where=askable,
            actor=actor,
            source=source,
            updates={"copy_note": "", "copy_requested_at": now},
        )
        # Still queued from a request whose wake-up was lost: only asked again.
        Design.objects.filter(pk__in=chosen, copy_status=CopyStatus.QUEUED).update(copy_requested_at=now)
        for design_id in ids:
            if design_id in chosen:
                result.moved.append(design_id)
                task_args = (design_id, template_ids) if template_ids else (design_id,)
                transaction.on_commit(partial(enqueue, "write_listing_copy", *task_args))
    if len(result.moved) < len(ids):
        rows = Design.objects.filter(pk__in=[i for i in ids if i not in chosen]).values_list(
            "pk", "status", "prompt", "copy_status"
        )
        found = {pk: _not_writable(status, prompt, copy_status) for pk, status, prompt, copy_status in rows}
        for design_id in ids:
            if design_id in chosen:
                continue
            if design_id in found:
                result.refused[design_id] = found[design_id]
            else:
                result.skipped[design_id] = None
    return result


def _not_writable(status: str, prompt: str, copy_status: str) -> str:
    if not prompt:
        return "no prompt to write from"
    if status == Status.PUBLISHING:
        return "being published"
    if copy_status == CopyStatus.DONE:
        return "its copy is done; ask to rewrite it"
    return "its copy is being written already"


def after_ingest(design_ids_: list[int]) -> None:
    """LISTING_COPY_AFTER_INGEST: new designs that have no title yet get their copy written."""
    if not settings.LISTING_COPY_AFTER_INGEST or not llm_configured():
        return
    untitled = Design.objects.filter(pk__in=design_ids_, title="", copy_status=CopyStatus.NONE)
    request_copy(untitled, actor=None, source=Source.WORKER)


# --- what the review page shows -------------------------------------------------------------------------------------


def title_twins(design: Design, limit: int = 3) -> list[Design]:
    """Live products (publishing or published) whose title equals this design's (ignoring case): a buyer would see
    two listings with one name. Untitled designs are compared by their prompt, which their title falls back to."""
    title = listing.one_line(design.title or design.prompt)
    if not title:
        return []
    same = Q(title__iexact=title) | Q(title="", prompt__iexact=title)
    return list(
        Design.objects.filter(same, status__in=LIVE)
        .exclude(pk=design.pk)
        .prefetch_related("products")
        .only("pk", "title", "prompt")
        .order_by("pk")[:limit]
    )


def _product_names(design: Design) -> list[str]:
    return list(dict.fromkeys(p.template_name for p in design.products.all() if p.template_name))


def copy_warnings(design: Design) -> list[str]:
    """What a reviewer should fix before approving: blocked terms, a title already live, the LLM's failure."""
    warnings = []
    hits = compliance.active_screen().hits(compliance.design_texts(design))
    if hits:
        warnings.append(f"Approval will be refused: it names {compliance.describe(hits)}.")
    twins = title_twins(design)
    if twins:
        named = ", ".join(
            f"design {twin.pk}" + (f" ({', '.join(names)})" if (names := _product_names(twin)) else "")
            for twin in twins
        )
        warnings.append(f"This title is already live: {named}. Publishing it again needs a confirmation.")
    return warnings


def copy_state(design: Design) -> dict:
    """The design's copy as the review page's editor needs it (JSON-ready)."""
    return {
        "id": design.pk,
        "revision": design.copy_revision,
        "title": design.title,
        "description": design.description,
        "tags": list(design.tags or []),
        "prompt": design.prompt,
        "copy_status": design.copy_status,
        "copy_status_label": design.get_copy_status_display(),
        "copy_note": design.copy_note,
        "writing": design.copy_status in (CopyStatus.QUEUED, CopyStatus.WRITING),
        "warnings": copy_warnings(design),
        "limits": selling_limits().as_json(),
    }
