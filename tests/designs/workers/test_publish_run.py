"""The publishing run against Printify answers served by `responses`: exact payloads, every documented error
code, resuming from each step, adoption after a crash, the concurrency guard, unpublishing."""

import ast
import base64
import threading
from datetime import timedelta

import pytest
import responses
from django.utils import timezone
from django_q.models import Schedule

from designs import leases
from designs.models import DesignEvent, Product, ProductTemplate
from designs.product_templates import sku_prefix, variant_sku
from designs.products import ProductState
from designs.services import publishing as publish_service
from designs.workers import publish_run
from designs.workflow import Source, Status
from tests.designs.publishing_support import (
    API,
    SHOP,
    TOKEN,
    attach_image,
    clear_limiter,
    make_product,
    make_template,
    product_of,
    reload,
)

pytestmark = pytest.mark.usefixtures("printify_settings")


PRINTIFY_REFUSALS = [
    (8150, "variants.0.price: The price field is required.", "a field is missing or invalid"),
    (8201, "error.file.size.limit.exceeded", "the image file was refused"),
    (8203, "Image has low quality", "the image quality is too low"),
    (8251, "print_areas must cover all variants", "print areas do not cover all variants"),
    (8104, "Product belongs to another shop", "the product belongs to another shop"),
    (10300, "cURL error 6: Could not resolve host", "must be reachable from the internet"),
    (61003, "Title contains excessive caps", "excessive capital letters"),
]


def test_a_run_uploads_creates_and_publishes_with_the_exact_payloads(publishing_design, printify):
    assert publish_run.run_publish(product_of(publishing_design).pk) == "published"

    design = reload(publishing_design)
    assert design.status == Status.PUBLISHED and product_of(design).published_at is not None
    assert product_of(design).attempts == 1

    # (1) upload: base64 of the stored file, under our own file name.
    [upload] = printify.uploads
    with design.image.open("rb") as stored:
        assert base64.b64decode(upload["contents"]) == stored.read()
    assert upload["file_name"] == f"design-{design.pk}.png"
    assert product_of(design).printify_upload_id == "upload000000000000000001"

    # (2) create: integer prices, enabled variants only, SKU markers, print areas covering them.
    [created] = printify.created
    assert created["blueprint_id"] == 3 and created["print_provider_id"] == 3
    marker = f"podsite-{design.pk}-t{product_of(design).template_id}-"
    assert created["variants"] == [
        {"id": 17390, "price": 2499, "is_enabled": True, "sku": f"{marker}17390"},
        {"id": 17426, "price": 2499, "is_enabled": True, "sku": f"{marker}17426"},
        {"id": 17393, "price": 2699, "is_enabled": True, "sku": f"{marker}17393"},
    ]
    assert all(type(v["price"]) is int for v in created["variants"])
    covered = [vid for area in created["print_areas"] for vid in area["variant_ids"]]
    assert sorted(covered) == [17390, 17393, 17426]
    image = created["print_areas"][0]["placeholders"][0]
    assert image == {
        "position": "front",
        "images": [{"id": product_of(design).printify_upload_id, "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0}],
    }
    assert created["title"] == "a red fox in the snow, woodcut"
    assert created["description"] == "<p>a red fox in the snow, woodcut</p>"
    assert created["tags"] == ["kids", "woodcut"]
    assert product_of(design).printify_id == next(iter(printify.products))

    # (3) publish with the template's parts.
    [(published_id, parts)] = printify.published
    assert published_id == product_of(design).printify_id
    assert parts == {
        "title": True,
        "description": True,
        "images": True,
        "variants": True,
        "tags": True,
        "keyFeatures": True,
        "shipping_template": True,
    }

    for call in printify.rsps.calls:
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert call.request.headers["User-Agent"].startswith("podsite/")
    assert [e.to_status for e in design.events.order_by("pk")] == [Status.PUBLISHING, Status.PUBLISHED]


def test_publish_parts_and_no_publish_follow_the_template(make_design, printify):
    make_template(publish_parts={"images": False, "tags": False})
    design = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    publish_run.run_publish(product_of(design).pk)
    [(_, parts)] = printify.published
    assert parts["images"] is False and parts["tags"] is False and parts["title"] is True

    make_template(name="Create only", is_default=False, publish_after_create=False)
    quiet = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish(
        [quiet], actor=None, source=Source.ADMIN, templates=[ProductTemplate.objects.get(name="Create only")]
    )
    assert publish_run.run_publish(product_of(quiet).pk) == "published"
    assert len(printify.published) == 1  # no publish call for the second design
    assert "does not publish" in reload(quiet).events.first().message


def test_design_overrides_win_over_the_template_texts(make_design, template, printify):
    design = attach_image(
        make_design(status=Status.APPROVED, title="Fox", description="<b>Mine</b>", tags=["fox", "snow"])
    )
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    publish_run.run_publish(product_of(design).pk)
    [created] = printify.created
    # The design's own description is plain text: escaped like every value the template prints (one rule).
    assert (created["title"], created["description"], created["tags"]) == (
        "Fox",
        "&lt;b&gt;Mine&lt;/b&gt;",
        ["fox", "snow"],
    )


def test_a_design_whose_own_title_was_cleared_is_refused_before_any_request(make_design, printify):
    # Issue 19: without a title of its own the prompt went live as the title; the run checks again (the title may
    # have been cleared since publishing was asked).
    make_template(prompt_is_title=False)
    design = attach_image(make_design(status=Status.APPROVED, title="Fox", prompt="a red fox, woodcut print"))
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    type(design).objects.filter(pk=design.pk).update(title="")
    assert publish_run.run_publish(product_of(design).pk) == "failed"
    product = product_of(design)
    assert product.state == ProductState.FAILED
    assert "it has no title of its own" in product.last_error
    assert "write its listing copy or type a title" in product.last_error
    assert printify.uploads == [] and printify.created == []


def test_upload_by_url_above_the_threshold_when_media_is_public(settings, publishing_design, printify):
    settings.PUBLIC_BASE_URL = "https://pod.example.com"
    settings.PRINTIFY_UPLOAD_BY_URL_ABOVE = publishing_design.image.size - 1
    publish_run.run_publish(product_of(publishing_design).pk)
    [upload] = printify.uploads
    assert upload == {
        "file_name": f"design-{publishing_design.pk}.png",
        "url": f"https://pod.example.com{publishing_design.image.url}",
    }


def test_upload_inline_up_to_the_threshold_even_when_media_is_public(settings, publishing_design, printify):
    settings.PUBLIC_BASE_URL = "https://pod.example.com"
    settings.PRINTIFY_UPLOAD_BY_URL_ABOVE = publishing_design.image.size
    publish_run.run_publish(product_of(publishing_design).pk)
    [upload] = printify.uploads
    with publishing_design.image.open("rb") as image:
        assert upload == {
            "file_name": f"design-{publishing_design.pk}.png",
            "contents": base64.b64encode(image.read()).decode(),
        }


def test_fit_placement_makes_one_print_area_per_placeholder_size(make_design, printify):
    make_template(placement={"mode": "fit", "x": 0.5, "y": 0.5, "scale": 1, "angle": 0})
    design = attach_image(make_design(status=Status.APPROVED), size=(100, 200))  # tall: height limits
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    publish_run.run_publish(product_of(design).pk)
    [created] = printify.created
    scales = {tuple(a["variant_ids"]): a["placeholders"][0]["images"][0]["scale"] for a in created["print_areas"]}
    assert scales == {
        (17390, 17426): round((100 / 200) / (3153 / 3995), 4),
        (17393,): round((100 / 200) / (4500 / 5700), 4),
    }


def test_an_image_above_the_threshold_without_a_url_is_refused_before_any_request(
    settings, publishing_design, printify
):
    settings.PRINTIFY_UPLOAD_BY_URL_ABOVE = 100
    assert publish_run.run_publish(product_of(publishing_design).pk) == "failed"
    publishing_design.refresh_from_db()
    size = publishing_design.image.size / 1024 / 1024
    assert publishing_design.last_error == (
        f"Kids tee: The image is {size:.1f} MB, more than PRINTIFY_UPLOAD_BY_URL_ABOVE (0.0 MB): Printify must fetch "
        "it by URL, and media in this machine's folder has no address Printify can reach. Set MEDIA_STORAGE=s3 (a "
        "bucket; Printify gets a signed URL) or PUBLIC_BASE_URL, or raise PRINTIFY_UPLOAD_BY_URL_ABOVE to send it "
        "inline, then retry publishing."
    )
    assert not printify.rsps.calls


def test_a_saved_upload_id_is_not_uploaded_again(publishing_design, printify):
    Product.objects.filter(design=publishing_design).update(printify_upload_id="upload-from-before")
    publish_run.run_publish(product_of(publishing_design).pk)
    assert printify.uploads == []
    [created] = printify.created
    assert created["print_areas"][0]["placeholders"][0]["images"][0]["id"] == "upload-from-before"
    assert printify.calls("GET", "/products.json")  # it had an earlier attempt: it looked for a product first


def test_a_saved_product_id_is_not_created_again(publishing_design, printify):
    existing = printify.add_product({"variants": []})
    Product.objects.filter(design=publishing_design).update(printify_upload_id="u1", printify_id=existing)
    assert publish_run.run_publish(product_of(publishing_design).pk) == "published"
    assert printify.created == [] and printify.uploads == []
    assert printify.published[0][0] == existing


def test_a_product_already_published_by_a_crashed_run_is_not_published_twice(publishing_design, printify):
    existing = printify.add_product({"variants": [], "is_locked": True})
    Product.objects.filter(design=publishing_design).update(printify_upload_id="u1", printify_id=existing)
    assert publish_run.run_publish(product_of(publishing_design).pk) == "published"
    assert printify.published == []


def test_a_product_created_before_a_crash_is_adopted_by_its_sku_marker(publishing_design, printify):
    design = publishing_design
    # The crashed run: upload id saved, product created in Printify, product id never saved.
    marker = product_of(design).sku_prefix
    assert (
        marker
        == sku_prefix(design.pk, product_of(design).template_id)
        == f"podsite-{design.pk}-t{product_of(design).template_id}-"
    )
    orphan = printify.add_product({"variants": [{"id": 17390, "sku": variant_sku(marker, 17390)}]})
    for n in range(60):  # newer products of other designs push it to the second page
        printify.add_product({"variants": [{"id": 17390, "sku": variant_sku(sku_prefix(10_000 + n, 1), 17390)}]})
    Product.objects.filter(design=design).update(printify_upload_id="u1", attempts=1)

    assert publish_run.run_publish(product_of(design).pk) == "published"
    assert printify.created == []
    assert product_of(design).printify_id == orphan
    assert printify.published[0][0] == orphan
    assert product_of(design).events.filter(message__contains=f"Found Printify product {orphan}").exists()


def test_a_similar_design_id_is_not_mistaken_for_ours(publishing_design, printify):
    design = publishing_design
    printify.add_product({"variants": [{"id": 17390, "sku": f"podsite-{design.pk}0-17390"}]})
    Product.objects.filter(design=design).update(printify_upload_id="u1")
    publish_run.run_publish(product_of(design).pk)
    assert len(printify.created) == 1


def test_a_product_deleted_in_printify_meanwhile_is_forgotten_and_made_again(publishing_design, printify):
    Product.objects.filter(design=publishing_design).update(printify_upload_id="u1", printify_id="f" * 24)
    assert publish_run.run_publish(product_of(publishing_design).pk) == "product vanished"
    design = reload(publishing_design)
    assert design.status == Status.PUBLISHING and product_of(design).printify_id == ""
    assert product_of(design).events.filter(message__contains="no longer exists").exists()


@pytest.mark.parametrize(("code", "reason", "meaning"), PRINTIFY_REFUSALS)
def test_each_printify_refusal_fails_the_design_with_code_and_plain_reason(publishing_design, code, reason, meaning):
    body = {
        "status": "error",
        "code": code,
        "message": "Validation failed.",
        "errors": {"reason": reason, "code": code},
    }
    with responses.RequestsMock() as rsps:
        rsps.post(f"{API}/uploads/images.json", json={"id": "u1"})
        rsps.post(f"{API}/shops/{SHOP}/products.json", status=400, json=body)
        assert publish_run.run_publish(product_of(publishing_design).pk) == "failed"
    design, product = reload(publishing_design), product_of(publishing_design)
    assert product.state == "failed" and design.status == Status.PUBLISH_FAILED
    assert product.last_error.startswith(f"Printify refused the product ({code}): ")
    assert meaning in product.last_error
    assert reason in product.last_error
    assert product.events.first().message == product.last_error
    # The design summarises its products: which product failed, and why.
    assert design.last_error == f"Kids tee: {product.last_error}"
    assert design.events.first().message == design.last_error
    assert product.printify_upload_id == "u1"  # kept: a retry starts at create


def test_a_disconnected_shop_fails_at_publish_and_a_retry_publishes_the_same_product(publishing_design, printify):
    printify.fail("publish", 400, {"status": "error", "code": 8254, "message": "Shop is not connected."})
    assert publish_run.run_publish(product_of(publishing_design).pk) == "failed"
    design = reload(publishing_design)
    assert "(8254): the shop is not connected to a sales channel" in design.last_error
    assert product_of(design).printify_id

    publish_service.retry_publish([design], actor=None, source=Source.ADMIN)
    assert publish_run.run_publish(product_of(design).pk) == "published"
    assert len(printify.created) == 1 and len(printify.uploads) == 1
    assert printify.published[0][0] == product_of(design).printify_id


def test_a_reconnected_store_8104_fails_in_words_on_the_product_and_the_shop_and_is_not_retried(
    publishing_design, printify
):
    from designs.shops import Shop

    shop = Shop.objects.get_or_create(printify_id=SHOP, defaults={"title": "My Etsy"})[0]
    Product.objects.filter(design=publishing_design).update(shop=shop)
    printify.fail("publish", 400, {"status": "error", "code": 8104, "message": "Product belongs to another shop."})

    assert publish_run.run_publish(product_of(publishing_design).pk) == "failed"

    product = product_of(publishing_design)
    assert product.state == "failed" and product.attempts == 1  # a refusal, not a server error: no retry
    assert "(8104): the product belongs to another shop. If the store was reconnected" in product.last_error
    assert "Refresh shops" in product.last_error
    shop.refresh_from_db()
    assert shop.problem == product.last_error


def test_bad_credentials_fail_without_showing_the_token(publishing_design):
    with responses.RequestsMock() as rsps:
        rsps.post(f"{API}/uploads/images.json", status=401, json={"error": "Unauthenticated"})
        assert publish_run.run_publish(product_of(publishing_design).pk) == "failed"
    design = reload(publishing_design)
    assert "Printify refused our credentials (HTTP 401)" in design.last_error
    assert "PRINTIFY_API_TOKEN" in design.last_error and TOKEN not in design.last_error


def test_a_429_requeues_after_the_wait_without_using_an_attempt(
    publishing_design, printify, django_capture_on_commit_callbacks
):
    printify.fail("create", 429, headers={"Retry-After": "45"})
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_run.run_publish(product_of(publishing_design).pk) == "rate limited"
    design = reload(publishing_design)
    assert design.status == Status.PUBLISHING and design.last_error == ""
    [wake] = Schedule.objects.filter(func="designs.tasks.publish_product")
    assert ast.literal_eval(wake.args) == (product_of(design).pk,)
    assert timedelta(seconds=44) <= wake.next_run - before <= timedelta(seconds=60)
    resume = ast.literal_eval(wake.kwargs)["resume"]
    assert resume == {"may_have_product": False, "may_have_published": False}

    # The continuation, 45 s later (the Retry-After holds every process back until then): no attempt counted,
    # no product scan (the 429 proves nothing was created), one product.
    clear_limiter("printify:global")
    assert publish_run.run_publish(product_of(design).pk, resume=resume) == "published"
    assert product_of(design).attempts == 1
    assert not printify.calls("GET", "/products.json")
    assert len(printify.uploads) == 1 and len(printify.created) == 1


def test_waiting_out_the_rate_limit_uses_no_attempt_and_a_real_server_error_does(
    publishing_design, printify, django_capture_on_commit_callbacks
):
    # The account is at its limit: three runs are refused — the first, then ones the reconciler starts while the
    # continuation waits for its schedule (fresh runs, no `resume`) — and then the continuation meets a real 500.
    product_id = product_of(publishing_design).pk
    printify.fail("create", 429, times=3)
    printify.fail("create", 500, {"error": "Internal"})
    for _ in range(3):
        clear_limiter("printify:global")  # the wait is over
        with django_capture_on_commit_callbacks(execute=True):
            assert publish_run.run_publish(product_id) == "rate limited"
        assert product_of(publishing_design).attempts == 0
    resume = ast.literal_eval(Schedule.objects.filter(func="designs.tasks.publish_product").last().kwargs)
    clear_limiter("printify:global")
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_run.run_publish(product_id, **resume) == "retrying"
    product = product_of(publishing_design)
    assert product.attempts == 1 and product.state == ProductState.CREATING
    assert f"(attempt 1 of {publish_run.MAX_ATTEMPTS}; trying again in" in product.last_error


def test_our_own_limiter_holds_back_without_calling_printify(settings, publishing_design, printify):
    from designs.clients import shared_rate_limiter

    settings.PRINTIFY_RATE_PER_MINUTE = 2
    limiter = shared_rate_limiter()
    bucket = "printify:global"
    clear_limiter(bucket)  # hits of earlier tests (Redis outlives the test database)
    for _ in range(2):
        limiter.acquire(bucket, 2, 60, max_wait=0)
    try:
        assert publish_run.run_publish(product_of(publishing_design).pk) == "rate limited"
        assert len(printify.rsps.calls) == 0
        assert reload(publishing_design).status == Status.PUBLISHING
    finally:
        clear_limiter(bucket)


def test_server_errors_retry_with_backoff_then_fail_in_plain_words(
    publishing_design, printify, django_capture_on_commit_callbacks
):
    printify.fail("create", 500, {"error": "Internal"}, times=3)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [publish_run.run_publish(product_of(publishing_design).pk) for _ in range(publish_run.MAX_ATTEMPTS)]
    assert outcomes == ["retrying", "retrying", "failed"]
    design = reload(publishing_design)
    assert design.status == Status.PUBLISH_FAILED and product_of(design).attempts == 3
    assert "Printify had a server error (HTTP 500)" in design.last_error
    assert "Gave up after 3 attempts" in design.last_error
    assert Schedule.objects.filter(func="designs.tasks.publish_product").count() == 2  # the two backoffs
    # A create that failed with 5xx may still have made a product: the next attempts looked first.
    assert len(printify.calls("GET", "/products.json")) == 2
    assert len(printify.uploads) == 1


def test_a_timeout_on_create_then_success_adopts_instead_of_duplicating(publishing_design, printify):
    import requests

    design = publishing_design
    original = printify._create

    def created_but_answer_lost(request):
        original(request)  # Printify made the product …
        raise requests.ConnectionError("connection reset")  # … and the answer never arrived

    printify.rsps.remove(responses.POST, f"{API}/shops/{SHOP}/products.json")
    printify.rsps.add_callback(responses.POST, f"{API}/shops/{SHOP}/products.json", callback=created_but_answer_lost)
    assert publish_run.run_publish(product_of(design).pk) == "retrying"
    assert product_of(design).printify_id == ""

    assert publish_run.run_publish(product_of(design).pk) == "published"
    assert len(printify.products) == 1
    assert product_of(design).printify_id == next(iter(printify.products))


def test_a_run_exits_quietly_when_the_product_is_not_being_published(make_design, template, printify):
    design = make_design(status=Status.PUBLISHED)
    for state in ("live", "on_printify", "failed", "deleted"):
        product = make_product(design, template, state=state, printify_id="a" * 24)
        assert publish_run.run_publish(product.pk) == "not publishing"
        product.delete()
    assert publish_run.run_publish(987654) == "not publishing"  # no such product
    assert len(printify.rsps.calls) == 0


def test_a_duplicate_delivery_exits_while_the_lease_is_held(publishing_design, printify):
    key = leases.product_key(product_of(publishing_design).pk)
    assert key == f"product:{product_of(publishing_design).pk}"
    token = leases.acquire(key, 60)
    assert publish_run.run_publish(product_of(publishing_design).pk) == "busy"
    assert len(printify.rsps.calls) == 0 and product_of(publishing_design).attempts == 0
    leases.release(key, token)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_one_product(make_design, printify):
    make_template()
    design = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish([design], actor=None, source=Source.COMMAND)
    inside_upload = threading.Event()
    original = printify._upload

    def slow_upload(request):
        inside_upload.set()
        threading.Event().wait(0.5)  # the second run arrives while the first is mid-call
        return original(request)

    printify.rsps.remove(responses.POST, f"{API}/uploads/images.json")
    printify.rsps.add_callback(responses.POST, f"{API}/uploads/images.json", callback=slow_upload)
    outcomes = []

    def run():
        from django.db import connection

        try:
            outcomes.append(publish_run.run_publish(product_of(design).pk))
        finally:
            connection.close()

    first = threading.Thread(target=run)
    first.start()
    assert inside_upload.wait(10)
    second = threading.Thread(target=run)
    second.start()
    first.join(20)
    second.join(20)
    assert sorted(outcomes) == ["busy", "published"]
    assert len(printify.created) == 1 and len(printify.uploads) == 1


def test_no_secret_reaches_events_or_errors(publishing_design):
    with responses.RequestsMock() as rsps:
        rsps.post(f"{API}/uploads/images.json", status=422, json={"error": f"bad token {TOKEN}"})
        publish_run.run_publish(product_of(publishing_design).pk)
    design = reload(publishing_design)
    assert design.status == Status.PUBLISH_FAILED
    assert TOKEN not in design.last_error
    assert not DesignEvent.objects.filter(message__contains=TOKEN).exists()


def test_a_design_without_an_image_fails_with_a_plain_message(make_design, template, printify):
    design = make_design(status=Status.APPROVED)
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    assert publish_run.run_publish(product_of(design).pk) == "failed"
    assert product_of(design).last_error == "The design has no image to upload."
    assert reload(design).last_error == "Kids tee: The design has no image to upload."


def test_a_missing_image_file_fails_with_a_plain_message(publishing_design, printify):
    publishing_design.image.storage.delete(publishing_design.image.name)
    assert publish_run.run_publish(product_of(publishing_design).pk) == "failed"
    assert product_of(publishing_design).last_error == "The design's image file could not be read from storage."
    assert len(printify.rsps.calls) == 0


def test_another_templates_product_and_a_legacy_marker_are_not_mistaken_for_ours(publishing_design, printify):
    design = publishing_design
    other = make_template(name="Mug", is_default=False)
    printify.add_product({"variants": [{"id": 17390, "sku": variant_sku(sku_prefix(design.pk, other.pk), 17390)}]})
    # A product of this design made before products had records of their own ("podsite-<design>-<variant>")
    # is not this template's product either.
    printify.add_product({"variants": [{"id": 17390, "sku": variant_sku(sku_prefix(design.pk), 17390)}]})
    Product.objects.filter(design=design).update(printify_upload_id="u1", attempts=1)
    assert publish_run.run_publish(product_of(design).pk) == "published"
    assert len(printify.created) == 1


def test_a_migrated_product_is_adopted_by_its_legacy_marker(publishing_design, printify):
    design = publishing_design
    orphan = printify.add_product({"variants": [{"id": 17390, "sku": f"podsite-{design.pk}-17390"}]})
    Product.objects.filter(design=design).update(printify_upload_id="u1", attempts=1, sku_prefix=sku_prefix(design.pk))
    assert publish_run.run_publish(product_of(design).pk) == "published"
    assert printify.created == [] and product_of(design).printify_id == orphan


def test_a_run_keeps_the_template_version_it_started_with(publishing_design, template, printify):
    template.variants = [{**v, "price": 9999} for v in template.variants]
    template.title_template = "Changed while publishing"
    template.save()
    assert publish_run.run_publish(product_of(publishing_design).pk) == "published"
    [created] = printify.created
    assert {v["price"] for v in created["variants"]} == {2499, 2699}
    assert created["title"] != "Changed while publishing"


def test_a_product_whose_template_was_deleted_before_its_run_fails_in_words(make_design, printify):
    template = make_template()
    design = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    Product.objects.filter(design=design).update(template_snapshot={})
    template.delete()
    assert publish_run.run_publish(product_of(design).pk) == "failed"
    assert "template was deleted" in product_of(design).last_error
    assert len(printify.rsps.calls) == 0


@pytest.mark.django_db(transaction=True)
def test_a_database_error_mid_run_leaves_the_design_to_the_reconciler_not_failed(publishing_design, printify):
    """The database is locked right after Printify created the product: the run cannot save the id. The design
    stays in publishing (not its fault), and the next run adopts the product instead of making a second one.
    (SQLite here; PostgreSQL's lost connections are exercised by tests/system/test_faults.py.)"""
    import sqlite3
    import threading

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("an exclusive SQLite lock; the PostgreSQL outage is in tests/system/test_faults.py")
    connection.close()
    connection.settings_dict["OPTIONS"]["timeout"] = 0.2  # give up on the lock at once, like a busy database
    locked, release = threading.Event(), threading.Event()

    def hold_the_database():
        holder = sqlite3.connect(connection.settings_dict["NAME"], timeout=5, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait(10)
        holder.execute("ROLLBACK")
        holder.close()

    def create_then_lock(request):
        answer = printify._create(request)
        threading.Thread(target=hold_the_database, daemon=True).start()
        locked.wait(5)
        return answer

    products_url = f"{API}/shops/{SHOP}/products.json"
    printify.rsps.replace(responses.CallbackResponse(responses.POST, products_url, callback=create_then_lock))
    product = product_of(publishing_design)
    try:
        assert publish_run.run_publish(product.pk) == "database error"
    finally:
        release.set()
        connection.close()
        connection.settings_dict["OPTIONS"]["timeout"] = 30
    printify.rsps.replace(responses.CallbackResponse(responses.POST, products_url, callback=printify._create))
    design, product = reload(publishing_design), product_of(publishing_design)
    assert (design.status, design.last_error) == (Status.PUBLISHING, "")
    assert (product.state, product.last_error, product.printify_id) == (ProductState.CREATING, "", "")
    # 15 s later the lease the locked run could not release has lapsed, and the reconciler wakes a new run.
    from django_q.brokers import get_broker

    from designs.models import Lease
    from designs.workers.reconcile import reconcile

    get_broker().purge_queue()  # wake-ups only fill a short queue: what earlier tests left in a shared Redis
    Lease.objects.filter(key=leases.product_key(product.pk)).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert reconcile(stale_after=timedelta(0))["woken"] == [product.pk]
    assert publish_run.run_publish(product.pk) == "published"
    assert len(printify.created) == 1  # adopted by its SKU marker, not created twice
    assert product_of(design).printify_id == next(iter(printify.products))


# --- the template's fixed image and the colour codes a created product tells -------------------------------------


def logo_bytes(colour=(30, 60, 200, 255)) -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGBA", (500, 250), (0, 0, 0, 0))
    image.paste(colour, (50, 50, 450, 200))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_templates_fixed_image_is_uploaded_once_and_placed_beside_every_design(make_design, printify):
    from designs import fixed_images
    from designs.models import GarmentColour

    name, width, height = fixed_images.store(logo_bytes())
    template = make_template(
        fixed_image=name,
        fixed_image_width=width,
        fixed_image_height=height,
        fixed_position="back",
        fixed_placement={"x": 0.5, "y": 0.1, "scale": 0.25, "angle": 0},
    )
    printify.options = [
        {
            "name": "Colors",
            "type": "color",
            "values": [{"id": 1147, "title": "Heather Grey", "colors": ["#C9C9C9", "#B0B0B2"]}],
        }
    ]
    first, second = (attach_image(make_design(status=Status.APPROVED, prompt=p)) for p in ("owl", "fox"))
    publish_service.request_publish([first, second], actor=None, source=Source.COMMAND)
    for design in (first, second):
        assert publish_run.run_publish(product_of(design).pk) == "published"

    names = [upload["file_name"] for upload in printify.uploads]
    assert names == [f"design-{first.pk}.png", f"template-{template.pk}-fixed.png", f"design-{second.pk}.png"]
    with template.fixed_image.open("rb") as stored:
        assert base64.b64decode(printify.uploads[1]["contents"]) == stored.read()
    logo_id = "upload000000000000000002"
    for created in printify.created:
        for area in created["print_areas"]:
            assert area["placeholders"][1] == {
                "position": "back",
                "images": [{"id": logo_id, "x": 0.5, "y": 0.1, "scale": 0.25, "angle": 0}],
            }
    template.refresh_from_db()
    assert (template.fixed_upload_id, template.fixed_upload_of) == (logo_id, name)
    # The created products told the colours' codes (the catalog does not): kept for the contrast check.
    heather = GarmentColour.objects.get(blueprint_id=3, print_provider_id=3, name="Heather Grey")
    assert heather.hexes == ["#C9C9C9", "#B0B0B2"]

    # A new file on the template: the next product uploads it (once), the old id is not reused for it.
    new_name, _, _ = fixed_images.store(logo_bytes((200, 30, 30, 255)))
    ProductTemplate.objects.filter(pk=template.pk).update(fixed_image=new_name)
    third = attach_image(make_design(status=Status.APPROVED, prompt="bear"))
    publish_service.request_publish([third], actor=None, source=Source.COMMAND)
    assert publish_run.run_publish(product_of(third).pk) == "published"
    assert [upload["file_name"] for upload in printify.uploads[3:]] == [
        f"design-{third.pk}.png",
        f"template-{template.pk}-fixed.png",
    ]
    assert printify.created[-1]["print_areas"][0]["placeholders"][1]["images"][0]["id"] == "upload000000000000000005"


def test_a_fixed_image_gone_from_storage_fails_the_product_in_words(make_design, printify):
    template = make_template(
        fixed_image="templates/fixed/2026/12/gone.png",
        fixed_image_width=10,
        fixed_image_height=10,
        fixed_position="back",
    )
    design = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish([design], actor=None, source=Source.COMMAND)
    assert publish_run.run_publish(product_of(design).pk) == "failed"
    assert f"The fixed image of template “{template.name}” could not be read" in product_of(design).last_error
    assert printify.created == []
