"""The review page and its decision endpoints, plus the permission matrix over every review action and endpoint."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from designs.models import Batch, Design, DesignEvent, ReviewClaim
from designs.workflow import Source, Status
from tests.designs.review_support import admin_settings, make_reviewable  # noqa: F401  (admin_settings: fixture)

pytestmark = pytest.mark.usefixtures("admin_settings")

REVIEW = reverse("admin:designs_design_review")
DECIDE = reverse("admin:designs_design_review_decide")
UNDO = reverse("admin:designs_design_review_undo")
CLAIMS = reverse("admin:designs_design_review_claims")
HOLD = reverse("admin:designs_design_review_hold")
CHANGELIST = reverse("admin:designs_design_changelist")
JSON = {"HTTP_ACCEPT": "application/json"}


def status_of(design):
    return Design.objects.get(pk=design.pk).status


def decide(client, design, decision, **extra):
    return client.post(DECIDE, {"design": design.pk, "decision": decision, **extra}, **JSON)


def card_ids(response):
    return [card["id"] for card in response.context["cards"]]


# --- the page --------------------------------------------------------------------------------------


def test_review_page_lists_designs_in_review_oldest_first_with_the_focused_preview(client, reviewer):
    designs = [make_reviewable(prompt=f"prompt number {i}", color_index=i) for i in range(3)]
    Design.objects.create(prompt="not yet", status=Status.GENERATING)
    Design.objects.create(prompt="done", status=Status.APPROVED)
    client.force_login(reviewer)

    response = client.get(REVIEW)

    assert response.status_code == 200
    assert card_ids(response) == [d.pk for d in designs]
    html = response.content.decode()
    assert f'id="pod-stage-img" src="{designs[0].image.url}"' in html
    assert '<p id="pod-stage-prompt" class="pod-stage-prompt">prompt number 0</p>' in html
    assert 'id="pod-stage-size" title="Pixel size of the stored image">256 × 256 px<' in html
    assert 'id="pod-left">3<' in html and 'id="pod-today">0<' in html
    assert html.count('class="pod-card-thumb" loading="lazy"') == 3  # grid uses the small thumbnails
    assert 'value="approve"' in html and 'value="reject"' in html and "Undo last" in html


def test_review_page_focus_batch_filter_and_claims(client, reviewer, settings):
    settings.REVIEW_CLAIM_SIZE = 5
    winter = Batch.objects.create(name="Winter")
    in_winter = [make_reviewable(batch=winter, color_index=i, prompt=f"w{i}") for i in range(2)]
    others = [make_reviewable(color_index=i, prompt=f"o{i}") for i in range(7)]
    client.force_login(reviewer)

    assert card_ids(client.get(REVIEW, {"batch": winter.pk})) == [d.pk for d in in_winter]
    assert (
        client.get(REVIEW, {"batch": winter.pk, "focus": in_winter[1].pk}).context["focused"]["id"] == in_winter[1].pk
    )

    first_page = client.get(REVIEW)
    assert card_ids(first_page) == [d.pk for d in [*in_winter, *others][:5]]  # the reviewer's five claims
    assert first_page.context["left"] == 9  # every design waiting, not only this reviewer's
    assert "Winter (2)" in first_page.content.decode()
    # A link to a design outside the claims (from the changelist) shows it first; a decided one is not shown.
    assert card_ids(client.get(REVIEW, {"focus": others[-1].pk}))[0] == others[-1].pk
    decided = make_reviewable(status=Status.APPROVED)
    assert decided.pk not in card_ids(client.get(REVIEW, {"focus": decided.pk}))


def _review_queries(client, count):
    for index in range(count - Design.objects.count()):
        make_reviewable(color_index=index, prompt=f"prompt {index % 7}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REVIEW)
    assert len(card_ids(response)) == count
    return len(queries)


def test_review_page_query_count_is_bounded(client, reviewer, settings):
    client.force_login(reviewer)
    settings.REVIEW_CLAIM_SIZE = 10
    with_10 = _review_queries(client, 10)
    client.post(reverse("admin:designs_design_review_release"))
    settings.REVIEW_CLAIM_SIZE = 40
    with_40 = _review_queries(client, 40)

    assert with_10 == with_40 <= 24


@pytest.fixture
def print_designs(settings):
    """A default template needing transparency (print area 1500×1800 px, fit) and two designs in review: a small one
    (its own preview) and a large one (a 1600 px preview next to its 2000 px original)."""
    from tests.designs.print_support import approved_design, areas
    from tests.designs.publishing_support import make_template

    settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI = 150, 300
    make_template(placeholders=areas((1500, 1800)), placement={"mode": "fit"}, needs_transparency=True)
    small = approved_design(Design.objects.create, (256, 256), status="review", prompt="a small heron")
    large = approved_design(Design.objects.create, (2000, 2000), status="review", prompt="a big heron")
    return small, large


def test_cards_carry_print_quality_and_show_the_preview_not_the_original(client, reviewer, print_designs):
    small, large = print_designs
    client.force_login(reviewer)

    response = client.get(REVIEW)

    cards = {card["id"]: card for card in response.context["cards"]}
    assert (cards[small.pk]["dpi"], cards[small.pk]["dpi_level"]) == ("51 DPI", "bad")
    assert "150 DPI needs 750×750 px" in cards[small.pk]["dpi_text"]
    assert cards[small.pk]["no_alpha"] is True and cards[small.pk]["print_template"] == "Kids tee"
    assert (cards[large.pk]["dpi"], cards[large.pk]["dpi_level"]) == ("400 DPI", "good")
    assert cards[large.pk]["image_url"] == large.preview_file.url  # the large view: the preview
    assert cards[large.pk]["original_url"] == large.image.url  # the 100 % view, loaded only when asked
    assert cards[small.pk]["image_url"] == cards[small.pk]["original_url"] == small.image.url  # its own preview
    html = response.content.decode()
    assert '<span id="pod-stage-dpi" class="pod-dpi pod-dpi-bad"' in html and ">51 DPI</span>" in html
    assert f'data-original="{small.image.url}"' in html
    assert html.count("pod-card-dpi") == 2
    assert 'id="pod-stage-flag" class="pod-flag">' in html  # shown: the template needs transparency


def test_print_quality_is_in_the_json_cards_and_measured_once_per_reply(client, reviewer, print_designs):
    small, large = print_designs
    client.force_login(reviewer)
    client.get(REVIEW)

    body = decide(client, small, "reject", refill="1").json()

    assert body["design"]["dpi"] == "51 DPI" and body["design"]["original_url"] == small.image.url
    assert [(card["id"], card["dpi"], card["image_url"]) for card in body["cards"]] == [
        (large.pk, "400 DPI", large.preview_file.url)
    ]


def test_without_a_default_template_cards_have_no_badge_and_say_why(client, reviewer):
    make_reviewable()
    client.force_login(reviewer)

    response = client.get(REVIEW)

    (card,) = response.context["cards"]
    assert (card["dpi"], card["dpi_level"], card["no_alpha"]) == ("", "unknown", False)
    html = response.content.decode()
    assert "pod-card-dpi" not in html and ">DPI ?</span>" in html
    assert "No default product template: DPI cannot be measured." in html


def test_query_count_stays_bounded_with_a_default_template(client, reviewer, settings, print_designs):
    client.force_login(reviewer)
    settings.REVIEW_CLAIM_SIZE = 10
    with_10 = _review_queries(client, 10)
    client.post(reverse("admin:designs_design_review_release"))
    settings.REVIEW_CLAIM_SIZE = 40
    with_40 = _review_queries(client, 40)

    assert with_10 == with_40 <= 24  # the default template: one query, however many cards


def test_approve_from_the_review_page_answers_json_and_records_everything(client, reviewer):
    design, other = make_reviewable(), make_reviewable()
    client.force_login(reviewer)

    response = decide(client, design, "approve")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["message"] == f"Design {design.pk} approved."
    assert (body["left"], body["today"]) == (1, 1)
    assert body["design"]["status"] == "approved"
    assert status_of(design) == Status.APPROVED and status_of(other) == Status.REVIEW
    event = DesignEvent.objects.get(design=design)
    assert (event.actor, event.source, event.from_status, event.to_status) == (
        reviewer,
        Source.REVIEW,
        "review",
        "approved",
    )
    assert LogEntry.objects.get().change_message == "Approved on the review page."


def test_reject_from_the_review_page_keeps_the_reason(client, reviewer):
    design = make_reviewable()
    client.force_login(reviewer)

    response = decide(client, design, "reject", reason="Hands look wrong")

    assert response.status_code == 200
    assert status_of(design) == Status.REJECTED
    assert DesignEvent.objects.get(design=design).message == "Hands look wrong"


def test_a_decision_someone_else_made_first_is_a_409_with_the_reason(client, reviewer, make_user):
    design = make_reviewable()
    other_reviewer = make_user("other", groups=["Reviewers"])
    first = Client()
    first.force_login(other_reviewer)
    assert decide(first, design, "reject").status_code == 200
    client.force_login(reviewer)

    response = decide(client, design, "approve")

    assert response.status_code == 409
    assert response.json()["message"] == f"Design {design.pk} could not move to approved: it is rejected now."
    assert status_of(design) == Status.REJECTED
    assert DesignEvent.objects.filter(actor=reviewer).count() == 0


def test_plain_form_posts_redirect_back_with_a_message(client, reviewer):
    design = make_reviewable()
    client.force_login(reviewer)
    here = f"{REVIEW}?focus={design.pk}"

    response = client.post(DECIDE, {"design": design.pk, "decision": "approve", "next": here})

    assert response.status_code == 302 and response["Location"] == here
    assert [m.message for m in get_messages(response.wsgi_request)] == [f"Design {design.pk} approved."]
    conflict = client.post(DECIDE, {"design": design.pk, "decision": "reject", "next": "https://evil.example/"})
    assert conflict["Location"] == REVIEW  # foreign "next" ignored
    assert [(m.level_tag, m.message) for m in get_messages(conflict.wsgi_request)][-1] == (
        "error",
        f"Design {design.pk} could not move to rejected: it is approved now.",
    )


def test_undo_walks_back_through_the_reviewers_decisions(client, reviewer):
    first, second = make_reviewable(), make_reviewable()
    client.force_login(reviewer)
    decide(client, first, "approve")
    decide(client, second, "reject")

    undo_second = client.post(UNDO, **JSON)
    assert undo_second.status_code == 200
    assert undo_second.json()["design"]["id"] == second.pk
    assert (status_of(first), status_of(second)) == (Status.APPROVED, Status.REVIEW)

    assert client.post(UNDO, **JSON).json()["design"]["id"] == first.pk
    assert status_of(first) == Status.REVIEW

    nothing = client.post(UNDO, **JSON)
    assert nothing.status_code == 404 and nothing.json()["message"] == "Nothing to undo."
    undo_events = DesignEvent.objects.filter(to_status=Status.REVIEW, actor=reviewer, source=Source.REVIEW)
    assert sorted(undo_events.values_list("message", flat=True)) == ["Undo of the approval.", "Undo of the rejection."]
    assert client.get(REVIEW).context["today"] == 0  # both decisions were taken back


def test_undo_leaves_alone_a_design_someone_else_has_moved_since(client, reviewer, superuser):
    design = make_reviewable()
    client.force_login(reviewer)
    decide(client, design, "approve")
    admin_client = Client()
    admin_client.force_login(superuser)
    admin_client.post(CHANGELIST, {"action": "reopen_designs", "_selected_action": [design.pk]})
    admin_client.post(CHANGELIST, {"action": "reject_designs", "_selected_action": [design.pk], "post": "yes"})

    response = client.post(UNDO, **JSON)

    assert response.status_code == 404
    assert status_of(design) == Status.REJECTED


def test_decide_needs_post_and_csrf(reviewer):
    design = make_reviewable()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reviewer)

    assert strict.get(DECIDE, {"design": design.pk, "decision": "approve"}).status_code == 405
    assert strict.post(DECIDE, {"design": design.pk, "decision": "approve"}, **JSON).status_code == 403
    assert strict.post(UNDO, **JSON).status_code == 403
    assert status_of(design) == Status.REVIEW


def test_review_page_is_read_only_without_the_approve_permission(client, publisher):
    design = make_reviewable()
    client.force_login(publisher)

    html = client.get(REVIEW).content.decode()

    assert "Read-only" in html and design.thumbnail.url in html
    assert 'value="approve"' not in html and "pod-decide-form" not in html and "Undo last" not in html
    config = json.loads(html.split('id="pod-review-config" type="application/json">')[1].split("</script>")[0])
    assert config["canDecide"] is False


# --- the permission matrix ------------------------------------------------------------------------

USERS = ["anonymous", "non_staff", "staff_without_perms", "reviewer", "publisher", "superuser"]
DECIDERS = {"reviewer", "superuser"}
VIEWERS = {"reviewer", "publisher", "superuser"}


@pytest.fixture
def users(make_user):
    return {
        "anonymous": None,
        "non_staff": make_user("customer", staff=False),
        "staff_without_perms": make_user("staff-only"),
        "reviewer": make_user("reviewer", groups=["Reviewers"]),
        "publisher": make_user("publisher", groups=["Publishers"]),
        "superuser": make_user("boss", superuser=True),
    }


def client_for(users, who):
    client = Client()
    if users[who] is not None:
        client.force_login(users[who])
    return client


def redirected_to_login(response):
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("who", USERS)
def test_matrix_review_page_get(users, who):
    make_reviewable()
    response = client_for(users, who).get(REVIEW)

    if who in ("anonymous", "non_staff"):
        assert redirected_to_login(response)
    elif who in VIEWERS:
        assert response.status_code == 200
        assert ('value="approve"' in response.content.decode()) is (who in DECIDERS)
    else:
        assert response.status_code == 403


ENDPOINTS = {
    "approve endpoint": lambda c, d: c.post(DECIDE, {"design": d.pk, "decision": "approve"}, **JSON),
    "reject endpoint": lambda c, d: c.post(DECIDE, {"design": d.pk, "decision": "reject"}, **JSON),
    "approve endpoint (form)": lambda c, d: c.post(DECIDE, {"design": d.pk, "decision": "approve"}),
    "approve endpoint via GET": lambda c, d: c.get(DECIDE, {"design": d.pk, "decision": "approve"}),
    "undo endpoint via GET": lambda c, d: c.get(UNDO),
    "approve action": lambda c, d: c.post(CHANGELIST, {"action": "approve_designs", "_selected_action": [d.pk]}),
    "reject action": lambda c, d: c.post(
        CHANGELIST, {"action": "reject_designs", "_selected_action": [d.pk], "post": "yes", "reason": "no"}
    ),
}
EXPECTED_STATUS = {"approve endpoint": "approved", "reject endpoint": "rejected", "approve endpoint (form)": "approved"}
EXPECTED_STATUS |= {"approve action": "approved", "reject action": "rejected"}


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_matrix_decisions(users, who, endpoint):
    design = make_reviewable()

    response = ENDPOINTS[endpoint](client_for(users, who), design)

    succeeds = who in DECIDERS and endpoint in EXPECTED_STATUS
    assert status_of(design) == (EXPECTED_STATUS[endpoint] if succeeds else Status.REVIEW)
    assert DesignEvent.objects.exists() is succeeds
    assert LogEntry.objects.exists() is succeeds
    if who in ("anonymous", "non_staff"):
        assert redirected_to_login(response)
    elif "via GET" in endpoint:
        assert response.status_code == 405
    elif not succeeds and "endpoint" in endpoint:
        assert response.status_code == 403


@pytest.mark.parametrize("who", USERS)
def test_matrix_reopen_action_and_undo(users, who):
    approved = make_reviewable(status=Status.APPROVED)
    client = client_for(users, who)
    client.post(CHANGELIST, {"action": "reopen_designs", "_selected_action": [approved.pk]})
    reopened = status_of(approved) == Status.REVIEW
    assert reopened is (who in DECIDERS)

    # Undo takes back only this user's own review-page decision.
    decided = make_reviewable()
    if who in DECIDERS:
        decide(client, decided, "approve")
    response = client.post(UNDO, **JSON)

    assert status_of(decided) == Status.REVIEW
    if who in DECIDERS:
        assert response.status_code == 200 and response.json()["design"]["id"] == decided.pk
    elif who in ("anonymous", "non_staff"):
        assert redirected_to_login(response)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", USERS)
def test_matrix_claims_are_posted_by_deciders_only(users, who):
    design = make_reviewable()
    client = client_for(users, who)

    looked = client.get(CLAIMS), client.get(HOLD, {"design": design.pk})
    assert not ReviewClaim.objects.exists()  # never through a GET
    claimed, held = client.post(CLAIMS, **JSON), client.post(HOLD, {"design": design.pk}, **JSON)

    assert ReviewClaim.objects.exists() is (who in DECIDERS)
    if who in ("anonymous", "non_staff"):
        assert all(redirected_to_login(response) for response in (*looked, claimed, held))
    elif who in DECIDERS:
        assert [r.status_code for r in (*looked, claimed, held)] == [405, 405, 200, 204]
    else:
        assert [r.status_code for r in (*looked, claimed, held)] == [405, 405, 403, 403]
