"""AdminGuardsMixin (podsite/admin_guards.py), tried on Django's own UserAdmin on a throwaway admin site, next to
the same admin without it: the control shows each hostile query string really breaks an unguarded changelist."""

import pytest
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import path

from podsite.admin_guards import AdminGuardsMixin
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)


class PlainUserAdmin(UserAdmin):
    date_hierarchy = "date_joined"


class GuardedUserAdmin(AdminGuardsMixin, PlainUserAdmin):
    pass


guarded_site, plain_site = admin.AdminSite(name="guarded"), admin.AdminSite(name="plain")
guarded_site.register(User, GuardedUserAdmin)
plain_site.register(User, PlainUserAdmin)
urlpatterns = [path("guarded/", guarded_site.urls), path("plain/", plain_site.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings"), pytest.mark.urls(__name__)]

OUT_OF_RANGE_DATES = [
    "date_joined__year=99999999999999999999",
    "date_joined__year=9999",  # its year ends where datetime does
    "date_joined__year=9998&date_joined__month=12&date_joined__day=99999999999999999999",
]
TOO_LARGE_FILTERS = ["id__in=99999999999999999999", "id__in=1,99999999999999999999"]


@pytest.fixture
def boss(superuser):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("query", OUT_OF_RANGE_DATES + TOO_LARGE_FILTERS)
def test_hostile_filters_send_the_changelist_back_to_its_unfiltered_page(boss, query):
    if connection.vendor == "sqlite" or query in OUT_OF_RANGE_DATES:
        # The control: unguarded, a 500 (PostgreSQL takes 20-digit ids in its stride; SQLite overflows).
        assert boss.get(f"/plain/auth/user/?{query}").status_code == 500

    response = boss.get(f"/guarded/auth/user/?{query}")

    if connection.vendor != "sqlite" and query in TOO_LARGE_FILTERS:
        assert response.status_code == 200  # PostgreSQL answers it (nothing matches): no error to guard against
        return
    assert response.status_code == 302 and response["Location"] == "/guarded/auth/user/?e=1"
    assert boss.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "date_joined__year=0",
        "date_joined__year=2026&date_joined__month=13",
        "date_joined__year=2026&date_joined__month=2&date_joined__day=30",
        "date_joined__year=%D9%A2%D9%A0%D9%A2%D9%A6",  # 2026 in Arabic-Indic digits
        "date_joined__year=" + "9" * 5000,
    ],
)
def test_other_impossible_dates_are_refused_the_same_way(boss, query):
    response = boss.get(f"/guarded/auth/user/?{query}")

    assert response.status_code == 302 and response["Location"] == "/guarded/auth/user/?e=1"


def test_a_real_date_still_filters(boss, superuser):
    year = superuser.date_joined.year
    response = boss.get(f"/guarded/auth/user/?date_joined__year={year}&date_joined__month=1")

    assert response.status_code == 200


def test_a_search_of_too_many_words_finds_nothing_and_says_why(boss):
    words = "+".join(["boss"] * 1000)
    if (
        connection.vendor == "sqlite"
    ):  # the control: 1,000 ORs exceed SQLite's expression depth (PostgreSQL copes, slowly)
        assert boss.get(f"/plain/auth/user/?q={words}").status_code == 500

    for query in (words, "+".join(["boss"] * 21), "b" * 201):
        response = boss.get(f"/guarded/auth/user/?q={query}")
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0
        assert "Search is limited to 20 words and 200 characters." in response.content.decode()


def test_a_search_within_the_limits_still_finds(boss):
    response = boss.get("/guarded/auth/user/?q=" + "+".join(["boss"] * 20))

    assert response.context["cl"].result_count == 1
    assert "Search is limited" not in response.content.decode()


def test_a_read_only_inline_makes_every_field_it_shows_read_only():
    from designs.models import Design, DesignEvent
    from podsite.admin_guards import ReadOnlyInline

    class History(ReadOnlyInline):
        model = DesignEvent
        fields = ("created_at", "message")

    inline = History(Design, admin.site)
    assert inline.get_readonly_fields(None) == ("created_at", "message")
    assert (inline.extra, inline.can_delete) == (0, False)
    assert not inline.has_add_permission(None) and not inline.has_delete_permission(None)
    assert not inline.check()
