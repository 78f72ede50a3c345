"""The review page at team scale: claims through the endpoints, compare mode and best-of-group as one undo-able
decision, near-duplicate warnings on cards, and the empty page naming the chosen batch."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from designs import duplicates
from designs.models import Batch, Design, DesignEvent, ReviewClaim
from designs.services import review
from designs.workflow import Status
from tests.designs.review_support import (  # noqa: F401  (admin_settings: fixture)
    admin_settings,
    claimed_ids,
    make_reviewable,
    open_review_page,
    post_page_form,
)

pytestmark = pytest.mark.usefixtures("admin_settings")

REVIEW = reverse("admin:designs_design_review")
DECIDE = reverse("admin:designs_design_review_decide")
UNDO = reverse("admin:designs_design_review_undo")
CLAIMS = reverse("admin:designs_design_review_claims")
RELEASE = reverse("admin:designs_design_review_release")
COMPARE = reverse("admin:designs_design_review_compare")
BEST = reverse("admin:designs_design_review_best")
JSON = {"HTTP_ACCEPT": "application/json"}


def card_ids(response):
    return [card["id"] for card in response.context["cards"]]


def status_of(design):
    return Design.objects.get(pk=design.pk).status


@pytest.fixture
def two_clients(make_user):
    ann, bob = make_user("ann", groups=["Reviewers"]), make_user("bob", groups=["Reviewers"])
    first, second = Client(), Client()
    first.force_login(ann)
    second.force_login(bob)
    return first, second


def test_two_reviewers_opening_the_page_are_shown_different_designs(two_clients, settings):
    settings.REVIEW_CLAIM_SIZE = 3
    designs = [make_reviewable(prompt=f"p{n}", color_index=n) for n in range(8)]
    ann, bob = two_clients

    shown_to_ann, shown_to_bob = claimed_ids(ann, REVIEW), claimed_ids(bob, REVIEW)

    assert shown_to_ann == [d.pk for d in designs[:3]]
    assert shown_to_bob == [d.pk for d in designs[3:6]]
    assert ann.get(REVIEW).context["left"] == bob.get(REVIEW).context["left"] == 8


def test_opening_the_page_claims_nothing_its_script_claims_with_the_pages_csrf_token(make_user, settings):
    """Issue 19: a GET wrote claims. Now the page shows what the reviewer would be given and its script claims
    with a POST carrying the rendered page's CSRF token."""
    settings.REVIEW_CLAIM_SIZE = 2
    designs = [make_reviewable(prompt=f"p{n}", color_index=n) for n in range(3)]
    ann = Client(enforce_csrf_checks=True)
    ann.force_login(make_user("ann", groups=["Reviewers"]))

    page = ann.get(REVIEW)
    assert card_ids(page) == [d.pk for d in designs[:2]]
    assert not ReviewClaim.objects.exists()
    assert ann.post(CLAIMS, **JSON).status_code == 403  # without the page's token: refused, nothing claimed
    assert not ReviewClaim.objects.exists()

    _, body = open_review_page(ann, REVIEW)

    assert [card["id"] for card in body["cards"]] == [d.pk for d in designs[:2]]
    assert set(ReviewClaim.objects.values_list("design_id", flat=True)) == {d.pk for d in designs[:2]}
    assert body["claimed_until"] > timezone.now().timestamp()


def test_a_link_to_one_design_is_held_for_the_reviewer_when_the_page_claims(client, reviewer, settings):
    settings.REVIEW_CLAIM_SIZE = 2
    designs = [make_reviewable(prompt=f"p{n}", color_index=n) for n in range(4)]
    client.force_login(reviewer)

    page, body = open_review_page(client, REVIEW, {"focus": designs[3].pk})

    assert card_ids(page)[0] == designs[3].pk
    assert [card["id"] for card in body["cards"]][0] == designs[3].pk  # the claims keep it first


def test_a_decision_asking_for_a_refill_gets_the_next_claimed_cards(two_clients, settings):
    settings.REVIEW_CLAIM_SIZE = 2
    designs = [make_reviewable(prompt=f"p{n}", color_index=n) for n in range(5)]
    ann, bob = two_clients
    open_review_page(ann, REVIEW)
    open_review_page(bob, REVIEW)  # holds designs 2 and 3

    body = ann.post(DECIDE, {"design": designs[0].pk, "decision": "approve", "refill": "1"}, **JSON).json()

    assert [card["id"] for card in body["cards"]] == [designs[1].pk, designs[4].pk]
    assert body["left"] == 4 and body["claimed_until"] > timezone.now().timestamp()


def test_the_heartbeat_renews_and_release_gives_back_only_what_that_page_held(two_clients, settings):
    settings.REVIEW_CLAIM_SIZE = 2
    designs = [make_reviewable(prompt=f"p{n}", color_index=n) for n in range(4)]
    ann, bob = two_clients
    old_page_until = open_review_page(ann, REVIEW)[1]["claimed_until"]

    beat = ann.post(CLAIMS, **JSON).json()
    assert [card["id"] for card in beat["cards"]] == [d.pk for d in designs[:2]]
    # The goodbye of a page left before this renewal releases nothing the newer page holds.
    assert ann.post(RELEASE, {"until": old_page_until - 1}).status_code == 204
    assert ReviewClaim.objects.count() == 2
    assert ann.post(RELEASE, {"until": "not a time"}).status_code == 204  # no moment: every claim released
    assert ReviewClaim.objects.count() == 0
    assert claimed_ids(bob, REVIEW) == [d.pk for d in designs[:2]]


def test_read_only_viewers_claim_nothing(client, publisher):
    make_reviewable()
    client.force_login(publisher)
    client.get(REVIEW)
    assert not ReviewClaim.objects.exists()
    assert client.post(CLAIMS, **JSON).status_code == 403


def test_the_empty_page_names_the_chosen_batch_and_the_selector_shows_it(client, reviewer):
    autumn = Batch.objects.create(name="Autumn drop")
    make_reviewable(batch=autumn, status=Status.APPROVED)
    client.force_login(reviewer)

    html = client.get(REVIEW, {"batch": autumn.pk}).content.decode()

    assert "Nothing is waiting for review in batch “Autumn drop”." in html
    assert f'<option value="{autumn.pk}" selected>Autumn drop (0)</option>' in html


def variations_of(prompt, count, **fields):
    return [make_reviewable(prompt=prompt, color_index=n, **fields) for n in range(count)]


def test_compare_mode_shows_every_variation_with_pixel_sizes_and_a_choice_each(client, reviewer):
    fox = variations_of("fox in the snow", 3)
    decided = make_reviewable(prompt="fox in the snow", status=Status.REJECTED)
    make_reviewable(prompt="an owl")
    client.force_login(reviewer)

    response = client.get(COMPARE, {"design": fox[1].pk})

    assert [card["id"] for card in response.context["cards"]] == [*(d.pk for d in fox), decided.pk]
    html = response.content.decode()
    assert html.count("256 × 256 px") == 4
    assert html.count("Best: approve #") == 3 and "reject the other 2" in html
    assert not ReviewClaim.objects.exists()  # opening the page claims nothing: its script holds them
    assert post_page_form(client, response, "pod-hold-form").status_code == 204
    assert set(ReviewClaim.objects.values_list("design_id", flat=True)) == {d.pk for d in fox}  # held while compared
    assert client.get(REVIEW).context["cards"][0]["compare_url"] == f"{COMPARE}?design={fox[0].pk}"


def test_best_of_group_approves_one_rejects_the_rest_and_undo_takes_it_back_whole(client, reviewer):
    fox = variations_of("fox in the snow", 3)
    owl = make_reviewable(prompt="an owl")
    client.force_login(reviewer)
    group = [d.pk for d in fox] + [owl.pk]  # a stray id of another prompt is never rejected

    response = client.post(BEST, {"design": fox[1].pk, "group": group, "next": REVIEW})

    assert response.status_code == 302 and response["Location"] == REVIEW
    assert [status_of(d) for d in fox] == [Status.REJECTED, Status.APPROVED, Status.REJECTED]
    assert status_of(owl) == Status.REVIEW
    message = [m.message for m in get_messages(response.wsgi_request)][-1]
    assert message == f"Design {fox[1].pk} approved as the best; 2 other variations rejected."
    tokens = set(DesignEvent.objects.filter(actor=reviewer).values_list("group", flat=True))
    assert len(tokens) == 1 and "" not in tokens

    undo = client.post(UNDO, **JSON)

    assert undo.status_code == 200
    assert [card["id"] for card in undo.json()["designs"]][0] == fox[1].pk  # the chosen one first
    assert [status_of(d) for d in fox] == [Status.REVIEW] * 3
    assert client.post(UNDO, **JSON).status_code == 404  # one decision, one undo
    assert client.get(REVIEW).context["today"] == 0


def test_best_of_group_rejects_nothing_when_the_best_was_decided_by_someone_else(client, reviewer, superuser):
    fox = variations_of("fox", 2)
    review.reject([fox[0]], actor=superuser)
    client.force_login(reviewer)

    response = client.post(BEST, {"design": fox[0].pk, "group": [d.pk for d in fox]}, **JSON)

    assert response.status_code == 409
    assert status_of(fox[1]) == Status.REVIEW


def test_a_card_warns_when_it_looks_like_a_published_design(client, reviewer, settings):
    settings.NEAR_DUPLICATE_DISTANCE = 8
    published = make_reviewable(status=Status.PUBLISHED, prompt="old bestseller")
    waiting = make_reviewable(prompt="new one", color_index=3)
    similar = make_reviewable(prompt="another", color_index=5)
    duplicates.record(similar.pk, "00000000000000ff")
    duplicates.record(published.pk, "ffff0000ffff0000")
    duplicates.record(waiting.pk, "ffff0000ffff0003")
    client.force_login(reviewer)

    response = client.get(REVIEW)

    card = next(card for card in response.context["cards"] if card["id"] == waiting.pk)
    assert card["duplicate"]["id"] == published.pk and card["duplicate"]["distance"] == 2
    html = response.content.decode()
    assert f"Looks like #{published.pk} (published)" in html
    assert published.thumbnail.url in html  # the two side by side
    others = [card for card in response.context["cards"] if card["id"] != waiting.pk]
    assert all(card["duplicate"] is None for card in others)


def test_the_changelist_filters_designs_with_a_near_duplicate(client, superuser, settings):
    settings.NEAR_DUPLICATE_DISTANCE = 8
    published = make_reviewable(status=Status.PUBLISHED, prompt="bestseller")
    copy = make_reviewable(prompt="copy", color_index=2)
    alone = make_reviewable(prompt="alone", color_index=4)
    duplicates.record(published.pk, "ffff0000ffff0000")
    duplicates.record(copy.pk, "ffff0000ffff0001")
    duplicates.record(alone.pk, "0000ffff0000ffff")
    client.force_login(superuser)
    changelist = reverse("admin:designs_design_changelist")

    def listed(value):
        return {design.pk for design in client.get(changelist, {"near_duplicate": value}).context["cl"].result_list}

    assert listed("yes") == {published.pk, copy.pk}
    assert listed("published") == {copy.pk}
    assert listed("no") == {alone.pk}
    assert "Has a near-duplicate" in client.get(changelist).content.decode()


def test_a_decision_reports_the_cards_another_reviewer_took_over(two_clients, settings):
    settings.REVIEW_CLAIM_SIZE = 4
    designs = [make_reviewable(prompt=f"p{n}", color_index=n) for n in range(4)]
    ann, bob = two_clients
    assert claimed_ids(ann, REVIEW) == [d.pk for d in designs]
    assert claimed_ids(bob, REVIEW) == [d.pk for d in designs[2:]]  # a fair share: the two ann reaches last

    have = ",".join(str(d.pk) for d in designs[1:])
    body = ann.post(DECIDE, {"design": designs[0].pk, "decision": "approve", "have": have}, **JSON).json()

    assert body["taken"] == [d.pk for d in designs[2:]]  # ann's page drops them before she gets there
    assert 'class="pod-card is-focused is-shared"' not in bob.get(REVIEW).content.decode()


def partly_live(**fields):
    """Issue 19's design: its tee live, its mug waiting for its mockup review (status "Mockups to review")."""
    from tests.designs.publishing_support import make_product, make_template

    design = make_reviewable(status=Status.MOCKUPS, **fields)
    make_product(design, make_template(name="Tee", is_default=False), state="live")
    make_product(design, make_template(name="Mug", is_default=False), state="mockup_review")
    return design


def test_a_partly_live_look_alike_counts_as_published_on_the_card_and_in_the_filter(client, superuser, settings):
    settings.NEAR_DUPLICATE_DISTANCE = 8
    selling = partly_live(prompt="bestseller")
    copy = make_reviewable(prompt="copy", color_index=2)
    waiting = make_reviewable(status=Status.MOCKUPS, prompt="not live yet", color_index=4)
    elsewhere = make_reviewable(prompt="like the one not live", color_index=6)
    duplicates.record(selling.pk, "ffff0000ffff0000")
    duplicates.record(copy.pk, "ffff0000ffff0001")
    duplicates.record(waiting.pk, "0000ffff0000ffff")
    duplicates.record(elsewhere.pk, "0000ffff0000fffe")
    client.force_login(superuser)
    changelist = reverse("admin:designs_design_changelist")
    listed = client.get(changelist, {"near_duplicate": "published"}).context["cl"].result_list
    assert {design.pk for design in listed} == {copy.pk}

    card = next(card for card in client.get(REVIEW).context["cards"] if card["id"] == copy.pk)
    assert card["duplicate"]["text"] == f"Looks like #{selling.pk} (published)"
