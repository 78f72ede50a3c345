"""Generation presets: the default one, and prompt templates rendered by plain substitution of {prompt} and {style}."""

import time

import pytest

from designs.models import GenerationPreset
from designs.presets import PROMPT_MAX_CHARS, PromptTemplateError, render_prompt

ALLOWED = "only {prompt} and {style} may be used"


def test_prompt_and_style_are_put_in_their_places():
    assert render_prompt("{prompt}, {style} style", prompt="a fox", style="woodcut") == "a fox, woodcut style"
    assert render_prompt("", prompt="a fox", style="") == ""  # print presets have no prompt
    # What a design's prompt holds is never read as a placeholder itself.
    assert render_prompt("{prompt}", prompt="a {style} {0} fox", style="X") == "a {style} {0} fox"


@pytest.mark.parametrize(
    "template",
    [
        "{prompt:>20000000}",  # str.format padded it: gigabytes at a larger width
        "{prompt.__class__.__mro__}",  # str.format walked Python's internals
        "{prompt[0]}",
        "{prompt!r}",
        "{prompt} {colour}",
        "{}",
        "{{prompt}}",
        "a } b",
    ],
)
def test_anything_but_the_two_placeholders_is_refused_at_once_naming_them(template):
    started = time.monotonic()
    with pytest.raises(PromptTemplateError, match=ALLOWED):
        render_prompt(template, prompt="a fox", style="woodcut")
    assert time.monotonic() - started < 0.05


def test_the_prompt_sent_is_capped():
    long = "x" * PROMPT_MAX_CHARS
    assert render_prompt("{prompt}", prompt=long, style="") == long
    with pytest.raises(PromptTemplateError, match=f"at most {PROMPT_MAX_CHARS:,}"):
        render_prompt("{prompt}, {style}", prompt=long, style="woodcut")


@pytest.mark.django_db
def test_the_presets_the_migrations_made_still_render():
    presets = list(GenerationPreset.objects.all())
    assert {preset.prompt_template for preset in presets} == {"{prompt}", ""}
    for preset in presets:
        assert render_prompt(preset.prompt_template, prompt="a fox", style="woodcut") in ("a fox", "")
