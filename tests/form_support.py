"""A page's forms read as a browser reads them, and the fields a browser would send when one is submitted.

Tests of pages that ask something (the admin's confirmations, the system test's walk) submit what the page itself
rendered: its hidden inputs, ticked boxes, selected options, textareas and the button pressed, never a hand-built
POST that might carry what the page forgot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    attrs: dict
    inputs: list = field(default_factory=list)  # attribute dicts; a <button> has its text under "text"
    selects: dict = field(default_factory=dict)  # name -> [(value, label, selected)]
    textareas: dict = field(default_factory=dict)  # name -> text

    def has(self, name: str) -> bool:
        return name in self.selects or name in self.textareas or any(i.get("name") == name for i in self.inputs)

    def options(self, name: str) -> dict[str, str]:
        """label -> value of a select."""
        return {label.strip(): value for value, label, _ in self.selects[name]}

    def hidden(self) -> list[tuple[str, str]]:
        return [(i["name"], i.get("value", "")) for i in self.inputs if i.get("type") == "hidden" and i.get("name")]

    def buttons(self) -> list[dict]:
        """The submit buttons (inputs and <button>s), each an attribute dict with its text under "text"."""
        return [i for i in self.inputs if i.get("type") == "submit"]

    def data(self, changes: dict | None = None, *, press: str | None = None) -> list[tuple[str, str]]:
        """What the browser sends: hidden and text inputs, ticked boxes, selected options, textareas; `changes`
        replaces fields by name (a list value sends the name once per item; None leaves a field out, as an unticked
        box); `press` names the submit button pressed (by its text, or its name), which sends its name and value."""
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
            if value is not None:
                sent += [(name, str(item)) for item in (value if isinstance(value, list) else [value])]
        if press is not None:
            button = self.button(press)
            if button.get("name"):
                sent.append((button["name"], button.get("value", "")))
        return sent

    def post_data(self, changes: dict | None = None, *, press: str | None = None) -> dict[str, list[str]]:
        """data() as Django's test client takes it."""
        return as_dict(self.data(changes, press=press))

    def button(self, press: str) -> dict:
        for button in self.buttons():
            if press in (button.get("text", "").strip(), button.get("value"), button.get("name")):
                return button
        pressable = [b.get("text") or b.get("value") for b in self.buttons()]
        raise AssertionError(f"No button {press!r} in the form; it has {pressable}")


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._option: list | None = None
        self._textarea: str | None = None
        self._button: dict | None = None
        # Fields naming a form (form="id") that comes later in the page, gathered until it is read.
        self.later: dict[str, Form] = {}

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(attrs.get("action", ""), attrs.get("method", "get").lower(), attrs))
            return
        owner = self._owner(attrs) if tag in ("input", "button", "select", "textarea") else None
        if tag == "option" and self._select is not None:
            owner = self._select_form
        if owner is None:
            return
        if tag == "input":
            owner.inputs.append(attrs)
        elif tag == "button":
            self._button = {"type": "submit", **attrs, "text": ""}
            if self._button["type"] == "submit":
                owner.inputs.append(self._button)
        elif tag == "select":
            self._select = attrs.get("name", "")
            self._select_form = owner
            owner.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value", ""), "", "selected" in attrs]
            self._select_form.selects[self._select].append(self._option)
        elif tag == "textarea":
            self._textarea = attrs.get("name", "")
            self._textarea_form = owner
            owner.textareas[self._textarea] = ""

    def _owner(self, attrs) -> Form | None:
        """The form a field belongs to: the one its form="id" attribute names (HTML5: a button outside its form, or
        in another one), else the form it is written in."""
        if attrs.get("form"):
            found = next((form for form in self.forms if form.attrs.get("id") == attrs["form"]), None)
            return found or self.later.setdefault(attrs["form"], Form("", "", {}))  # its form comes later
        return self.forms[-1] if self.forms else None

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self._textarea is not None:
            text = self._textarea_form.textareas[self._textarea]
            if not text:  # a browser drops the newline right after <textarea> (Django writes one there)
                data = data.removeprefix("\n")
            self._textarea_form.textareas[self._textarea] = text + data
        elif self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button":
            self._button = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        gathered = parser.later.get(form.attrs.get("id", ""))
        if gathered is not None:
            form.inputs += gathered.inputs
            form.selects.update(gathered.selects)
            form.textareas.update(gathered.textareas)
    return parser.forms


def form_with(html: str, name: str, *, method: str = "post") -> Form:
    """The page's form (of `method`) that has a field named `name`."""
    found = [f for f in forms_of(html) if f.method == method and f.has(name)]
    assert found, f"No {method.upper()} form with a field {name!r} on the page"
    return found[0]


def as_dict(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form.data() as Django's test client takes it (a name sent several times keeps every value, in order)."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def submit(client, url: str, changes: dict, field: str, **extra):
    """GET the page, fill in `changes` over what its form holding `field` rendered (a list for several values,
    None to untick or leave out), POST it back."""
    page = client.get(url, **extra)
    assert page.status_code == 200, page.status_code
    return client.post(url, form_with(page.content.decode(), field).post_data(changes), **extra)
