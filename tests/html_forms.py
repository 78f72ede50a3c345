"""The forms of a rendered page, read as a browser reads them, and what the browser sends when one is submitted.

Tests of admin pages submit the form the page renders (its hidden fields, ticked boxes, selected options), not a
POST built by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    attrs: dict
    inputs: list = field(default_factory=list)  # attribute dicts
    selects: dict = field(default_factory=dict)  # name -> [(value, label, selected)]
    textareas: dict = field(default_factory=dict)  # name -> text

    def has(self, name: str) -> bool:
        return name in self.selects or name in self.textareas or any(i.get("name") == name for i in self.inputs)

    def options(self, name: str) -> dict[str, str]:
        """label -> value of a select."""
        return {label.strip(): value for value, label, _ in self.selects[name]}

    def data(self, changes: dict | None = None) -> list[tuple[str, str]]:
        """What the browser sends with no button pressed: hidden and text inputs, ticked boxes, selected options,
        textareas; `changes` replaces fields by name (a list value sends the name once per item)."""
        changes = dict(changes or {})
        sent: list[tuple[str, str]] = []
        for attrs in self.inputs:
            kind, name = attrs.get("type", "text"), attrs.get("name")
            if not name or name in changes or kind in ("submit", "button", "image", "file") or "disabled" in attrs:
                continue
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                continue
            sent.append((name, attrs.get("value") or ("on" if kind in ("checkbox", "radio") else "")))
        for name, options in self.selects.items():
            if name in changes:
                continue
            if options:  # a single select sends its selected option, else its first
                chosen = next((value for value, _, selected in options if selected), options[0][0])
                sent.append((name, chosen))
        sent += [(name, text) for name, text in self.textareas.items() if name not in changes]
        for name, value in changes.items():
            sent += [(name, str(item)) for item in (value if isinstance(value, list) else [value])]
        return sent

    def post_data(self, changes: dict | None = None) -> dict[str, list[str]]:
        """data() grouped by name, as Django's test client posts it."""
        grouped: dict[str, list[str]] = {}
        for name, value in self.data(changes):
            grouped.setdefault(name, []).append(value)
        return grouped


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._option: list | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(attrs.get("action", ""), attrs.get("method", "get").lower(), attrs))
        elif not self.forms:
            return
        elif tag in ("input", "button") and (tag == "input" or attrs.get("name")):
            self.forms[-1].inputs.append({"type": "submit", **attrs} if tag == "button" else attrs)
        elif tag == "select":
            self._select = attrs.get("name", "")
            self.forms[-1].selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value", ""), "", "selected" in attrs]
            self.forms[-1].selects[self._select].append(self._option)
        elif tag == "textarea":
            self._textarea = attrs.get("name", "")
            self.forms[-1].textareas[self._textarea] = ""

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self._textarea is not None:
            text = self.forms[-1].textareas[self._textarea]
            if not text:  # a browser drops the newline right after <textarea> (Django writes one there)
                data = data.removeprefix("\n")
            self.forms[-1].textareas[self._textarea] = text + data

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field_name: str, method: str = "post") -> Form:
    """The page's form holding `field_name`."""
    return next(form for form in forms_of(html) if form.method == method and form.has(field_name))
