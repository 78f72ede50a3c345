"""The publish confirmation a seller can read: thumbnails, the titles that will be sent, the price range per
template, who will be refused and why (blocked terms, titles already live), and the primary confirm button."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from designs.admin.publishing import WRITE_COPY_BUTTON
from designs.models import CopyStatus, Design
from designs.workflow import Status
from tests.designs.action_support import answer, ask, shown
from tests.designs.llm_support import llm_settings  # noqa: F401  (fixture)
from tests.designs.print_support import approved_design, areas
from tests.designs.publishing_support import configure_printify, make_product, make_template
from tests.designs.review_support import admin_settings, attach_images  # noqa: F401  (admin_settings: fixture)
from tests.form_support import as_dict, form_with

pytestmark = pytest.mark.usefixtures("admin_settings")
CHANGELIST = reverse("admin:designs_design_changelist")


@pytest.fixture(autouse=True)
def printify_settings(settings):
    configure_printify(settings)


def publish(client, designs, **extra):
    data = {"action": "publish_to_printify", ACTION_CHECKBOX_NAME: [d.pk for d in designs], **extra}
    return client.post(CHANGELIST, data)


def test_the_page_shows_each_design_its_title_the_price_range_and_refusals(client, publisher, make_design):
    make_template()
    fox = attach_images(make_design(status=Status.APPROVED, title="Red fox tee"))
    untitled = make_design(status=Status.APPROVED, prompt="an owl at night, linocut")
    blocked = make_design(status=Status.APPROVED, title="Pokemon fox")
    waiting = make_design(status=Status.REVIEW, title="Still in review")
    client.force_login(publisher)
    page = publish(client, [fox, untitled, blocked, waiting]).content.decode()
    assert "<strong>2</strong> designs will be published as\n  <strong>2</strong> products in Printify." in page
    assert "1</strong> will be refused" in page and "<strong>1</strong> will be skipped" in page
    assert "<strong>Kids tee</strong>: 3 variants, $24.99–$26.99" in page
    assert fox.thumbnail.url in page
    assert "<td>Red fox tee</td>" in page and "<td>an owl at night, linocut</td>" in page  # the title that is sent
    assert "<strong>Refused:</strong> it names the blocked term “Pokémon” (in the title)" in page
    assert "Skipped: it is in review" in page
    assert (
        '<button type="submit" name="post" value="yes" class="button default">Publish 2 designs as 2 products</button>'
        in page
    )


def test_a_title_already_live_is_refused_unless_ticked(
    client, publisher, make_design, django_capture_on_commit_callbacks
):
    template = make_template()
    live = make_design(status=Status.PUBLISHED, title="Skull with roses")
    make_product(live, template)
    twin = make_design(status=Status.APPROVED, title="skull with  roses")
    client.force_login(publisher)
    page = publish(client, [twin], template=template.pk).content.decode()
    assert f"its title “skull with roses” is already live as design {live.pk}" in page
    assert "Publish titles already live" in page and 'value="yes"' not in page  # nothing to confirm yet

    response = publish(client, [twin], template=template.pk, post="yes")
    assert response.status_code == 302 and Design.objects.get(pk=twin.pk).status == Status.APPROVED

    page = publish(client, [twin], template=template.pk, allow_duplicate_titles="on", show="1").content.decode()
    assert "<strong>1</strong> design will be published as\n  <strong>1</strong> product in Printify." in page
    with django_capture_on_commit_callbacks():
        publish(client, [twin], template=template.pk, allow_duplicate_titles="on", post="yes")
    assert Design.objects.get(pk=twin.pk).status == Status.PUBLISHING


def test_two_designs_of_one_selection_with_one_title_refuse_the_second(client, publisher, make_design):
    make_template()
    first = make_design(status=Status.APPROVED, title="Fox")
    second = make_design(status=Status.APPROVED, title="FOX")
    client.force_login(publisher)
    page = publish(client, [first, second]).content.decode()
    assert f"its title “FOX” is also the title of design {first.pk} in this selection" in page


def test_each_template_card_says_when_its_products_reach_the_store(client, publisher, make_design):
    straight = make_template(name="Straight tee")
    reviewed = make_template(name="Reviewed tee", is_default=False, review_mockups=True)
    drafts = make_template(name="Draft mug", is_default=False, publish_after_create=False)
    design = make_design(status=Status.APPROVED, title="Heron")
    client.force_login(publisher)
    templates = [straight.pk, reviewed.pk, drafts.pk]
    page = publish(client, [design], templates=templates, show="1").content.decode()

    def card(template):
        return re.search(rf'id="pod-template-{template.pk}">.*?</section>', page, re.S).group(0)

    assert "Published to the store after creating" in card(straight) and "Mockups reviewed" not in card(straight)
    assert "<strong>Mockups reviewed first:</strong>" in card(reviewed)
    assert "Products are created in Printify but not published to the store." in card(drafts)


def test_a_design_below_the_minimum_dpi_is_listed_as_refused_until_the_override_is_ticked(
    client, publisher, make_design, settings
):
    settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI = 150, 300
    make_template(placeholders=areas((600, 720)), placement={"mode": "fit"})
    low = approved_design(make_design, (256, 256), title="Blurry fox")  # 128 DPI on 2 in
    sharp = approved_design(make_design, (600, 600), title="Sharp owl")  # 300 DPI
    client.force_login(publisher)

    question = ask(client, "publish_to_printify", ticked=[low.pk, sharp.pk])

    page = question.content.decode()
    assert "1 design below 150 DPI" in page
    row = re.search(rf"<td>#{low.pk}</td>.*?</tr>", page, re.S).group(0)
    assert "Will be published" not in row and "<strong>Refused:</strong> below the minimum DPI" in row
    assert "<strong>1</strong> design will be published" in page
    assert 'name="post"' not in page  # the request would be refused as a whole: nothing to confirm yet

    checked = client.post(CHANGELIST, as_dict(form_with(page, "action").data({"override_low_dpi": "on"}, press="show")))
    page = checked.content.decode()
    row = re.search(rf"<td>#{low.pk}</td>.*?</tr>", page, re.S).group(0)
    assert "Will be published (below the minimum DPI (128 DPI), published anyway as you ticked)" in row
    done = answer(client, checked)
    assert shown(done) == ["2 queued for publishing."]
    low.refresh_from_db()
    assert low.status == Status.PUBLISHING and low.print_gate_overridden


def _untitled_selection(make_design):
    make_template(prompt_is_title=False)
    titled = make_design(status=Status.APPROVED, title="Heron at dawn")
    untitled = [make_design(status=Status.APPROVED, prompt=f"an owl at night, linocut {n}") for n in range(2)]
    return titled, untitled


def test_designs_without_a_title_get_their_copy_written_from_the_confirmation_itself(
    client,
    publisher,
    make_design,
    llm_settings,  # noqa: F811
):
    titled, untitled = _untitled_selection(make_design)
    client.force_login(publisher)

    question = ask(client, "publish_to_printify", ticked=[titled.pk, *[d.pk for d in untitled]])

    page = question.content.decode()
    assert "write listing copy for these 2 designs (the button below), or type a title" in page
    form = form_with(page, "action")
    written = client.post(CHANGELIST, as_dict(form.data(press="Write listing copy for these 2")))

    assert written.status_code == 200  # the question again, with what was done
    assert "2 queued for listing copy." in shown(written)
    copy = dict(Design.objects.filter(pk__in=[titled.pk, *[d.pk for d in untitled]]).values_list("pk", "copy_status"))
    assert copy == {titled.pk: CopyStatus.NONE, **{d.pk: CopyStatus.QUEUED for d in untitled}}
    assert set(Design.objects.values_list("status", flat=True)) == {Status.APPROVED}  # nothing published
    assert LogEntry.objects.filter(change_message="Listing copy asked of the LLM.").count() == 2


def test_without_an_llm_the_confirmation_says_to_type_titles(client, publisher, make_design, settings):
    settings.LLM_API_BASE, settings.LLM_MODEL = "", ""
    _untitled_selection(make_design)
    client.force_login(publisher)

    page = ask(client, "publish_to_printify").content.decode()

    assert "type a title for these 2 designs" in page and "listing copy by LLM is off" in page
    assert WRITE_COPY_BUTTON not in page


def test_the_copy_button_needs_the_write_listing_copy_permission(
    client,
    make_user,
    make_design,
    llm_settings,  # noqa: F811
):
    _, untitled = _untitled_selection(make_design)
    client.force_login(make_user("publishes-only", perms=["view_design", "change_design", "publish_design"]))

    question = ask(client, "publish_to_printify")
    page = question.content.decode()
    assert WRITE_COPY_BUTTON not in page
    assert "someone allowed to write listing copy can do it on this page" in page
    # Sent anyway (the page's own fields plus the button's name): refused in words, nothing queued.
    refused = client.post(CHANGELIST, as_dict(form_with(page, "action").data({WRITE_COPY_BUTTON: "yes"})))

    assert "Writing listing copy needs the “write listing copy” permission." in shown(refused)
    assert not Design.objects.filter(copy_status=CopyStatus.QUEUED).exists()


def test_designs_that_nearly_vanish_on_some_colours_are_named_and_leave_them_out_unless_unticked(
    client, publisher, make_design, django_capture_on_commit_callbacks
):
    from designs.models import Product
    from tests.designs.contrast_support import colour_tee, transparent_design

    tee = colour_tee(is_default=True, name="Gildan tee")
    black = transparent_design(make_design, title="Black wreath")
    anyway = transparent_design(make_design, title="Black crest")
    client.force_login(publisher)
    question = ask(client, "publish_to_printify", ticked=[black.pk, anyway.pk])
    page = question.content.decode()
    assert "2 designs nearly vanish on some colours of “Gildan tee”" in page
    assert "Black (approximate colour) (1.2:1)" in page and "Navy (approximate colour) (1.5:1)" in page
    form = form_with(page, "drop_colours")
    ticked = [i["value"] for i in form.inputs if i.get("name") == "drop_colours" and "checked" in i]
    assert sorted(ticked) == sorted([f"{black.pk}:{tee.pk}", f"{anyway.pk}:{tee.pk}"])  # left out unless unticked

    # The seller unticks one ("publish anyway") and confirms, sending what the page holds.
    with django_capture_on_commit_callbacks():
        answer(client, question, changes={"drop_colours": [f"{black.pk}:{tee.pk}"]})
    left_out = Product.objects.get(design=black).template_snapshot
    assert left_out["excluded_colours"] == ["Black", "Navy"]
    assert {v["options"]["color"] for v in left_out["variants"] if v["is_enabled"]} == {"White", "Red", "Heather Grey"}
    assert "excluded_colours" not in Product.objects.get(design=anyway).template_snapshot
