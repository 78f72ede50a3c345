"""Submitting an admin form as a browser does: the fields the page rendered, with their values, then our changes."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.found = form_id, False, False
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        wanted = attrs.get("id") == self.form_id if self.form_id else attrs.get("id") != "logout-form"
        if tag == "form" and not self.found and wanted:
            self.inside = self.found = True
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.setdefault(name, []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "image", "file", "reset"):
                self.fields.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "select" and name and "disabled" not in attrs:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self.fields.setdefault(self._select, []).append(value)
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.setdefault(name, []).append("")

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.fields.setdefault(self._select, []).append(self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, form_id: str | None = None) -> dict[str, list[str]]:
    """The values a browser would send for the form with this id, else the page's first form (the admin's logout
    button in the header aside)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.found, f"no form{f' #{form_id}' if form_id else ''} on the page"
    return reader.fields


def submit(client, url: str, changes: dict, form_id: str | None = None, **extra):
    """GET the page, fill in `changes` over what it rendered (a list for several values, None to untick or leave
    out), POST it back."""
    page = client.get(url, **extra)
    assert page.status_code == 200, page.status_code
    data = form_fields(page.content.decode(), form_id)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return client.post(url, data, **extra)
