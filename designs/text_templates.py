"""The safe text-template engine: how a product template's title, description and tags templates are checked and
rendered over a design's plain values.

Staff write these texts in Django's template language, limited to tags and filters whose output stays about as long
as the values they print. Pure (no HTTP, no queries): the values are copied out of the design first, so a template
can reach no model. designs/product_templates.py decides which text wins (the design's own, the template's, a
fallback) and builds the payload from them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    VariableDoesNotExist,
    defaultfilters,
    defaulttags,
)
from django.template.base import Lexer, TokenType, filter_re

# Listing limits (title, tags, description) are the shop's settings, read through designs/listing.py: Printify's
# own reference gives no length limits for these texts (printify-api.md §4). Printify adds about 17 blueprint
# tags of its own on create (§4); how it fits them into Etsy's 13 is not documented.
# Every value a template can print is cut to this, so even an allowed template repeating values in all of its
# source stays at a few MB of output before the limits above apply.
TEMPLATE_VALUE_MAX_CHARS = 5_000

# Staff write the text templates in Django's template language, limited to tags and filters whose output stays
# about as long as the values they print: no loops ({% for %}, {% cycle %}), no generated text ({% lorem %}),
# no padding to a chosen width (ljust, center, stringformat), no repeating (join; add, which with
# {% firstof … as %} could double a value per step), nothing that reads other data ({% include %}, {% load %},
# {% url %}, {% debug %}) and nothing that turns escaping off ({% autoescape %}, safe), so every design value put
# into the HTML description is escaped. Conditions, fallbacks, case, truncation and line breaks are what a
# title or description needs; the names are flat already, so {% with %} is not needed either.
ALLOWED_TEMPLATE_TAGS = ("if", "firstof", "filter", "comment", "spaceless")
_BRANCH_TAGS = {"elif", "else"}
ALLOWED_TEMPLATE_FILTERS = (
    "capfirst",
    "cut",
    "default",
    "default_if_none",
    "first",
    "last",
    "length",
    "linebreaks",
    "linebreaksbr",
    "lower",
    "pluralize",
    "slice",
    "slugify",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "wordcount",
    "yesno",
)
TITLE_TEMPLATE_HELP = (
    "Applied to every design's title: {{ title }} is the design's own title (or its prompt, where “The prompt is the "
    "title” is ticked), so “{{ title }} — Unisex Tee” adds the product words to each title of this template. Keep "
    "product words here, not in the designs' titles: a design's title goes on all of its products."
)
TEMPLATE_NAMES_HELP = (
    "Templates can use design.title, design.prompt, design.style, design.description, design.batch, design.tags "
    "(comma-separated) and design.id, each also without “design.”, and template.name, template.blueprint_id, "
    "template.print_provider_id and template.print_position."
)

_STAFF_LIBRARY = Library()
for _name in ALLOWED_TEMPLATE_TAGS:
    _STAFF_LIBRARY.tag(_name, defaulttags.register.tags[_name])
for _name in ALLOWED_TEMPLATE_FILTERS:
    _STAFF_LIBRARY.filter(_name, defaultfilters.register.filters[_name])


class _StaffTemplateEngine(Engine):
    """Django's template engine knowing only the allowed tags and filters (the public `builtins` argument can only
    add to Django's defaults, not replace them)."""

    def get_template_builtins(self, builtins):
        return [_STAFF_LIBRARY]


# No loaders, so nothing can be included. Titles and tags are plain text; the description is HTML, so the values
# put into it are escaped.
_TEXT_ENGINE = _StaffTemplateEngine(loaders=[], autoescape=False)
_HTML_ENGINE = _StaffTemplateEngine(loaders=[], autoescape=True)
# Checking prints a marker for each name the context does not have, so a template still written against the
# model (design.batch.name, design.created_by…) is named instead of silently printing nothing.
_UNKNOWN_NAME_MARK = "\x00%s\x00"
_UNKNOWN_NAME = re.compile("\x00(.*?)\x00")
_CHECK_ENGINE = _StaffTemplateEngine(loaders=[], autoescape=False, string_if_invalid=_UNKNOWN_NAME_MARK)
# And a marker where a template prints design or template as a whole, to name it too.
_WHOLE_MARK = "\x01%s\x01"
_WHOLE = re.compile("\x01(.*?)\x01")


@dataclass(frozen=True)
class TextTemplate:
    label: str
    field: str
    engine: Engine
    max_chars: int


# Source limits: the title and tags fields hold 500 characters; a description template needs no more than a page.
TITLE = TextTemplate("title", "title_template", _TEXT_ENGINE, 500)
DESCRIPTION = TextTemplate("description", "description_template", _HTML_ENGINE, 5_000)
TAGS = TextTemplate("tags", "tags_template", _TEXT_ENGINE, 500)

# Checking renders over these: the same names and kinds of values as a real design, so whatever renders here
# renders for every design.
_SAMPLE_DESIGN_VALUES = {
    "id": 1,
    "pk": 1,
    "title": "Sample title",
    "prompt": "sample prompt",
    "style": "sample style",
    "description": "Sample description",
    "batch": "Sample batch",
    "tags": "sample, tags",
}


class TemplateInvalid(ValueError):
    """The template cannot produce a product Printify would accept; .problems lists why, in plain words."""

    def __init__(self, template_name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"Product template “{template_name}” cannot be used: " + " ".join(problems))


# --- checking ------------------------------------------------------------------------------------------------


def text_template_problems(template) -> list[str]:
    """Check each text template and render it over sample values, so errors show when saving, not publishing."""
    context = template_context(template, _SAMPLE_DESIGN_VALUES, checking=True)
    problems = []
    for text_template in (TITLE, DESCRIPTION, TAGS):
        label, source = text_template.label, getattr(template, text_template.field) or ""
        if len(source) > text_template.max_chars:
            problems.append(_too_long(text_template, source))
            continue
        forbidden = _forbidden_syntax(label, source)
        if forbidden:
            problems += forbidden
            continue
        try:
            compiled = _CHECK_ENGINE.from_string(source)
        except TemplateSyntaxError as error:
            problems.append(f"The {label} template has a syntax error: {error}.")
            continue
        except RecursionError:  # Django's parser recurses per nested condition ({% if not not … %})
            problems.append(f"The {label} template is nested too deeply to be read; write it more simply.")
            continue
        try:
            output = compiled.render(Context(context))
        except VariableDoesNotExist as error:
            problems.append(
                f"The {label} template uses “{error.params[0]}”, which it cannot read. {TEMPLATE_NAMES_HELP}"
            )
            continue
        except Exception as error:  # staff-written: any failure is a problem with the template, shown on the form
            problems.append(f"The {label} template cannot be rendered: {error}.")
            continue
        whole = sorted({name.lower() for name in _WHOLE.findall(output)})  # |upper may have changed it
        if whole:
            problems.append(
                f"The {label} template prints {' and '.join(whole)} as a whole; print the values by name. "
                + TEMPLATE_NAMES_HELP
            )
            continue
        unknown = sorted(set(_UNKNOWN_NAME.findall(output)))
        if unknown:
            problems.append(
                f"The {label} template uses {', '.join(unknown)}, which it cannot read (it would print nothing). "
                + TEMPLATE_NAMES_HELP
            )
    return problems


def _too_long(text_template: TextTemplate, source: str) -> str:
    return (
        f"The {text_template.label} template is {len(source):,} characters long; "
        f"at most {text_template.max_chars:,} are allowed."
    )


def _forbidden_syntax(label: str, source: str) -> list[str]:
    """Name the tags and filters outside the allowed ones (the engine refuses them too, but less clearly)."""
    tags, filters = set(), set()
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.VAR:
            expressions = [token.contents]
        elif token.token_type == TokenType.BLOCK:
            tag, *expressions = token.split_contents() or [""]
            if tag:  # an empty {% %} is the engine's syntax error
                tags.add(tag)
            if tag == "filter":  # {% filter upper|lower %} is a chain of filters without a value
                expressions = [f"value|{expression}" for expression in expressions]
        else:
            continue
        for expression in expressions:
            filters.update(match["filter_name"] for match in filter_re.finditer(expression) if match["filter_name"])
    problems = []
    # An end… tag closes an opening tag, and that one is named (a stray one is the engine's syntax error).
    bad_tags = sorted(tag for tag in tags - set(ALLOWED_TEMPLATE_TAGS) - _BRANCH_TAGS if not tag.startswith("end"))
    if bad_tags:
        problems.append(
            f"The {label} template uses {', '.join('{% ' + tag + ' %}' for tag in bad_tags)}; product templates may "
            f"only use the tags {', '.join(ALLOWED_TEMPLATE_TAGS)} (no loops, includes or other tags)."
        )
    bad_filters = sorted(filters - set(ALLOWED_TEMPLATE_FILTERS))
    if bad_filters:
        problems.append(
            f"The {label} template uses the filters {', '.join(bad_filters)}; product templates may only use "
            f"{', '.join(ALLOWED_TEMPLATE_FILTERS)}."
        )
    return problems


# --- rendering -----------------------------------------------------------------------------------------------


def design_values(design) -> dict:
    values = {
        "id": design.pk,
        "pk": design.pk,  # templates written against the model used design.pk
        "title": design.title,
        "prompt": design.prompt,
        "style": design.style,
        "description": design.description,
        "batch": design.batch.name if design.batch_id else "",
        "tags": ", ".join(str(tag) for tag in design.tags or []),
    }
    return {
        name: value[:TEMPLATE_VALUE_MAX_CHARS] if isinstance(value, str) else value for name, value in values.items()
    }


class PlainValues:
    """Values a template reads by name (design.title), and nothing else: no methods to call (a dict's clear, items),
    no model behind them. Printed whole ({{ design }}) it is its values joined and cut to the same per-value cap,
    never a repr (which escaped every value past the cap: 8.4 million characters from one prompt)."""

    __slots__ = ("_values", "_printed")

    def __init__(self, values: dict, *, printed: str | None = None):
        self._values = dict(values)
        self._printed = printed  # what checking prints instead, to name the template that prints it whole

    def __getitem__(self, name):
        return self._values[name]

    def __str__(self) -> str:
        if self._printed is not None:
            return self._printed
        return ", ".join(str(value) for value in self._values.values() if value not in (None, ""))[
            :TEMPLATE_VALUE_MAX_CHARS
        ]


def template_context(template, values: dict, *, checking: bool = False) -> dict:
    """Plain values only: a template must not reach a model (design.created_by.password, tokens) or anything
    that queries."""
    template_values = {
        "name": template.name,
        "blueprint_id": template.blueprint_id,
        "print_provider_id": template.print_provider_id,
        "print_position": template.print_position,
    }
    return {
        **values,
        "design": PlainValues(values, printed=_WHOLE_MARK % "design" if checking else None),
        "template": PlainValues(template_values, printed=_WHOLE_MARK % "template" if checking else None),
    }


def render(text_template: TextTemplate, template, context: dict) -> str:
    """One of the template's texts rendered over `context` (template_context()), stripped."""
    source = getattr(template, text_template.field) or ""
    if len(source) > text_template.max_chars:
        raise TemplateInvalid(template.name, [_too_long(text_template, source)])
    engine = text_template.engine
    return _compiled(text_template, source).render(Context(context, autoescape=engine.autoescape)).strip()


@functools.lru_cache(maxsize=128)
def _compiled(text_template: TextTemplate, source: str):
    """Compiling is most of a render's cost; a publish of thousands renders the same few template sources."""
    return text_template.engine.from_string(source)
