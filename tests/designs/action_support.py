"""Admin actions driven as a browser drives them: the changelist's own form, then the confirmation page's own form."""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.form_support import as_dict, form_with

CHANGELIST = reverse("admin:designs_design_changelist")


def ask(client, action: str, *, url: str = CHANGELIST, ticked: list[int] | None = None):
    """Choose `action` on the changelist at `url`, tick `ticked` (None: every row, then "select all"), press Go."""
    listing = client.get(url).content.decode()
    form = form_with(listing, "action")
    rows = [i["value"] for i in form.inputs if i.get("name") == ACTION_CHECKBOX_NAME]
    chosen = rows if ticked is None else [str(pk) for pk in ticked]
    across = "1" if ticked is None else "0"
    changes = {"action": action, ACTION_CHECKBOX_NAME: chosen, "select_across": across}
    return client.post(url, as_dict(form.data(changes, press="Go")))


def answer(client, question, *, url: str = CHANGELIST, changes: dict | None = None):
    """Press the confirmation page's confirming button, sending exactly what its form carries (and `changes`)."""
    assert question.status_code == 200, question
    form = form_with(question.content.decode(), "action")
    return client.post(form.action or url, as_dict(form.data(changes, press="post")))


def shown(response) -> list[str]:
    """The messages the next page shows."""
    return [str(message) for message in get_messages(response.wsgi_request)]
