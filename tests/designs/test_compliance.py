"""The compliance screen: whole-word, case-, accent- and look-alike-insensitive matching; the seeded example list;
approval, publishing (request and run) and batch creation."""

import pytest

from designs import compliance
from designs.models import BlockedTerm, Design
from designs.services import review
from designs.services.batches import blocked_term_warnings, parse_prompts
from designs.workflow import Status
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

SCREEN_TERMS = ["Disney", "Mickey Mouse", "Pokémon", "NFL"]


@pytest.mark.parametrize(
    "text",
    [
        "DISNEY princess",
        "dísney",  # accent
        "Ｄｉｓｎｅｙ",  # fullwidth
        "𝐃𝐢𝐬𝐧𝐞𝐲",  # mathematical bold
        "Disnеy",  # Cyrillic е
        "Dіsnеу",  # Cyrillic і, е, у
        "Dis\u200bney",  # zero-width space inside
        "disney's castle",
        "a (disney) fan",
        "mickey-mouse ears",
        "MICKEY   MOUSE",
        "pokemon trainer",
        "nfl",
    ],
)
def test_blocked_terms_match_however_they_are_written(text):
    assert compliance.Screen(SCREEN_TERMS).terms_in(text)


@pytest.mark.parametrize("text", ["Disneyland", "undisneyed", "unflappable nflx", "mickey the mouse", "d1sney", ""])
def test_a_term_inside_another_word_or_split_differently_does_not_match(text):
    assert compliance.Screen(SCREEN_TERMS).terms_in(text) == []


def test_hits_name_the_term_as_the_shop_wrote_it_and_where_it_was_found():
    hits = compliance.Screen(SCREEN_TERMS).hits(
        {"prompt": "pokemon", "title": "Pokemon fan", "tags": ["cute", "nfl"], "description": ""}
    )
    assert compliance.describe(hits) == (
        "the blocked terms “Pokémon” (in the prompt and title) and “NFL” (in the tags)"
    )


def test_an_empty_list_matches_nothing():
    assert not compliance.Screen([]) and compliance.Screen([" ", "!!"]).terms_in("anything") == []


def test_the_migration_seeds_a_short_example_list(db):
    terms = set(BlockedTerm.objects.values_list("term", flat=True))
    assert {"Disney", "Pokémon", "Taylor Swift"} <= terms and len(terms) < 20


def test_an_inactive_term_is_not_screened(make_design, reviewer):
    BlockedTerm.objects.filter(term="Disney").update(is_active=False)
    design = make_design(prompt="disney castle", status=Status.REVIEW)
    assert review.approve([design.pk], actor=reviewer).moved == [design.pk]


def test_the_review_page_refusal_is_shown_with_the_term(admin_settings, client, make_design, reviewer):  # noqa: F811
    design = make_design(prompt="a fox", title="Nike fox", status=Status.REVIEW)
    client.force_login(reviewer)
    response = client.post(
        "/admin/designs/design/review/decide/",
        {"design": design.pk, "decision": "approve"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["message"] == (
        f"Design {design.pk} cannot be approved: it names the blocked term “Nike” (in the title)."
    )


def test_batch_creation_warns_about_prompts_naming_blocked_terms(db):
    rows = parse_prompts("a fox\nstar wars fan art\n")
    assert blocked_term_warnings(rows) == [
        "line 2: the blocked term “Star Wars” (in the prompt); approval and publishing will refuse it"
    ]


def test_the_batch_form_creates_the_batch_and_warns(admin_settings, client, superuser, flux_preset):  # noqa: F811
    client.force_login(superuser)
    response = client.post(
        "/admin/designs/batch/add/",
        {"name": "Mixed", "prompts": "a fox\nhello kitty in space", "preset": flux_preset.pk, "variations": 1},
        follow=True,
    )
    texts = [str(message) for message in response.context["messages"]]
    assert any("2 designs queued" in text for text in texts)
    assert (
        "Prompt line 2: the blocked term “Hello Kitty” (in the prompt); approval and publishing will refuse it."
        in texts
    )
    assert Design.objects.filter(batch__name="Mixed").count() == 2
