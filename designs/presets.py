"""Generation presets: which one generates when a design names none, and a preset's prompt template.

A prompt template is plain text in which {prompt} and {style} are replaced by the design's; nothing else in braces
is allowed. (It was a str.format string: "{prompt:>20000000}" padded a prompt to gigabytes and
"{prompt.__class__.__mro__}" walked Python's internals.) Domain, not a service: the generation worker renders the
prompt of every job it sends (designs/workers/jobs.py) and the preset form checks templates with the same function.
"""

from __future__ import annotations

import re

from designs.models import GenerationPreset, PresetKind

DEFAULT_PRESET_NAME = "Flux dev fp8"
PLACEHOLDERS = ("{prompt}", "{style}")
# Flux reads at most 512 T5 tokens of a prompt (flux-dev's max_sequence_length; CLIP only 77), about 2,000–2,500
# characters of English: past 4,000 the model never sees the rest, so longer is refused, never sent (and never a
# graph of megabytes in the /run body, which RunPod caps at 10 MB).
PROMPT_MAX_CHARS = 4_000
_PLACEHOLDER = re.compile("(" + "|".join(re.escape(name) for name in PLACEHOLDERS) + ")")

# What a design asks for, shared by its variations (which get a new seed) and its siblings (same job, same seed).
PROMPT_SETTINGS = (
    "prompt",
    "style",
    "title",
    "description",
    "tags",
    "batch_id",
    "preset_id",
    "width",
    "height",
    "steps",
    "guidance",
)


class PromptTemplateError(ValueError):
    """A preset's prompt template uses something other than {prompt} and {style}, or makes too long a prompt."""


def default_preset() -> GenerationPreset | None:
    presets = GenerationPreset.objects.filter(is_active=True, kind=PresetKind.GENERATION)
    return presets.filter(name=DEFAULT_PRESET_NAME).first() or presets.order_by("pk").first()


def render_prompt(template: str, *, prompt: str, style: str) -> str:
    """The prompt a job sends: the template with {prompt} and {style} put in (one pass, so braces inside the design's
    own prompt stay as they are). Linear in the template's length."""
    values = {"{prompt}": prompt, "{style}": style}
    parts = _PLACEHOLDER.split(template)
    literal = "".join(parts[0::2])  # split() puts the placeholders found at the odd positions
    if "{" in literal or "}" in literal:
        raise PromptTemplateError(
            f"The prompt template {_shortened(template)} is invalid: only {{prompt}} and {{style}} may be used, "
            "each written exactly so, and no other braces."
        )
    rendered = "".join(values.get(part, part) if index % 2 else part for index, part in enumerate(parts))
    if len(rendered) > PROMPT_MAX_CHARS:
        raise PromptTemplateError(
            f"The prompt would be {len(rendered):,} characters long; at most {PROMPT_MAX_CHARS:,} are sent (Flux "
            "reads about 2,000). Shorten the prompt, the style or the preset's prompt template."
        )
    return rendered


def _shortened(template: str) -> str:
    return repr(template if len(template) <= 80 else template[:80] + "…")


def prompt_settings(design) -> dict:
    """What a design asks for, to copy onto its variations and siblings."""
    return {name: getattr(design, name) for name in PROMPT_SETTINGS}
