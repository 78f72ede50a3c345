"""Listing copy in the admin: the review page's copy endpoints, the changelist's editable title and tags (limits,
untouched rows, conflicts), the change page, and the "Write listing copy" action."""

import re
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from designs.models import CopyStatus, Design, DesignEvent
from designs.workflow import EventKind, Status
from tests.designs.action_support import answer, ask, shown
from tests.designs.llm_support import llm_settings  # noqa: F401  (fixture)
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.form_support import form_with

pytestmark = pytest.mark.usefixtures("admin_settings")
CHANGELIST = reverse("admin:designs_design_changelist")
SAVE = reverse("admin:designs_design_copy_save")
WRITE = reverse("admin:designs_design_copy_write")
JSON = {"HTTP_ACCEPT": "application/json"}


def state_url(design):
    return reverse("admin:designs_design_review_copy", args=[design.pk])


# --- review page endpoints ---------------------------------------------------------------------------------


def test_the_review_page_includes_the_copy_editor(client, reviewer, make_design):
    make_design(status=Status.REVIEW, title="Fox tee", tags=["fox"])
    client.force_login(reviewer)
    page = client.get(reverse("admin:designs_design_review")).content.decode()
    assert 'id="pod-copy"' in page and 'value="Fox tee"' in page and "review_copy.js" in page


def test_the_copy_state_has_the_texts_revision_limits_and_warnings(client, reviewer, make_design):
    design = make_design(status=Status.REVIEW, title="Marvel fox")
    client.force_login(reviewer)
    copy = client.get(state_url(design)).json()["copy"]
    assert (copy["title"], copy["revision"], copy["limits"]["title"]) == ("Marvel fox", 0, 140)
    assert copy["warnings"] == ["Approval will be refused: it names the blocked term “Marvel” (in the title)."]


def test_saving_from_the_review_page(client, reviewer, make_design):
    design = make_design(status=Status.REVIEW)
    client.force_login(reviewer)
    response = client.post(
        SAVE, {"design": design.pk, "revision": 0, "title": "Fox tee", "tags": "fox, snow", "description": ""}, **JSON
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == f"Design {design.pk}: title, tags saved."
    assert body["copy"]["revision"] == 1 and body["copy"]["tags"] == ["fox", "snow"]
    event = DesignEvent.objects.get(design=design, kind=EventKind.NOTE)
    assert event.source == "review" and event.actor == reviewer


def test_a_save_over_the_limits_says_why_per_field(client, reviewer, make_design):
    design = make_design(status=Status.REVIEW)
    client.force_login(reviewer)
    response = client.post(SAVE, {"design": design.pk, "revision": 0, "title": "x" * 150}, **JSON)
    assert response.status_code == 400
    assert response.json()["problems"] == {"title": ["The title is 150 characters long; at most 140 are allowed."]}


def test_a_stale_save_is_a_conflict_with_the_current_copy(client, reviewer, make_design):
    design = make_design(status=Status.REVIEW, title="Old")
    client.force_login(reviewer)
    assert client.post(SAVE, {"design": design.pk, "revision": 0, "title": "First"}, **JSON).status_code == 200
    response = client.post(SAVE, {"design": design.pk, "revision": 0, "title": "Second"}, **JSON)
    assert response.status_code == 409
    assert response.json()["copy"]["title"] == "First" and "changed by reviewer meanwhile" in response.json()["message"]


def test_without_script_the_form_saves_and_goes_back(client, reviewer, make_design):
    design = make_design(status=Status.REVIEW)
    client.force_login(reviewer)
    back = reverse("admin:designs_design_review") + f"?focus={design.pk}"
    response = client.post(SAVE, {"design": design.pk, "revision": 0, "title": "Plain form", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Design.objects.get(pk=design.pk).title == "Plain form"


def test_editing_copy_needs_the_change_permission(client, make_user, make_design):
    design = make_design(status=Status.REVIEW)
    client.force_login(make_user("looker", perms=["view_design"]))
    assert client.post(SAVE, {"design": design.pk, "revision": 0, "title": "x"}, **JSON).status_code == 403
    assert client.post(WRITE, {"design": design.pk}, **JSON).status_code == 403
    assert client.get(state_url(design)).status_code == 200  # reading is allowed


def test_w_asks_the_llm(client, reviewer, make_design, llm_settings, django_capture_on_commit_callbacks):  # noqa: F811
    design = make_design(status=Status.REVIEW)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(WRITE, {"design": design.pk}, **JSON)
    assert response.status_code == 200 and response.json()["copy"]["writing"] is True
    assert len(callbacks) == 1
    again = client.post(WRITE, {"design": design.pk}, **JSON)
    assert again.status_code == 409 and "being written already" in again.json()["message"]


def test_w_without_an_llm_says_how_to_configure_it(client, reviewer, make_design, settings):
    settings.LLM_API_BASE = ""
    client.force_login(reviewer)
    response = client.post(WRITE, {"design": make_design().pk}, **JSON)
    assert response.status_code == 400 and "set LLM_API_BASE and LLM_MODEL" in response.json()["message"]


# --- changelist: title and tags for many designs at once -------------------------------------------------------


def formset_data(client, **changes):
    """The changelist's formset as the page rendered it, with `changes` ({"form-0-title": …}) typed in."""
    page = client.get(CHANGELIST).content.decode()
    data = {}
    for name, value in re.findall(r'<input type="(?:text|hidden|number)" name="(form-[^"]+)" value="([^"]*)"', page):
        data[name] = value.replace("&amp;", "&").replace("&quot;", '"').replace("&#x27;", "'")
    for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"form-{name}"] = re.search(rf'name="form-{name}" value="(\d+)"', page).group(1)
    data.update(changes)
    data["_save"] = "Save"
    return data


def test_changelist_edits_title_and_tags_of_many_designs(client, superuser, make_design):
    first, second = make_design(title="One"), make_design(title="Two")
    client.force_login(superuser)
    # Newest first: form-0 is `second`.
    data = formset_data(client, **{"form-0-title": "Second title", "form-1-tags": "fox, #snow"})
    response = client.post(CHANGELIST, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.title, first.tags, first.title) == ("Second title", ["fox", "snow"], "One")
    assert DesignEvent.objects.filter(kind=EventKind.NOTE).count() == 2


def test_changelist_refuses_values_over_the_limits(client, superuser, make_design):
    make_design(title="One")
    client.force_login(superuser)
    data = formset_data(client, **{"form-0-tags": ", ".join(f"tag{n}" for n in range(14))})
    page = client.post(CHANGELIST, data).content.decode()
    assert "14 tags; at most 13 are allowed." in page


def test_changelist_never_writes_an_untouched_row_over_a_newer_edit(client, superuser, reviewer, make_design):
    design = make_design(title="Shown")
    client.force_login(superuser)
    data = formset_data(client)
    Design.objects.filter(pk=design.pk).update(title="Edited on the review page meanwhile")
    assert client.post(CHANGELIST, data).status_code == 302
    assert Design.objects.get(pk=design.pk).title == "Edited on the review page meanwhile"


def test_changelist_shows_a_conflict_when_both_changed_the_same_field(client, superuser, make_design):
    design = make_design(title="Shown")
    client.force_login(superuser)
    data = formset_data(client, **{"form-0-title": "Mine"})
    Design.objects.filter(pk=design.pk).update(title="Theirs")
    page = client.post(CHANGELIST, data).content.decode()
    assert "Someone changed this meanwhile to “Theirs”; your text was not saved." in page
    assert Design.objects.get(pk=design.pk).title == "Theirs"


def test_change_page_edits_go_through_the_service(client, superuser, make_design):
    design = make_design(status=Status.APPROVED, title="Old")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:designs_design_change", args=[design.pk]),
        {
            "title": "New",
            "title__shown": "Old",
            "description": "",
            "description__shown": "",
            "tags": "",
            "tags__shown": "",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "products-TOTAL_FORMS": "0",
            "products-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    design.refresh_from_db()
    assert design.title == "New" and design.copy_revision == 1


def test_change_page_edits_lose_bidi_and_zero_width_characters_and_markup(client, superuser, make_design):
    design = make_design(status=Status.APPROVED, title="Old")
    client.force_login(superuser)
    url = reverse("admin:designs_design_change", args=[design.pk])
    form = form_with(client.get(url).content.decode(), "title")
    typed = {"title": "<b>Fox</b>\u202e Te\u200be", "tags": "<i>fox</i>, ow\u2060l", "description": "A\u2066 fox"}
    assert client.post(url, form.post_data(typed)).status_code == 302
    design.refresh_from_db()
    assert (design.title, design.tags, design.description) == ("Fox Tee", ["fox", "owl"], "A fox")


# --- the action ----------------------------------------------------------------------------------------------


def test_write_listing_copy_asks_with_count_and_cost_then_queues(client, publisher, make_design, llm_settings):  # noqa: F811
    fresh = make_design()
    no_prompt = make_design(prompt="")
    done = make_design(title="Written", copy_status=CopyStatus.DONE)
    client.force_login(publisher)

    question = ask(client, "write_listing_copy", ticked=[fresh.pk, no_prompt.pk, done.pk])

    page = question.content.decode()
    assert "<strong>1</strong> of the 3 selected designs will get a title, description and tags" in page
    assert "<strong>1</strong> already has copy and keeps it unless you tick the box below." in page
    # No copy written yet: 600 prompt + 800 answer tokens at $1 / $3 per million = $0.003 a design.
    assert "Estimated LLM cost: <strong>&lt; $0.01</strong>" in page
    assert "Rewrite copy that is already done" in page
    assert Design.objects.filter(copy_status=CopyStatus.QUEUED).count() == 0  # nothing before the answer
    response = answer(client, question)
    assert shown(response) == [
        f"1 queued for listing copy, 2 refused (design {no_prompt.pk}: no prompt to write from; "
        f"design {done.pk}: its copy is done; ask to rewrite it)."
    ]
    assert Design.objects.get(pk=fresh.pk).copy_status == CopyStatus.QUEUED
    assert Design.objects.get(pk=done.pk).copy_status == CopyStatus.DONE
    logged = LogEntry.objects.get(object_id=str(fresh.pk))
    assert (logged.user, logged.change_message) == (publisher, "Listing copy asked of the LLM.")


def test_done_copy_is_rewritten_only_when_the_box_is_ticked(client, publisher, make_design, llm_settings):  # noqa: F811
    done = make_design(title="Written", copy_status=CopyStatus.DONE, copy_tokens=1000, copy_cost=Decimal("0.25"))
    client.force_login(publisher)
    question = ask(client, "write_listing_copy", ticked=[done.pk])
    page = question.content.decode()
    assert "<strong>0</strong> of the 1 selected design will get" in page
    assert "<strong>$0.00</strong>; <strong>$0.25</strong> with the done ones rewritten" in page  # its own cost so far
    response = answer(client, question, changes={"rewrite_done": "on"})
    assert shown(response) == ["1 queued for listing copy."]
    assert Design.objects.get(pk=done.pk).copy_status == CopyStatus.QUEUED


def test_more_than_the_cap_cannot_be_confirmed(client, publisher, make_design, llm_settings, settings):  # noqa: F811
    settings.MAX_DESIGNS_PER_ACTION = 2
    designs = [make_design() for _ in range(3)]
    client.force_login(publisher)
    question = ask(client, "write_listing_copy", ticked=[d.pk for d in designs])
    page = question.content.decode()
    assert "one request may hold at most 2 (MAX_DESIGNS_PER_ACTION)" in page
    assert 'name="post"' not in page
    forged = client.post(
        CHANGELIST, {"action": "write_listing_copy", ACTION_CHECKBOX_NAME: [d.pk for d in designs], "post": "yes"}
    )
    assert "one request may hold at most 2" in shown(forged)[0]
    assert not Design.objects.filter(copy_status=CopyStatus.QUEUED).exists()


def test_reviewers_may_not_have_the_llm_write_copy_in_bulk(client, reviewer, make_design, llm_settings):  # noqa: F811
    design = make_design()
    client.force_login(reviewer)
    assert "write_listing_copy" not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "write_listing_copy", ACTION_CHECKBOX_NAME: [design.pk], "post": "yes"})
    assert Design.objects.get(pk=design.pk).copy_status == CopyStatus.NONE


def test_the_change_page_says_copy_failed_once(client, superuser, make_design):
    note = "Copy failed: The LLM did not answer in time"
    design = make_design(status=Status.REVIEW, copy_status=CopyStatus.FAILED, copy_note=note)
    client.force_login(superuser)
    page = client.get(reverse("admin:designs_design_change", args=[design.pk])).content.decode()
    assert note in page and "Copy failed · Copy failed" not in page
