import time
import pytest
from designs.models import Design
from designs.workflow import Status
from tests.designs.action_support import ask, answer, shown, CHANGELIST
from tests.designs.publishing_support import configure_printify, make_template
from tests.designs.print_support import areas
from tests.designs.review_support import admin_settings  # noqa

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]

N = 5000

def test_bench(client, superuser, settings):
    configure_printify(settings)
    settings.MIN_PRINT_DPI = 150
    make_template(placeholders=areas((600, 720)), placement={"mode": "fit"})
    Design.objects.bulk_create(Design(prompt=f"p {i}", title=f"T {i}", status=Status.APPROVED, image_width=256, image_height=256) for i in range(N))
    Design.objects.bulk_create(Design(prompt=f"r {i}", status=Status.REVIEW) for i in range(N))
    client.force_login(superuser)
    for action, status in [("publish_to_printify", "approved"), ("reject_designs", "review"), ("approve_designs", "review")]:
        url = f"{CHANGELIST}?status__exact={status}"
        t = time.perf_counter()
        r = ask(client, action, url=url)
        print(action, "ask", round(time.perf_counter() - t, 2), r.status_code)
