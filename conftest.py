"""Project-wide pytest fixtures: media in a temp dir, users with the real roles, a design factory."""

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes media into its own temp folder, never into media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def make_design(db):
    from designs.models import Design

    def make(**fields):
        fields.setdefault("prompt", "a red fox in the snow, woodcut")
        return Design.objects.create(**fields)

    return make


@pytest.fixture
def make_user(db):
    from django.contrib.auth.models import Group, User

    def make(username="staff", *, staff=True, superuser=False, groups=(), perms=()):
        user = User.objects.create_user(
            username,
            password="pw-for-tests-only",  # noqa: S106
            is_staff=staff,
            is_superuser=superuser,
        )
        user.groups.add(*Group.objects.filter(name__in=groups))
        if perms:
            from django.contrib.auth.models import Permission

            user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
        return user

    return make


@pytest.fixture
def superuser(make_user):
    return make_user("boss", superuser=True)


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", groups=["Reviewers"])


@pytest.fixture
def publisher(make_user):
    return make_user("publisher", groups=["Publishers"])


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a file, not memory, so other processes (qcluster, race workers) can open it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture
def child_env(transactional_db, media_root):
    """Environment for a child process (qcluster, sandbox, race worker) that shares this test's database."""
    import os

    from django.conf import settings
    from django.db import connection

    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        url = f"sqlite:///{database['NAME']}"
    else:
        auth = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
        url = f"postgres://{auth}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="podsite.settings",
        DATABASE_URL=url,
        MEDIA_ROOT=str(media_root),
        SECRET_KEY=settings.SECRET_KEY,
        PYTHONPATH=str(settings.BASE_DIR),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="session", autouse=True)
def static_root_exists():
    """whitenoise warns once per test client when STATIC_ROOT is missing; collectstatic creates it in production."""
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
