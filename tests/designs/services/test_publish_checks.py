"""What may go live: no blocked term in the design or its template, no title another live product of the same
template has (unless confirmed); and the preview the publish confirmation shows before anything happens."""

import pytest

from designs.services.publish_checks import (
    TWIN_REASON,
    product_refusals,
    publish_preview,
    publish_refusals,
    untitled_ids,
)
from designs.services.publishing import request_publish
from designs.workflow import Source, Status
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee():
    return make_template(title_template="{{ design.prompt }}")


@pytest.fixture
def mug():
    return make_template(
        name="Mug", blueprint_id=68, print_provider_id=1, is_default=False, title_template="{{ design.prompt }}"
    )


def approved(make_design, prompt):
    return make_design(prompt=prompt, status=Status.APPROVED)


def test_a_title_already_live_with_the_same_template_is_refused_unless_allowed(make_design, tee, mug):
    live = make_design(prompt="Fox in snow", status=Status.PUBLISHED)
    make_product(live, tee, printify_id="a" * 24)
    twin = approved(make_design, "fox   in SNOW")  # the same title, written differently
    other = approved(make_design, "Owl at night")

    refused = publish_refusals({twin.pk: tee, other.pk: tee})
    assert refused == {twin.pk: f"{TWIN_REASON} “fox in SNOW” is already live as design {live.pk}"}
    assert publish_refusals({twin.pk: mug}) == {}  # another template: another listing, no competition
    assert publish_refusals({twin.pk: tee}, allow_duplicate_titles=True) == {}


def test_a_removed_product_frees_its_title(make_design, tee):
    make_product(make_design(prompt="Fox", status=Status.APPROVED), tee, state="deleted", printify_id="")
    twin = approved(make_design, "Fox")
    assert publish_refusals({twin.pk: tee}) == {}


def test_two_designs_of_one_selection_with_one_title_refuse_the_later(make_design, tee):
    first, second = approved(make_design, "Fox"), approved(make_design, "Fox")
    assert publish_refusals({second.pk: tee, first.pk: tee}) == {
        second.pk: f"{TWIN_REASON} “Fox” is also the title of design {first.pk} in this selection"
    }


def test_blocked_terms_in_the_design_or_in_its_template_refuse_it(make_design, tee):
    clean, named = approved(make_design, "A fox"), approved(make_design, "Mickey Mouse surfing")
    disney = make_template(name="Disney tee", is_default=False, tags_template="disney, kids")

    assert set(publish_refusals({clean.pk: tee, named.pk: tee})) == {named.pk}
    refused = publish_refusals({clean.pk: disney})
    assert refused == {clean.pk: "its template “Disney tee” names the blocked term “Disney” (in the tags template)"}


def test_each_template_of_a_product_plan_is_screened_on_its_own(make_design, tee, mug):
    live = make_design(prompt="Fox", status=Status.PUBLISHED)
    make_product(live, tee, printify_id="a" * 24)
    design = approved(make_design, "Fox")

    refused = product_refusals({design.pk: [tee, mug]})
    assert list(refused) == [(design.pk, tee.pk)]  # may go live as a mug, not as a second tee


def test_the_preview_says_who_goes_live_who_is_refused_and_who_is_skipped(make_design, tee, mug):
    live = make_design(prompt="Fox", status=Status.PUBLISHED)
    make_product(live, tee, printify_id="a" * 24)
    make_product(live, mug, printify_id="b" * 24)
    twin = approved(make_design, "Fox")  # refused with both templates
    half = approved(make_design, "Owl")
    live_owl = make_design(prompt="Owl", status=Status.PUBLISHED)
    make_product(live_owl, tee, printify_id="c" * 24)  # half may go live as a mug only
    fine = approved(make_design, "Hare")
    waiting = make_design(prompt="Badger", status=Status.REVIEW)

    preview = publish_preview(
        [twin.pk, half.pk, fine.pk, waiting.pk, live.pk], [tee, mug], allow_duplicate_titles=False
    )

    rows = {row.design.pk: (row.outcome, row.reason) for row in preview.rows}
    assert rows[twin.pk][0] == "refused" and rows[twin.pk][1].startswith(TWIN_REASON)
    assert rows[half.pk] == ("publish", f"Kids tee: {TWIN_REASON} “Owl” is already live as design {live_owl.pk}")
    assert rows[fine.pk] == ("publish", "")
    assert rows[waiting.pk] == ("skipped", "it is in review")
    assert rows[live.pk] == ("skipped", "it has a product of every template chosen")
    assert (preview.publish_count, preview.skip_count, preview.twins) == (2, 2, 3)
    assert [t.name for t in preview.templates] == ["Kids tee", "Mug"]

    allowed = publish_preview([twin.pk], [tee, mug], allow_duplicate_titles=True)
    assert allowed.publish_count == 1 and allowed.refused == {}


def test_a_design_without_a_title_of_its_own_is_refused_with_the_way_out(
    make_design, django_capture_on_commit_callbacks
):
    # Issue 19: the default title fell back to the raw prompt, and an imported file went live under its file name.
    template = make_template(prompt_is_title=False)
    prompted = make_design(status=Status.APPROVED, prompt="a red fox in a snowy forest, woodcut print, two colours")
    imported = make_design(status=Status.APPROVED, prompt="")
    titled = make_design(status=Status.APPROVED, title="Snowy Fox Woodcut")
    ids = [prompted.pk, imported.pk, titled.pk]

    preview = publish_preview(ids, [template], allow_duplicate_titles=False)
    assert sorted(preview.refused) == [prompted.pk, imported.pk]
    assert {row.design.pk: row.outcome for row in preview.rows} == {
        prompted.pk: "refused",
        imported.pk: "refused",
        titled.pk: "publish",
    }
    assert preview.refused[prompted.pk].startswith("it has no title of its own")
    assert "write its listing copy or type a title" in preview.refused[prompted.pk]

    with django_capture_on_commit_callbacks():
        result = request_publish(ids, actor=None, source=Source.ADMIN)
    assert result.moved == [titled.pk]
    assert untitled_ids(result.refused) == [prompted.pk, imported.pk]
    prompted.refresh_from_db()
    assert prompted.status == Status.APPROVED and not prompted.products.exists()


def test_a_template_that_means_the_prompt_as_the_title_publishes_it(make_design, django_capture_on_commit_callbacks):
    make_template(prompt_is_title=True)
    prompted = make_design(status=Status.APPROVED, prompt="a red fox in a snowy forest")
    imported = make_design(status=Status.APPROVED, prompt="")  # no prompt to stand in for a title
    with django_capture_on_commit_callbacks():
        result = request_publish([prompted, imported], actor=None, source=Source.ADMIN)
    assert result.moved == [prompted.pk]
    assert list(result.refused) == [imported.pk]
