"""Generation in the admin: Design actions, the Batch add/change pages, the preset form's validation."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse

from designs.models import Batch, Design, GenerationPreset
from designs.workflow import Status
from integrations.comfyui import FLUX_DEV_FP8_PARAMETER_MAP, FLUX_DEV_FP8_WORKFLOW
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.form_support import form_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]
CHANGELIST = reverse("admin:designs_design_changelist")


def action(client, name, designs, **extra):
    data = {"action": name, ACTION_CHECKBOX_NAME: [d.pk for d in designs], **extra}
    return client.post(CHANGELIST, data, follow=True)


def statuses(*designs):
    return [Design.objects.get(pk=d.pk).status for d in designs]


def test_generate_action_queues_drafts_and_reports_skips(client, superuser, make_design):
    draft, in_review = make_design(), make_design(status=Status.REVIEW)
    client.force_login(superuser)
    question = action(client, "generate_designs", [draft, in_review]).content.decode()
    assert "<strong>1</strong> of the 2 selected designs will be queued for generation on RunPod." in question
    assert "Estimated RunPod cost: <strong>$" in question
    assert statuses(draft, in_review) == [Status.DRAFT, Status.REVIEW]  # spends nothing before the answer
    response = action(client, "generate_designs", [draft, in_review], post="yes")
    assert statuses(draft, in_review) == [Status.QUEUED, Status.REVIEW]
    assert "1 queued for generation, 1 skipped (in review)." in response.content.decode()


def test_cancel_action_returns_queued_designs_to_draft(client, superuser, make_design):
    design = make_design(status=Status.QUEUED)
    client.force_login(superuser)
    assert "will be taken back to draft" in action(client, "cancel_generation", [design]).content.decode()
    assert statuses(design) == [Status.QUEUED]
    response = action(client, "cancel_generation", [design], post="yes")
    assert statuses(design) == [Status.DRAFT]
    assert "1 cancelled (back to draft)." in response.content.decode()


def test_variations_action_asks_how_many_then_queues_them(client, superuser, make_design):
    original = make_design(prompt="a paper boat")
    client.force_login(superuser)
    page = action(client, "generate_variations", [original])
    assert page.status_code == 200 and Design.objects.count() == 1
    html = page.content.decode()
    assert 'name="count"' in html and "a paper boat" in html
    action(client, "generate_variations", [original], post="yes", count="3")
    copies = Design.objects.exclude(pk=original.pk)
    assert copies.count() == 3
    assert set(copies.values_list("prompt", "status")) == {("a paper boat", Status.QUEUED)}


def test_reviewers_cannot_start_generation(client, reviewer, make_design):
    design = make_design()
    client.force_login(reviewer)
    response = action(client, "generate_designs", [design])
    assert statuses(design) == [Status.DRAFT]
    assert response.status_code in (200, 403)


def test_batch_add_page_creates_and_queues_the_designs(client, superuser):
    client.force_login(superuser)
    add = reverse("admin:designs_batch_add")
    assert 'name="prompts"' in client.get(add).content.decode()
    preset = GenerationPreset.objects.get(name="Flux dev fp8")
    response = client.post(
        add,
        {
            "name": "Spring",
            "prompts": "# flowers\ntulips, risograph\n\nirises, risograph\n",
            "preset": preset.pk,
            "variations": 2,
            "width": 768,
            "height": "",
        },
    )
    batch = Batch.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:designs_batch_change", args=[batch.pk])
    designs = batch.designs.all()
    assert designs.count() == 4
    assert set(designs.values_list("status", "width", "created_by")) == {(Status.QUEUED, 768, superuser.pk)}


def test_batch_add_page_shows_errors_and_creates_nothing(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:designs_batch_add"),
        {"name": "x", "prompts": "\n# only a comment\n", "preset": "", "variations": 0, "width": 1000},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "no prompts found" in html and "Width must be a multiple of 16 from 256 to 2048, got 1000." in html
    assert "Variations must be a whole number from 1 to 50." in html
    assert not Batch.objects.exists() and not Design.objects.exists()


def test_a_batch_all_generated_and_waiting_says_so(client, superuser):
    from tests.designs.review_support import make_reviewable

    batch = Batch.objects.create(name="Spring")
    for index in range(3):
        make_reviewable(batch=batch, color_index=index)
    client.force_login(superuser)
    html = client.get(reverse("admin:designs_batch_change", args=[batch.pk])).content.decode()
    assert "Progress: 3 of 3 designs generated · 0 decided · 3 waiting for review · cost so far" in html


def test_batch_add_page_needs_the_add_permission(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("admin:designs_batch_add")).status_code == 403


def test_costs_are_money_in_the_batch_list_the_batch_page_and_the_design_list(client, superuser):
    batch = Batch.objects.create(name="Autumn")
    for _ in range(3):  # three 0.00264 sum to 0.007920000000000001 in floating point
        Design.objects.create(prompt="leaf", batch=batch, status=Status.REVIEW, cost="0.00264")
    client.force_login(superuser)
    pages = [
        reverse("admin:designs_batch_changelist"),
        reverse("admin:designs_batch_change", args=[batch.pk]),
        reverse("admin:designs_design_changelist"),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        assert "0.00792" not in html and "0.00264" not in html
    assert "$0.0079" in client.get(pages[0]).content.decode()
    assert "$0.0026" in client.get(pages[2]).content.decode()


@pytest.mark.parametrize("template", ["{prompt:>20000000}", "{prompt.__class__.__mro__}"])
def test_preset_form_refuses_a_prompt_template_that_formats_or_reaches_into_python(client, superuser, template):
    client.force_login(superuser)
    add = reverse("admin:designs_generationpreset_add")
    form = form_with(client.get(add).content.decode(), "prompt_template")
    data = form.post_data(
        {
            "name": "mine",
            "workflow": json.dumps(FLUX_DEV_FP8_WORKFLOW),
            "parameter_map": json.dumps(FLUX_DEV_FP8_PARAMETER_MAP),
            "prompt_template": template,
        }
    )
    response = client.post(add, data)
    assert response.status_code == 200
    assert "only {prompt} and {style} may be used" in response.content.decode()
    assert not GenerationPreset.objects.filter(name="mine").exists()
    assert client.post(add, {**data, "prompt_template": "{prompt}, {style} style"}).status_code == 302


def test_preset_form_refuses_a_workflow_the_map_does_not_fit(client, superuser):
    client.force_login(superuser)
    add = reverse("admin:designs_generationpreset_add")
    data = {
        "name": "mine",
        "is_active": "on",
        "workflow": json.dumps(FLUX_DEV_FP8_WORKFLOW),
        "parameter_map": json.dumps({**FLUX_DEV_FP8_PARAMETER_MAP, "seed": "99.seed"}),
        "prompt_template": "{prompt}, {style} style",
        "negative_prompt": "",
        "width": 1024,
        "height": 1024,
        "steps": 20,
        "guidance": 3.5,
    }
    response = client.post(add, data)
    assert response.status_code == 200
    assert "points at node &#x27;99&#x27;, which the workflow does not have" in response.content.decode()
    response = client.post(
        add, {**data, "prompt_template": "{prompt} {colour}", "parameter_map": '{"seed": "31.seed"}'}
    )
    html = response.content.decode()
    assert "must say where the prompt goes" in html and "only {prompt} and {style} may be used" in html
    assert client.post(add, {**data, "parameter_map": json.dumps(FLUX_DEV_FP8_PARAMETER_MAP)}).status_code == 302
    assert GenerationPreset.objects.filter(name="mine").exists()


def test_generate_over_the_cap_says_so_and_cannot_be_confirmed(client, superuser, make_design, settings):
    settings.MAX_DESIGNS_PER_ACTION = 1
    drafts = [make_design(), make_design()]
    client.force_login(superuser)
    page = action(client, "generate_designs", drafts).content.decode()
    assert "That would be 2 designs; one request may hold at most 1 (MAX_DESIGNS_PER_ACTION)." in page
    assert 'name="post"' not in page
    assert statuses(*drafts) == [Status.DRAFT, Status.DRAFT]


def test_variations_are_logged_as_additions_by_whoever_asked(client, superuser, make_design):
    original = make_design(prompt="a paper boat")
    client.force_login(superuser)
    action(client, "generate_variations", [original], post="yes", count="2")
    made = Design.objects.exclude(pk=original.pk).values_list("pk", flat=True)
    logged = LogEntry.objects.filter(action_flag=ADDITION, user=superuser)
    assert sorted(int(pk) for pk in logged.values_list("object_id", flat=True)) == sorted(made)
    assert set(logged.values_list("change_message", flat=True)) == {"Made as a variation and queued for generation."}
