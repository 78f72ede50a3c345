"""The Design admin: changelist columns/filters/search, query bounds, bulk actions, change page, dashboard."""

import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from designs.admin.design import DesignAdmin
from designs.models import Batch, Design, DesignEvent, GenerationPreset
from designs.workflow import Source, Status
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings, make_reviewable  # noqa: F401  (admin_settings: fixture)
from tests.form_support import as_dict, form_with

pytestmark = pytest.mark.usefixtures("admin_settings")

CHANGELIST = reverse("admin:designs_design_changelist")


def change_url(design):
    return reverse("admin:designs_design_change", args=[design.pk])


def post_action(client, action, designs, **extra):
    data = {"action": action, "_selected_action": [d.pk for d in designs], **extra}
    return client.post(CHANGELIST, data)


def message_texts(response):
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def statuses(*designs):
    return [Design.objects.get(pk=d.pk).status for d in designs]


# --- changelist ------------------------------------------------------------------------------------


def test_changelist_shows_lazy_thumbnails_badges_and_excerpts_never_the_original(client, superuser):
    with_image = make_reviewable(prompt="a lighthouse " * 20, title="Lighthouse", cost="0.01234")
    without_image = Design.objects.create(prompt="still a draft")
    client.force_login(superuser)

    html = client.get(CHANGELIST).content.decode()

    thumbs = re.findall(r'<img src="([^"]+)" class="pod-thumb" loading="lazy"', html)
    assert thumbs == [with_image.thumbnail.url]
    assert with_image.image.url not in html
    assert 'pod-thumb-empty" aria-label="No image yet"' in html  # the draft's placeholder
    assert '<span class="pod-status pod-status-review">In review</span>' in html
    assert '<span class="pod-status pod-status-draft">Draft</span>' in html
    assert ("a lighthouse " * 20)[:59] + "…" in html
    assert "Lighthouse" in html and without_image.prompt in html


def test_changelist_never_opens_image_files(client, superuser):
    design = make_reviewable()
    # If a column touched image.width/height or read a file, the missing files would raise.
    design.image.storage.delete(design.image.name)
    design.thumbnail.storage.delete(design.thumbnail.name)
    client.force_login(superuser)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert design.thumbnail.url in response.content.decode()


def _changelist_queries(client, count, superuser):
    batch = Batch.objects.create(name=f"batch {count}")
    preset = GenerationPreset.objects.first()
    existing = Design.objects.count()
    for index in range(count - existing):
        make_reviewable(batch=batch, preset=preset, created_by=superuser, color_index=index)
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.content.decode().count('class="pod-thumb"') == count
    return len(queries)


def test_changelist_query_count_does_not_grow_with_rows(client, superuser):
    with_10 = _changelist_queries(client, 10, superuser)
    with_100 = _changelist_queries(client, 100, superuser)

    assert with_10 == with_100
    # session, user, filters (batch, preset, created_by), dates, count, rows; the rows' products and near-duplicates
    assert with_100 <= 16


def test_search_by_prompt_title_id_job_and_product(client, superuser, make_design):
    fox = make_design(prompt="a red fox in snow", runpod_job_id="job-abc-1")
    owl = make_design(prompt="an owl", title="Night owl")
    make_product(owl, make_template(), printify_id="65a1b2c3d4")
    other = make_design(prompt="a whale")
    client.force_login(superuser)

    def found(term):
        response = client.get(CHANGELIST, {"q": term})
        return {d.pk for d in response.context["cl"].result_list}

    assert found("fox") == {fox.pk}
    assert found("Night") == {owl.pk}
    assert found(str(other.pk)) == {other.pk}
    assert found("job-abc-1") == {fox.pk}
    assert found("65a1b2c3d4") == {owl.pk}
    assert found("job-abc") == set()  # ids are matched exactly, not as substrings of other ids


def test_filters_by_status_batch_preset_and_creator(client, superuser, make_user, make_design):
    other_user = make_user("maker")
    batch = Batch.objects.create(name="Winter")
    preset = GenerationPreset.objects.create(name="Other preset", workflow={})
    in_batch = make_design(batch=batch, status=Status.REVIEW)
    with_preset = make_design(preset=preset, created_by=other_user)
    make_design(status=Status.APPROVED)
    client.force_login(superuser)

    def found(**params):
        return {d.pk for d in client.get(CHANGELIST, params).context["cl"].result_list}

    assert found(status__exact="review") == {in_batch.pk}
    assert found(batch__id__exact=batch.pk) == {in_batch.pk}
    assert found(preset__id__exact=preset.pk) == {with_preset.pk}
    assert found(created_by__id__exact=other_user.pk) == {with_preset.pk}


# --- bulk actions ----------------------------------------------------------------------------------


def test_approve_action_moves_only_designs_in_review_and_reports_counts(client, reviewer, make_design):
    in_review = [make_design(status=Status.REVIEW) for _ in range(3)]
    approved = make_design(status=Status.APPROVED)
    draft = make_design(status=Status.DRAFT)
    client.force_login(reviewer)

    response = post_action(client, "approve_designs", [*in_review, approved, draft])

    assert response.status_code == 302
    assert message_texts(response) == [("warning", "3 approved, 2 skipped (approved, draft).")]
    assert statuses(*in_review, approved, draft) == ["approved", "approved", "approved", "approved", "draft"]
    events = DesignEvent.objects.filter(to_status=Status.APPROVED)
    assert {e.design_id for e in events} == {d.pk for d in in_review}
    assert {(e.actor_id, e.source, e.from_status) for e in events} == {(reviewer.pk, Source.ADMIN, Status.REVIEW)}
    logged = LogEntry.objects.filter(action_flag=CHANGE)
    assert sorted(int(e.object_id) for e in logged) == sorted(d.pk for d in in_review)
    assert {(e.user_id, e.change_message) for e in logged} == {(reviewer.pk, "Approved.")}


def test_approve_action_all_valid_is_a_success_message(client, reviewer, make_design):
    designs = [make_design(status=Status.REVIEW) for _ in range(2)]
    client.force_login(reviewer)

    response = post_action(client, "approve_designs", designs)

    assert message_texts(response) == [("success", "2 approved.")]


def test_reject_action_asks_for_a_reason_first_and_changes_nothing_until_confirmed(client, reviewer):
    designs = [make_reviewable(color_index=i) for i in range(2)]
    published = make_reviewable(status=Status.PUBLISHED)
    client.force_login(reviewer)

    response = post_action(client, "reject_designs", [*designs, published])

    assert response.status_code == 200
    html = response.content.decode()
    assert "2 of the 3 selected designs are in review and will be rejected." in html
    assert "1 is not in review and will be skipped." in html
    for design in [*designs, published]:
        assert f'name="_selected_action" value="{design.pk}"' in html
    assert 'name="post" value="yes"' in html and 'name="reason"' in html
    assert designs[0].thumbnail.url in html
    assert statuses(*designs) == ["review", "review"]
    assert not DesignEvent.objects.exists()


def test_reject_action_confirmed_records_the_reason(client, reviewer, make_design):
    designs = [make_design(status=Status.REVIEW) for _ in range(2)]
    published = make_design(status=Status.PUBLISHED)
    client.force_login(reviewer)

    response = post_action(client, "reject_designs", [*designs, published], post="yes", reason="Text is misspelled")

    assert response.status_code == 302
    assert message_texts(response) == [("warning", "2 rejected, 1 skipped (published).")]
    assert statuses(*designs, published) == ["rejected", "rejected", "published"]
    events = DesignEvent.objects.filter(to_status=Status.REJECTED)
    assert {(e.message, e.actor_id, e.source) for e in events} == {("Text is misspelled", reviewer.pk, "admin")}
    assert set(LogEntry.objects.values_list("change_message", flat=True)) == {"Rejected: Text is misspelled"}


def test_reopen_action_brings_decided_designs_back_to_review(client, reviewer, make_design):
    approved = make_design(status=Status.APPROVED)
    rejected = make_design(status=Status.REJECTED)
    publishing = make_design(status=Status.PUBLISHING)
    client.force_login(reviewer)

    response = post_action(client, "reopen_designs", [approved, rejected, publishing])

    assert message_texts(response) == [("warning", "2 reopened, 1 skipped (publishing).")]
    assert statuses(approved, rejected, publishing) == ["review", "review", "publishing"]
    assert LogEntry.objects.count() == 2


def test_actions_are_not_offered_without_the_permission_and_a_forged_post_changes_nothing(
    client, publisher, make_design
):
    design = make_design(status=Status.REVIEW)
    client.force_login(publisher)  # may view and change designs, may not approve

    page = client.get(CHANGELIST).content.decode()
    assert "approve_designs" not in page and "reject_designs" not in page and "reopen_designs" not in page

    for action in ("approve_designs", "reopen_designs"):
        post_action(client, action, [design])
    post_action(client, "reject_designs", [design], post="yes", reason="forged")

    assert statuses(design) == ["review"]
    assert not DesignEvent.objects.exists()
    assert not LogEntry.objects.exists()


def test_action_permissions_follow_the_design_permissions(rf, reviewer, publisher, superuser):
    from django.contrib import admin

    design_admin = admin.site._registry[Design]
    assert isinstance(design_admin, DesignAdmin)
    for user, can_approve, can_publish in [(reviewer, True, False), (publisher, False, True), (superuser, True, True)]:
        request = rf.get("/")
        request.user = user
        assert design_admin.has_approve_permission(request) is can_approve
        assert design_admin.has_publish_permission(request) is can_publish
        offered = set(design_admin.get_actions(request))
        assert ({"approve_designs", "reject_designs", "reopen_designs"} <= offered) is can_approve


# --- change page -----------------------------------------------------------------------------------


def test_change_page_shows_preview_metadata_siblings_and_history(client, superuser):
    design = make_reviewable(
        prompt="a paper crane",
        seed=1234567,
        width=1024,
        height=768,
        runpod_job_id="job-42",
        cost="0.00321",
        delay_ms=2500,
        execution_ms=12400,
        image_sha256="ab" * 32,
        last_error="",
    )
    sibling = make_reviewable(runpod_job_id="job-42", job_output_index=1, color_index=3)
    stranger = make_reviewable(runpod_job_id="job-other", color_index=5)
    DesignEvent.objects.create(design=design, from_status="generating", to_status="review", source="worker")
    DesignEvent.objects.create(
        design=design, from_status="review", to_status="approved", source="admin", actor=superuser
    )
    client.force_login(superuser)

    response = client.get(change_url(design))

    html = response.content.decode()
    assert f'<img src="{design.image.url}" class="pod-preview"' in html
    for text in (
        "a paper crane",
        "1234567",
        "1024 × 768 px",
        "job-42",
        "$0.0032",
        "queued 2.5 s, ran 12.4 s",
        "ab" * 32,
    ):
        assert text in html, text
    assert reverse("admin:designs_design_change", args=[sibling.pk]) in html
    assert sibling.thumbnail.url in html
    assert reverse("admin:designs_design_change", args=[stranger.pk]) not in html
    history = html[html.index("History") :]
    assert history.index("Approved") < history.index("Generating")  # newest first
    form = response.context["adminform"].form
    assert set(form.fields) == {"title", "description", "tags"}


def test_change_page_saves_title_and_tags_but_never_status(client, superuser, make_design):
    design = make_design(status=Status.REVIEW)
    client.force_login(superuser)

    response = client.post(
        change_url(design),
        {
            "title": "Paper crane tee",
            "description": "Folded.",
            "tags": "origami, crane, , origami",
            "status": "published",
            "prompt": "changed?",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "products-TOTAL_FORMS": "0",
            "products-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    design.refresh_from_db()
    assert (design.title, design.description, design.tags) == ("Paper crane tee", "Folded.", ["origami", "crane"])
    assert design.status == Status.REVIEW and design.prompt == "a red fox in the snow, woodcut"


# --- deleting ----------------------------------------------------------------------------------------------


def test_deleting_designs_with_products_asks_what_happens_to_the_products(client, superuser, make_design):
    product_id = "5f1a2b3c4d5e6f7a8b9c0d1e"
    published = make_design(status=Status.PUBLISHED, title="Fox tee")
    make_product(published, printify_id=product_id)
    plain = make_design(status=Status.REJECTED)
    client.force_login(superuser)
    page = post_action(client, "delete_designs", [published, plain]).content.decode()
    assert "<strong>1</strong> of them has a product in Printify." in page
    assert f"Printify product {product_id}" in page and 'name="products"' in page
    response = post_action(client, "delete_designs", [published, plain], post="yes")  # no choice made
    assert response.status_code == 200 and Design.objects.count() == 2
    response = post_action(client, "delete_designs", [published, plain], post="yes", products="keep_products")
    assert message_texts(response) == [("success", "2 deleted.")]
    assert not Design.objects.exists()


def test_the_change_pages_delete_asks_about_the_product_too(client, superuser, make_design):
    design = make_design(status=Status.PUBLISHED)
    make_product(design, printify_id="5f1a2b3c4d5e6f7a8b9c0d1e")
    client.force_login(superuser)
    page = client.get(reverse("admin:designs_design_delete", args=[design.pk])).content.decode()
    assert 'name="products"' in page and f'action="{CHANGELIST}"' in page
    assert f'name="_selected_action" value="{design.pk}"' in page
    assert Design.objects.filter(pk=design.pk).exists()


def test_the_add_form_makes_a_draft_with_its_created_event(client, superuser):
    client.force_login(superuser)
    add = reverse("admin:designs_design_add")
    form = form_with(client.get(add).content.decode(), "prompt")
    response = client.post(add, as_dict(form.data({"prompt": "a heron in reeds", "title": "Heron"}, press="_save")))
    assert response.status_code == 302, response.content.decode()[:3000]
    design = Design.objects.get(prompt="a heron in reeds")
    assert (design.status, design.title, design.created_by) == (Status.DRAFT, "Heron", superuser)
    event = DesignEvent.objects.get(design=design)
    assert (event.kind, event.to_status, event.actor, event.source) == (
        "created",
        Status.DRAFT,
        superuser,
        Source.ADMIN,
    )
    assert LogEntry.objects.get(object_id=str(design.pk)).is_addition()
