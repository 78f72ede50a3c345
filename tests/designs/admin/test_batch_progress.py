"""The progress block of a batch's page: what is done, what waits for review, what still runs, the cost so far,
the batch's thumbnails, and a block that refreshes itself only while something is on its way."""

import pytest
from django.urls import reverse

from designs.admin.batch_progress import progress_context
from designs.models import Batch, Design
from designs.workflow import Status
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def test_batch_change_page_shows_progress_and_cost(client, superuser):
    from tests.designs.review_support import make_reviewable

    batch = Batch.objects.create(name="Autumn")
    waiting = make_reviewable(batch=batch, cost="0.01000")
    make_reviewable(batch=batch, cost="0.02000", color_index=2)
    Design.objects.create(prompt="leaf", batch=batch, status=Status.GENERATING)
    Design.objects.create(prompt="leaf", batch=batch, status=Status.GENERATION_FAILED)
    client.force_login(superuser)
    response = client.get(reverse("admin:designs_batch_change", args=[batch.pk]))
    html = response.content.decode()
    # Generated and decided apart (issue 19: "0 of 16 designs done · 16 waiting for review" read as nothing made).
    progress = "Progress: 2 of 4 designs generated (1 failed) · 0 decided · 2 waiting for review · 1 still generating"
    assert f"{progress} · cost so far $0.0300" in html
    assert f"batch__id__exact={batch.pk}&amp;status__exact=review" in html
    assert f'href="/admin/designs/design/review/?batch={batch.pk}">Review this batch (2 waiting)</a>' in html
    assert waiting.thumbnail.url in html  # the batch's thumbnails
    assert 'id="pod-batch-progress" data-refresh="5"' in html and "podsite/batch.js" in html  # refreshes itself
    Design.objects.filter(status=Status.GENERATING).delete()
    assert 'data-refresh="5"' not in client.get(reverse("admin:designs_batch_change", args=[batch.pk])).content.decode()


def test_a_batch_publishing_keeps_refreshing_and_a_new_batch_page_has_no_block():
    batch = Batch.objects.create(name="Spring")
    Design.objects.create(prompt="leaf", batch=batch, status=Status.PUBLISHING)
    Design.objects.create(prompt="leaf", batch=batch, status=Status.PUBLISHED)

    progress = progress_context(batch.pk)

    assert (progress["generated"], progress["decided"], progress["pending"], progress["waiting"]) == (2, 2, 0, 0)
    assert progress["refresh"]  # generation is over, but a design is still going to the shop: it keeps refreshing
    assert progress["cost_text"] == "$0.00"
    assert progress_context(None) is None  # the add page
