"""The sales loop's two moves: make more like what sells, and retire what never sells.

- follow_up(): what a follow-up batch of the chosen designs starts from (their prompts and preset, which designs it
  came from); the batch form shows it to be reviewed and changed before anything is spent.
- write_prompts_like(): new prompts in the style of those, written by the LLM when one is configured; blocked terms
  screened out (designs/compliance.py) and said in words, never silently kept.
- retire_never_sold(): of the chosen designs, those published N+ days ago that never sold, taken off the store
  (or deleted on Printify) through the one unpublish service.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from designs import clients, compliance, listing, sales_figures
from designs.machine import MoveResult, row_ids
from designs.models import Design, GenerationPreset
from designs.services.batches import prompt_problem
from designs.services.publishing import request_unpublish
from integrations.http import IntegrationError

MAX_SOURCES = 50  # designs one follow-up starts from (the batch form shows them all)
MAX_WRITTEN = 20  # prompts one LLM answer may add
ANSWER_MAX_CHARS = 20_000
_FENCE = re.compile(r"^```(?:json)?\s*(?P<body>.*?)\s*```$", re.DOTALL | re.IGNORECASE)


@dataclass
class FollowUp:
    made_from: list[int]
    prompts: list[str]  # each once, in the order of the designs
    preset: GenerationPreset | None  # the one most of them used
    preset_names: list[str]  # every preset among them, to say when they differ
    name: str


def follow_up(design_ids) -> FollowUp:
    """The plan of a batch "more like" these designs (at most MAX_SOURCES, in the order given)."""
    order = {pk: i for i, pk in enumerate(list(dict.fromkeys(design_ids))[:MAX_SOURCES])}
    designs = sorted(Design.objects.filter(pk__in=order).select_related("preset"), key=lambda d: order[d.pk])
    prompts = list(dict.fromkeys(d.prompt.strip() for d in designs if d.prompt.strip()))
    presets = Counter(d.preset for d in designs if d.preset is not None)
    ids = [d.pk for d in designs]
    shown = ", ".join(f"#{pk}" for pk in ids[:5]) + ("…" if len(ids) > 5 else "")
    return FollowUp(
        made_from=ids,
        prompts=prompts,
        preset=presets.most_common(1)[0][0] if presets else None,
        preset_names=sorted(preset.name for preset in presets),
        name=f"More like {shown}"[:200],
    )


@dataclass
class WrittenPrompts:
    prompts: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "“…”: the blocked term “Disney” (in the prompt)"
    error: str = ""


def prompt_messages(examples: list[str], count: int) -> list[dict]:
    rules = (
        "You write prompts for an image generator that makes designs for a print-on-demand shop. Answer with one "
        'JSON object and nothing else: {"prompts": [string, ...]}.\n'
        f"- Write {count} new prompts in the style of the examples: the same kind of subject, mood, art style and "
        "length, but new subjects, each different from the examples and from each other.\n"
        "- One line each, plain text, no numbering, no quotes.\n"
        "- Never name brands, trademarked characters, celebrities or living artists."
    )
    shown = "\n".join(f"- {listing.one_line(prompt)}" for prompt in examples[:MAX_SOURCES])
    return [{"role": "system", "content": rules}, {"role": "user", "content": f"Examples that sell:\n{shown}"}]


def write_prompts_like(examples: list[str], count: int) -> WrittenPrompts:
    """Up to `count` new prompts in the style of `examples`; what the LLM wrote that names a blocked term (or is
    not a usable prompt) is refused with the reason, the rest returned for review. Nothing is created here."""
    written = WrittenPrompts()
    if not clients.llm_configured():
        written.error = "No LLM is configured (LLM_API_BASE and LLM_MODEL), so no new prompts were written."
        return written
    count = max(1, min(count, MAX_WRITTEN))
    try:
        answer = clients.llm_client().complete(prompt_messages(examples, count), max_tokens=60 * count + 100)
    except IntegrationError as error:
        written.error = f"The LLM could not write prompts: {error}"
        return written
    candidates, problem = _parse_prompts(answer.content)
    if problem:
        written.error = f"The LLM's answer could not be used: {problem}"
        return written
    screen = compliance.active_screen()
    seen = {listing.one_line(prompt).lower() for prompt in examples}
    for candidate in candidates[:count]:
        prompt = listing.clean_line(candidate)
        hits = screen.hits({"prompt": prompt}) if screen else []
        reason = compliance.describe(hits) or prompt_problem(prompt)
        if reason:
            written.refused.append(f"“{prompt[:80]}”: {reason}")
        elif prompt.lower() not in seen:
            seen.add(prompt.lower())
            written.prompts.append(prompt)
    return written


def _parse_prompts(text: str) -> tuple[list[str], str]:
    text = (text or "").strip()[:ANSWER_MAX_CHARS]
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced["body"]
    try:
        data = json.loads(text)
    except ValueError:
        return [], "it is not JSON."
    prompts = data.get("prompts") if isinstance(data, dict) else None
    if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
        return [], 'it must be {"prompts": [string, ...]}.'
    return prompts, ""


def retirable(designs, *, days: int):
    """Of `designs`, those with a live product, first published `days`+ days ago, that never sold."""
    return sales_figures.never_sold(designs, days=days)


def retire_never_sold(designs, *, days: int, delete: bool, actor, source: str) -> MoveResult:
    """Take the products of the designs that never sold in `days`+ days off the store (delete: off Printify too),
    through request_unpublish; the others are reported skipped with their status."""
    ids = row_ids(designs)
    idle = set(retirable(Design.objects.filter(pk__in=ids), days=days).values_list("pk", flat=True))
    result = request_unpublish([pk for pk in ids if pk in idle], actor=actor, source=source, delete=delete)
    result.skipped.update(Design.objects.filter(pk__in=ids).exclude(pk__in=idle).values_list("pk", "status"))
    return result
