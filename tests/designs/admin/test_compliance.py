"""The blocked terms admin: a term matching one on the list already, or with no letters, is refused in words;
the list says whose responsibility it is."""

import pytest

from designs.models import BlockedTerm
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.form_support import submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]

ADD = "/admin/designs/blockedterm/add/"


@pytest.fixture
def boss(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("term", ["DISNEY", "  disney ", "Dísney"])
def test_a_term_matching_one_on_the_list_is_refused_with_the_one_it_matches(boss, term):
    response = submit(boss, ADD, {"term": term, "reason": "again"}, "term")
    assert response.status_code == 200
    assert "“Disney” is on the list already; it matches the same words." in response.content.decode()
    assert BlockedTerm.objects.filter(term__iexact="disney").count() == 1


def test_a_term_without_letters_or_digits_is_refused(boss):
    response = submit(boss, ADD, {"term": "— !", "reason": ""}, "term")
    assert "A blocked term needs at least one letter or digit." in response.content.decode()


def test_a_new_term_is_saved_with_its_spaces_tidied_and_the_list_says_whose_responsibility_it_is(boss):
    response = submit(boss, ADD, {"term": "  Barbie   Dreamhouse ", "reason": "Mattel"}, "term")
    assert response.status_code == 302
    saved = BlockedTerm.objects.get(reason="Mattel")
    assert (saved.term, saved.is_active) == ("Barbie Dreamhouse", True)  # active: the form's own default
    page = boss.get("/admin/designs/blockedterm/").content.decode()
    assert "shop&#x27;s responsibility" in page or "shop's responsibility" in page


def test_a_term_can_be_edited_without_matching_itself(boss):
    term = BlockedTerm.objects.get(term="Disney")
    response = submit(boss, f"/admin/designs/blockedterm/{term.pk}/change/", {"reason": "Disney trademark"}, "reason")
    assert response.status_code == 302
    assert BlockedTerm.objects.get(pk=term.pk).reason == "Disney trademark"
