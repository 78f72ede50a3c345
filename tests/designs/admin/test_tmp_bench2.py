import cProfile, pstats, time
import pytest
from designs.models import Design
from designs.workflow import Status
from designs.services.publish_confirmation import confirmation
from tests.designs.publishing_support import configure_printify, make_template
from tests.designs.print_support import areas

pytestmark = [pytest.mark.django_db]

def test_bench(settings):
    configure_printify(settings)
    settings.MIN_PRINT_DPI = 150
    make_template(placeholders=areas((600, 720)), placement={"mode": "fit"})
    Design.objects.bulk_create(Design(prompt=f"p {i}", title=f"T {i}", status=Status.APPROVED, image_width=256, image_height=256) for i in range(5000))
    pr = cProfile.Profile(); pr.enable()
    t = time.perf_counter()
    q = confirmation(Design.objects.all())
    print("confirmation", round(time.perf_counter() - t, 2), q.designs, q.low_dpi_count)
    pr.disable()
    pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
