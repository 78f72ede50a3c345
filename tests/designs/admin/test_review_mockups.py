"""The review page's mockup mode: products waiting on Printify, go live / discard / undo through the endpoints,
conflicts and permissions in words, claims per product, and the Design changelist's mockup actions."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from designs.models import Design, Product, ProductClaim, ProductEvent
from designs.products import ProductState
from designs.services import mockups
from designs.workflow import Source, Status
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import (  # noqa: F401  (admin_settings: fixture)
    admin_settings,
    claimed_ids,
    make_reviewable,
    open_review_page,
)

pytestmark = pytest.mark.usefixtures("admin_settings")

MOCKUPS = reverse("admin:designs_design_review_mockups")
DECIDE = reverse("admin:designs_design_review_mockups_decide")
UNDO = reverse("admin:designs_design_review_mockups_undo")
CLAIMS = reverse("admin:designs_design_review_mockups_claims")
RELEASE = reverse("admin:designs_design_review_release")
REVIEW = reverse("admin:designs_design_review")
CHANGELIST = reverse("admin:designs_design_changelist")
JSON = {"HTTP_ACCEPT": "application/json"}
MOCKUP_URLS = [f"https://images-api.printify.com/mockup/{n}/front.jpg" for n in range(3)]


@pytest.fixture
def tee(db):
    return make_template(name="Kids tee", review_mockups=True)


def waiting(template, count=1, **fields):
    """`count` designs, each with one product of `template` waiting for its mockup review."""
    products = []
    for n in range(count):
        design = make_reviewable(prompt=f"fox number {n}", color_index=n, status=Status.MOCKUPS, title=f"Fox {n}")
        products.append(
            make_product(
                design, template, state="mockup_review", printify_id=f"pf{design.pk:04d}", mockups=MOCKUP_URLS, **fields
            )
        )
    return products


def state_of(product):
    return Product.objects.get(pk=product.pk).state


def card_ids(response):
    return [card["id"] for card in response.context["cards"]]


def decide(client, product, decision, **extra):
    return client.post(DECIDE, {"product": product.pk, "decision": decision, **extra}, **JSON)


# --- the page --------------------------------------------------------------------------------------


def test_mockup_mode_shows_each_waiting_product_with_its_mockups_large_and_its_prices(client, publisher, tee):
    products = waiting(tee, 2)
    make_product(make_reviewable(status=Status.PUBLISHED), tee, state="live", printify_id="live1")
    client.force_login(publisher)

    response = client.get(MOCKUPS)

    assert response.status_code == 200
    assert card_ids(response) == [p.pk for p in products]
    card = response.context["cards"][0]
    assert card["template"] == "Kids tee" and card["title"] == "Fox 0"
    assert card["price_range"] == "$24.99–$26.99" and card["variants"] == 3  # the enabled ones, as money
    html = response.content.decode()
    assert f'id="pod-mockup-img" src="{MOCKUP_URLS[0]}"' in html
    assert html.count('loading="lazy" alt="Mockup ') == 3  # the strip: every mockup
    assert "Go live <kbd>G</kbd>" in html and "Discard <kbd>D</kbd>" in html and "Undo last <kbd>U</kbd>" in html
    assert 'id="pod-left">2<' in html and "Printify is told 5 s later" in html
    assert "<script>" not in html  # CSP: static files only


def test_mockup_mode_shows_one_shop_when_asked_and_its_decisions_keep_to_it(client, publisher, tee):
    from designs.shops import Shop
    from tests.form_support import forms_of

    etsy = Shop.objects.create(printify_id="10", title="My Etsy", channel="etsy")
    shopify = Shop.objects.create(printify_id="11", title="My Shopify", channel="shopify")
    on_etsy = waiting(tee, 2, shop=etsy)
    on_shopify = waiting(make_template(name="Mug", review_mockups=True, is_default=False), 1, shop=shopify)
    client.force_login(publisher)

    everything = client.get(MOCKUPS)
    assert sorted(card_ids(everything)) == sorted(p.pk for p in on_etsy + on_shopify)
    page = client.get(MOCKUPS, {"shop": shopify.pk})
    assert card_ids(page) == [on_shopify[0].pk] and page.context["left"] == 1
    assert page.context["focused"]["template"] == "Mug · My Shopify"
    decide_form = next(form for form in forms_of(page.content.decode()) if form.action == DECIDE)
    assert ("shop", str(shopify.pk)) in decide_form.data()  # the decision comes back for this shop's queue


def test_only_https_mockups_are_shown(client, publisher, tee):
    (product,) = waiting(tee)
    Product.objects.filter(pk=product.pk).update(mockups=["javascript:alert(1)", "http://plain.test/a.jpg"])
    client.force_login(publisher)

    response = client.get(MOCKUPS)

    assert response.context["cards"][0]["mockups"] == []
    assert "Printify has sent no mockups for this product yet." in response.content.decode()


def test_the_review_page_switches_to_mockup_mode_with_the_count_waiting(client, reviewer, tee):
    waiting(tee, 3)
    client.force_login(reviewer)

    html = client.get(REVIEW).content.decode()

    assert f'<a href="{MOCKUPS}"' in html
    assert 'Mockups <span class="pod-muted">(<span class="pod-mode-count">3</span> waiting)</span>' in html


def test_a_link_to_one_product_focuses_it(client, publisher, tee, settings):
    settings.REVIEW_CLAIM_SIZE = 2
    products = waiting(tee, 4)
    client.force_login(publisher)

    response = client.get(MOCKUPS, {"focus": products[3].pk})

    assert card_ids(response)[0] == products[3].pk and response.context["focused"]["id"] == products[3].pk


# --- decisions ---------------------------------------------------------------------------------------


def test_go_live_moves_the_product_and_says_when(client, publisher, tee, settings):
    settings.MOCKUP_UNDO_SECONDS = 5
    (product,) = waiting(tee)
    client.force_login(publisher)

    response = decide(client, product, "live")

    assert response.status_code == 200
    message = f"Product {product.pk} goes live in the store in 5 s (U takes it back until then)."
    assert response.json()["message"] == message
    assert response.json()["left"] == 0
    assert state_of(product) == ProductState.PUBLISHING
    assert Product.objects.get(pk=product.pk).mockups_approved_at is not None
    event = ProductEvent.objects.get(product=product)
    assert (event.actor_id, event.source, event.to_state) == (publisher.pk, Source.REVIEW, ProductState.PUBLISHING)


def test_discard_then_undo_puts_the_product_back_on_the_page(client, publisher, tee):
    (product,) = waiting(tee)
    client.force_login(publisher)

    assert decide(client, product, "discard").status_code == 200
    assert state_of(product) == ProductState.DISCARDING
    assert Design.objects.get(pk=product.design_id).status == Status.MOCKUPS  # being discarded: still "mockups"

    body = client.post(UNDO, **JSON).json()

    assert body["ok"] and body["message"].startswith(f"Product {product.pk}: undid the discard")
    assert [card["id"] for card in body["products"]] == [product.pk]
    assert [card["id"] for card in body["cards"]] == [product.pk]  # claimed again by who undid it
    assert state_of(product) == ProductState.MOCKUP_REVIEW
    assert client.post(UNDO, **JSON).status_code == 404  # nothing more to undo


def test_undo_of_a_go_live_and_nothing_to_undo(client, publisher, tee):
    (product,) = waiting(tee)
    client.force_login(publisher)
    nothing = client.post(UNDO, **JSON)
    assert (nothing.status_code, nothing.json()["message"]) == (404, "Nothing to undo.")

    decide(client, product, "live")
    assert client.post(UNDO, **JSON).status_code == 200

    assert state_of(product) == ProductState.MOCKUP_REVIEW
    assert Design.objects.get(pk=product.design_id).status == Status.MOCKUPS


def test_undo_takes_back_one_decision_after_the_other(client, publisher, tee):
    first, second = waiting(tee, 2)
    client.force_login(publisher)
    decide(client, first, "live")
    decide(client, second, "discard")

    assert client.post(UNDO, **JSON).json()["products"][0]["id"] == second.pk
    assert client.post(UNDO, **JSON).json()["products"][0]["id"] == first.pk
    assert {state_of(first), state_of(second)} == {ProductState.MOCKUP_REVIEW}


def test_undo_too_late_is_said_in_words(client, publisher, tee):
    (product,) = waiting(tee)
    client.force_login(publisher)
    decide(client, product, "discard")
    Product.objects.filter(pk=product.pk).update(state=ProductState.DELETED)  # the run deleted it meanwhile

    response = client.post(UNDO, **JSON)

    assert response.status_code == 409
    assert response.json()["message"] == "Too late to undo the discard: the product is deleted from printify."


def test_someone_else_deciding_first_is_a_conflict_in_words(client, publisher, make_user, tee):
    (product,) = waiting(tee)
    other = make_user("pat", groups=["Publishers"])
    mockups.discard([product.pk], actor=other, source=Source.REVIEW)
    client.force_login(publisher)

    response = decide(client, product, "live")

    assert response.status_code == 409
    assert (
        response.json()["message"] == f"Product {product.pk} could not move to going live: it is being discarded now."
    )
    assert state_of(product) == ProductState.DISCARDING
    assert decide(client, Product(pk=10**9), "live").status_code == 404


def test_a_bad_request_is_refused_in_words(client, publisher, tee):
    (product,) = waiting(tee)
    client.force_login(publisher)

    response = decide(client, product, "approve")

    assert response.status_code == 400 and response.json()["message"] == "Choose a product, then go live or discard it."
    assert client.post(DECIDE, {"product": "9" * 40, "decision": "live"}, **JSON).status_code == 400


def test_without_the_publish_permission_nothing_is_decided(client, reviewer, tee):
    (product,) = waiting(tee)
    client.force_login(reviewer)  # may approve designs, not publish

    page = client.get(MOCKUPS)
    for url, data in ((DECIDE, {"product": product.pk, "decision": "live"}), (UNDO, {}), (CLAIMS, {})):
        response = client.post(url, data, **JSON)
        assert response.status_code == 403 and "“publish designs” permission" in response.json()["message"]
    assert client.post(DECIDE, {"product": product.pk, "decision": "discard"}).status_code == 403  # plain form

    assert page.status_code == 200 and not page.context["can_decide"]
    assert "Read-only" in page.content.decode() and "pod-decide-form" not in page.content.decode()
    assert state_of(product) == ProductState.MOCKUP_REVIEW


def test_csrf_is_required(publisher, tee):
    (product,) = waiting(tee)
    client = Client(enforce_csrf_checks=True)
    client.force_login(publisher)

    assert decide(client, product, "live").status_code == 403
    assert state_of(product) == ProductState.MOCKUP_REVIEW


def test_without_script_a_plain_form_decides_and_comes_back_with_a_message(client, publisher, tee):
    (product,) = waiting(tee)
    client.force_login(publisher)

    response = client.post(DECIDE, {"product": product.pk, "decision": "discard", "next": f"{MOCKUPS}?focus=1"})

    assert response.status_code == 302 and response.url == f"{MOCKUPS}?focus=1"
    assert "is deleted from Printify in" in [str(m) for m in get_messages(response.wsgi_request)][0]
    assert client.post(DECIDE, {"product": product.pk, "decision": "live", "next": "https://evil.test/"}).url == MOCKUPS


def logged(product):
    entries = LogEntry.objects.filter(content_type__model="product", object_id=str(product.pk)).order_by("pk")
    return [(entry.user_id, entry.get_change_message()) for entry in entries]


def test_decisions_and_their_undo_are_in_the_admin_history(client, publisher, tee):
    live, discarded = waiting(tee, 2)
    client.force_login(publisher)

    decide(client, live, "live")
    decide(client, discarded, "discard")
    client.post(UNDO, **JSON)

    assert logged(live) == [(publisher.pk, "Mockups approved: sent live on the review page.")]
    assert logged(discarded) == [
        (publisher.pk, "Mockups rejected: discarded on the review page."),
        (publisher.pk, "Undo of the discard on the review page."),
    ]


# --- claims --------------------------------------------------------------------------------------------


def test_two_reviewers_are_shown_different_products_and_release_gives_them_back(make_user, tee, settings):
    settings.REVIEW_CLAIM_SIZE = 2
    products = waiting(tee, 4)
    ann, bob = Client(), Client()
    ann.force_login(make_user("ann", groups=["Publishers"]))
    bob.force_login(make_user("bob", groups=["Publishers"]))

    shown_to_ann, shown_to_bob = claimed_ids(ann, MOCKUPS), claimed_ids(bob, MOCKUPS)

    assert shown_to_ann == [p.pk for p in products[:2]]
    assert shown_to_bob == [p.pk for p in products[2:]]
    # Ann decides one and asks for more: nothing of Bob's comes to her.
    body = decide(ann, products[0], "live", refill="1").json()
    assert [card["id"] for card in body["cards"]] == [products[1].pk]
    assert ann.post(RELEASE).status_code == 204  # she leaves: her claims go back
    carl = Client()
    carl.force_login(make_user("carl", groups=["Publishers"]))
    assert claimed_ids(carl, MOCKUPS) == [products[1].pk]


def tee_and_mug(template, count):
    """`count` designs, each with a tee and a mug waiting for their mockup review: [(tee, mug), …]."""
    mug = make_template(name="Mug", review_mockups=True, is_default=False)
    pairs = []
    for tee_product in waiting(template, count):
        mug_product = make_product(
            tee_product.design, mug, state="mockup_review", printify_id=f"mug{tee_product.pk:04d}", mockups=MOCKUP_URLS
        )
        pairs.append((tee_product, mug_product))
    return pairs


def test_each_product_of_a_design_is_its_own_claim(make_user, tee, settings):
    settings.REVIEW_CLAIM_SIZE = 1
    ((tee_product, mug_product),) = tee_and_mug(tee, 1)
    ann, bob = Client(), Client()
    ann.force_login(make_user("ann", groups=["Publishers"]))
    bob.force_login(make_user("bob", groups=["Publishers"]))

    assert claimed_ids(ann, MOCKUPS) == [tee_product.pk]
    assert claimed_ids(bob, MOCKUPS) == [mug_product.pk]  # the design's other product: free for someone else


def test_going_live_with_one_product_keeps_the_designs_other_product_on_the_page(client, publisher, tee, settings):
    """Issue 19: with claims per design, the mug went with the tee's decision and the page ended on "the 6
    waiting are with other reviewers" with nobody else reviewing."""
    settings.REVIEW_CLAIM_SIZE = 4
    pairs = tee_and_mug(tee, 3)
    client.force_login(publisher)
    everything = [product.pk for pair in pairs for product in pair]
    assert claimed_ids(client, MOCKUPS) == everything[:4]  # a design's products side by side

    first = decide(client, pairs[0][0], "live", have=",".join(map(str, everything[1:4]))).json()
    assert first["taken"] == []  # the mug stays
    body = decide(client, pairs[0][1], "discard", refill="1").json()

    assert [card["id"] for card in body["cards"]] == everything[2:]
    assert body["left"] == 4
    for product in everything[2:]:
        body = decide(client, Product.objects.get(pk=product), "live", refill="1").json()
    assert body["cards"] == [] and body["left"] == 0


def test_opening_mockup_mode_claims_nothing_its_script_claims(make_user, tee, settings):
    settings.REVIEW_CLAIM_SIZE = 2
    products = waiting(tee, 3)
    ann = Client(enforce_csrf_checks=True)
    ann.force_login(make_user("ann", groups=["Publishers"]))

    assert card_ids(ann.get(MOCKUPS)) == [p.pk for p in products[:2]]
    assert not ProductClaim.objects.exists()

    assert [card["id"] for card in open_review_page(ann, MOCKUPS)[1]["cards"]] == [p.pk for p in products[:2]]
    assert set(ProductClaim.objects.values_list("product_id", flat=True)) == {p.pk for p in products[:2]}


def test_mockup_claims_and_design_claims_never_mix(client, publisher, superuser, tee, settings):
    settings.REVIEW_CLAIM_SIZE = 5
    (product,) = waiting(tee)
    in_review = make_reviewable(prompt="still to review")
    client.force_login(superuser)

    assert card_ids(client.get(MOCKUPS)) == [product.pk]
    assert card_ids(client.get(REVIEW)) == [in_review.pk]


# --- the changelist's actions and the change page -------------------------------------------------------


def action(client, name, products, **extra):
    data = {"action": name, "_selected_action": [p.design_id for p in products], **extra}
    return client.post(CHANGELIST, data, follow=True)


def test_the_go_live_action_sends_the_selected_designs_waiting_products_live(client, publisher, tee):
    products = waiting(tee, 2)
    client.force_login(publisher)

    response = action(client, "go_live_with_mockups", products)

    assert "Products: 2 sent live." in [str(m) for m in get_messages(response.wsgi_request)]
    assert {state_of(p) for p in products} == {ProductState.PUBLISHING}
    assert [logged(p) for p in products] == [[(publisher.pk, "Mockups approved: sent live (Design list action).")]] * 2
    assert ProductEvent.objects.filter(source=Source.ADMIN, actor=publisher).count() == 2


def test_the_discard_action_asks_first_then_discards(client, publisher, tee):
    products = waiting(tee, 2)
    client.force_login(publisher)

    question = action(client, "discard_mockup_products", products)

    html = question.content.decode()
    assert "Discard 2 products" in html and "deletes them from Printify" in html
    assert {state_of(p) for p in products} == {ProductState.MOCKUP_REVIEW}
    done = action(client, "discard_mockup_products", products, post="yes")
    assert "Products: 2 discarded." in [str(m) for m in get_messages(done.wsgi_request)]
    assert {state_of(p) for p in products} == {ProductState.DISCARDING}
    assert [logged(p) for p in products] == [[(publisher.pk, "Mockups rejected: discarded (Design list action).")]] * 2


def test_the_mockup_actions_need_the_publish_permission(client, reviewer, tee):
    waiting(tee)
    client.force_login(reviewer)

    actions = client.get(CHANGELIST).context["cl"].model_admin.get_actions(client.get(CHANGELIST).wsgi_request)

    assert "go_live_with_mockups" not in actions and "discard_mockup_products" not in actions


def test_the_change_page_shows_a_waiting_product_and_links_to_mockup_mode(client, publisher, tee):
    (product,) = waiting(tee)
    client.force_login(publisher)

    html = client.get(reverse("admin:designs_design_change", args=[product.design_id])).content.decode()

    assert "Mockups to review (on Printify, not live)" in html
    assert f'href="{MOCKUPS}?focus={product.pk}"' in html
