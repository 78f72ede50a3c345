"""designs/services/publish_checks.py: what may go live, and the publish preview that says so first."""

import pytest

from designs.services.publish_checks import publish_preview, untitled_ids
from designs.services.publishing import request_publish
from designs.workflow import Source, Status
from tests.designs.publishing_support import make_template

pytestmark = pytest.mark.django_db


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
