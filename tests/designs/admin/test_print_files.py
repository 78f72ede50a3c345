"""Print quality in the admin: the DPI column and filter, the "Prepare print files" action and its confirmation, the
publish confirmation listing designs below the minimum with the override, the change page's print file."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from designs.models import DesignEvent
from designs.print_status import PrintStatus
from designs.workflow import EventKind, Status
from tests.designs.print_support import approved_design, areas
from tests.designs.publishing_support import configure_printify, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)

pytestmark = pytest.mark.usefixtures("admin_settings")
CHANGELIST = reverse("admin:designs_design_changelist")


@pytest.fixture(autouse=True)
def print_settings(settings):
    configure_printify(settings)
    settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI = 150, 300
    settings.RUNPOD_COST_PER_SECOND = 0.001


@pytest.fixture
def tee(db):
    return make_template(placeholders=areas((600, 720)), placement={"mode": "fit"}, needs_transparency=True)


@pytest.fixture
def as_publisher(client, publisher):
    client.force_login(publisher)
    return client


def action(client, name, designs, **extra):
    data = {"action": name, ACTION_CHECKBOX_NAME: [d.pk for d in designs], **extra}
    return client.post(CHANGELIST, data, secure=True)


def test_the_changelist_shows_dpi_against_the_default_template_and_filters_by_it(as_publisher, make_design, tee):
    low = approved_design(make_design, (256, 256))  # 128 DPI on 2 in
    good = approved_design(make_design, (600, 600))  # 300 DPI
    html = as_publisher.get(CHANGELIST, secure=True).content.decode()
    assert 'class="pod-dpi pod-dpi-bad"' in html and ">128 DPI<" in html
    assert 'class="pod-dpi pod-dpi-good"' in html and ">300 DPI<" in html
    assert "no transparency" in html  # the template needs it; these PNGs are opaque
    for level, expected in (("bad", low), ("good", good)):
        page = as_publisher.get(CHANGELIST, {"print_ready": level}, secure=True).content.decode()
        assert f"/admin/designs/design/{expected.pk}/change/" in page
        other = good if expected is low else low
        assert f"/admin/designs/design/{other.pk}/change/" not in page


def test_prepare_asks_with_count_and_cost_then_queues(as_publisher, make_design, tee):
    design = approved_design(make_design, (256, 256))
    in_review = approved_design(make_design, (256, 256), status=Status.REVIEW)
    page = action(as_publisher, "prepare_print_files", [design, in_review])
    html = page.content.decode()
    assert page.status_code == 200 and "Prepare 1 print file" in html
    assert "Estimated RunPod cost: <strong>$0.0300</strong>" in html  # 30 s × $0.001/s, no history yet
    assert "<strong>1</strong> will be skipped" in html
    assert Status(design.status) == Status.APPROVED and design.print_status == PrintStatus.NONE

    done = action(as_publisher, "prepare_print_files", [design, in_review], post="yes", preset="", template="")
    assert done.status_code == 302
    design.refresh_from_db()
    assert design.print_status == PrintStatus.QUEUED
    assert design.print_preset.name == "Upscale + remove background"  # the template needs transparency
    event = DesignEvent.objects.get(design=design, kind=EventKind.PRINT)
    assert event.actor.username == "publisher"


def test_reviewers_cannot_prepare_print_files(client, reviewer, make_design, tee):
    client.force_login(reviewer)
    design = approved_design(make_design)
    action(client, "prepare_print_files", [design], post="yes", preset="", template="")
    design.refresh_from_db()
    assert design.print_status == PrintStatus.NONE


def test_publish_confirmation_lists_designs_below_the_minimum_and_the_override_is_recorded(
    as_publisher, make_design, tee, publisher
):
    low = approved_design(make_design, (256, 256))
    page = action(as_publisher, "publish_to_printify", [low]).content.decode()
    assert "1 design below 150 DPI" in page and 'id="pod-low-dpi"' in page
    assert f"Design {low.pk}&#x27;s original (256×256 px) prints at 128 DPI" in page
    assert "Publish below the minimum DPI anyway" in page
    assert "needs a transparent background" in page

    refused = action(as_publisher, "publish_to_printify", [low], post="yes", template="")
    assert refused.status_code == 302
    low.refresh_from_db()
    assert low.status == Status.APPROVED

    action(as_publisher, "publish_to_printify", [low], post="yes", template="", override_low_dpi="on")
    low.refresh_from_db()
    assert low.status == Status.PUBLISHING and low.print_gate_overridden
    note = DesignEvent.objects.get(design=low, kind=EventKind.NOTE)
    assert note.actor == publisher and "override" in note.message


def test_the_change_page_shows_the_preview_on_a_checkerboard_and_the_print_file(as_publisher, make_design, tee):
    design = approved_design(make_design, (2000, 2000))
    html = as_publisher.get(reverse("admin:designs_design_change", args=[design.pk]), secure=True).content.decode()
    assert f'<img src="{design.preview_file.url}" class="pod-preview"' in html  # 1600 px, not the original
    assert f'href="{design.image.url}" target="_blank" rel="noopener">100 % (original)' in html
    assert "pod-backdrop-checker" in html and 'data-backdrop="dark"' in html
    assert "None yet: use “Prepare print files”" in html
    assert ">1000 DPI<" in html and "prints at 1000 DPI on “Kids tee”" in html


def submit(client, page, changes) -> object:
    """Submit the confirmation page's own form (its hidden fields, ticks and choices) as a browser would."""
    from urllib.parse import urlencode

    from tests.system.test_full_flow import forms_of

    [form] = [form for form in forms_of(page.content.decode()) if form.has("again")]
    sent = urlencode(form.data(changes))
    return client.post(CHANGELIST, sent, content_type="application/x-www-form-urlencoded", secure=True)


def test_a_design_already_at_the_target_dpi_is_skipped_unless_asked_again(as_publisher, make_design):
    # Issue 19: a design already at the target DPI was upscaled again and paid for.
    make_template(placeholders=areas((600, 720)), placement={"mode": "fit"})
    sharp = approved_design(make_design, (1200, 1200))  # 600 DPI on 2 in
    low = approved_design(make_design, (256, 256))
    page = action(as_publisher, "prepare_print_files", [sharp, low])
    html = page.content.decode()
    assert "Prepare 1 print file" in html and "Estimated RunPod cost: <strong>$0.0300</strong>" in html
    assert '<strong id="pod-confirm-at-target">1</strong> already prints at 300 DPI or more' in html

    done = submit(as_publisher, page, {"post": "yes"})
    assert done.status_code == 302
    sharp.refresh_from_db()
    low.refresh_from_db()
    assert (sharp.print_status, low.print_status) == (PrintStatus.NONE, PrintStatus.QUEUED)
    [message] = [str(m) for m in done.wsgi_request._messages]
    assert "already at 300 DPI or more on “Kids tee”: prepare again to redo it" in message

    again = submit(as_publisher, action(as_publisher, "prepare_print_files", [sharp]), {"post": "yes", "again": "on"})
    assert again.status_code == 302
    sharp.refresh_from_db()
    assert sharp.print_status == PrintStatus.QUEUED


def test_the_change_page_names_the_colours_a_transparent_design_nearly_vanishes_on(as_publisher, make_design, tee):
    from tests.designs.contrast_support import colour_tee, transparent_design

    colour_tee(is_default=False, name="Colour tee")
    black = transparent_design(make_design, title="Black wreath")
    html = as_publisher.get(reverse("admin:designs_design_change", args=[black.pk]), secure=True).content.decode()
    assert "Garment colours" in html
    assert f"Design {black.pk} nearly vanishes on Black and Navy of “Colour tee”" in html
    assert f"Design {black.pk} nearly vanishes on Solid Black of “Kids tee”" in html  # every template, a line each
    opaque = approved_design(make_design, (600, 600))
    html = as_publisher.get(reverse("admin:designs_design_change", args=[opaque.pk]), secure=True).content.decode()
    assert "Not checked: its background is not transparent" in html
