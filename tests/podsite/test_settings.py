"""Settings come from the environment: check them in fresh processes, as a deployment would start."""

import json
import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7!k2Qp9#vL4@mN8$wR3^tY6&zB1*cF5(hJ0)dG2-sA9=eU4+iO7",
    "ALLOWED_HOSTS": "pod.example.com",
}


def run_python(code: str, **env_overrides) -> subprocess.CompletedProcess:
    # A fresh deployment's environment: nothing the test run itself set (browser tests allow async-unsafe ORM).
    inherited = ("PYTEST", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env.update(DJANGO_SETTINGS_MODULE="podsite.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, *code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )


def settings_value(expression: str, **env) -> object:
    code = f"import django, json; django.setup(); from django.conf import settings; print(json.dumps({expression}))"
    result = run_python(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_environment():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_about_a_weak_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": "short"}
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_redis_url_selects_the_redis_broker():
    broker = "type(__import__('django_q.brokers', fromlist=['get_broker']).get_broker()).__name__"
    assert settings_value(broker, REDIS_URL="redis://127.0.0.1:6379/0") == "Redis"
    assert settings_value(broker) == "ORM"


def test_sqlite_default_is_tuned_for_concurrent_writers():
    options = settings_value("settings.DATABASES['default']['OPTIONS']")
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 20


def test_database_url_selects_postgres():
    engine = settings_value(
        "settings.DATABASES['default']['ENGINE']", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
    )
    assert engine == "django.db.backends.postgresql"


def test_missing_optional_keys_do_not_break_start_up():
    result = run_python(["manage.py", "check"], RUNPOD_API_KEY="", PRINTIFY_API_TOKEN="", PUBLIC_BASE_URL="")
    assert result.returncode == 0, result.stderr


def test_q_cluster_retry_outlasts_the_task_timeout():
    cluster = settings.Q_CLUSTER
    assert cluster["retry"] > cluster["timeout"] * 2
    assert cluster["max_attempts"] and not cluster["catch_up"]
    assert cluster["queue_limit"] <= 8 and cluster["recycle"] and cluster["max_rss"]


def test_sandbox_mode_points_both_clients_at_loopback():
    values = settings_value(
        "[settings.RUNPOD_API_BASE, settings.PRINTIFY_API_BASE]", POD_SANDBOX="1", SANDBOX_URL="http://127.0.0.1:9999"
    )
    assert values == ["http://127.0.0.1:9999/runpod/v2", "http://127.0.0.1:9999/printify/v1"]


def test_sandbox_mode_allows_downloads_from_the_sandbox_port_only():
    allowed = settings_value(
        "settings.DOWNLOAD_ALLOW_HOSTS",
        POD_SANDBOX="1",
        SANDBOX_URL="http://127.0.0.1:9999",
        DOWNLOAD_ALLOW_HOSTS="images.example.com",
    )
    assert allowed == ["images.example.com", "127.0.0.1:9999"]


def test_login_throttling_comes_from_the_environment():
    throttle = (
        "[settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds(), settings.AXES_LOCKOUT_PARAMETERS,"
        " settings.TRUSTED_PROXY_COUNT, settings.LOGIN_REDIRECT_URL]"
    )
    per_pair = [["username", "ip_address"]]
    assert settings_value(throttle) == [5, 900, per_pair, 0, "admin:index"]
    changed = settings_value(throttle, AXES_FAILURE_LIMIT="8", AXES_COOLOFF_MINUTES="60", TRUSTED_PROXY_COUNT="1")
    assert changed == [8, 3600, per_pair, 1, "admin:index"]


def test_image_sources_of_the_content_security_policy_come_from_the_environment():
    image_sources = "next(p for p in settings.CONTENT_SECURITY_POLICY.split('; ') if p.startswith('img-src '))"
    default = "img-src 'self' data: https://images.printify.com"
    assert settings_value(image_sources) == default
    extra = {"CSP_IMG_SRC": "https://cdn.example.com,https://img.example.org", "MEDIA_URL": "https://m.example.com/x/"}
    assert settings_value(image_sources, **extra) == (
        f"{default} https://m.example.com https://cdn.example.com https://img.example.org"
    )
    sandbox = {"POD_SANDBOX": "1", "SANDBOX_URL": "http://127.0.0.1:9999/"}
    assert settings_value(image_sources, **sandbox) == f"{default} http://127.0.0.1:9999"


S3_ENV = {
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "podsite-media",
    "AWS_S3_ENDPOINT_URL": "https://account.r2.cloudflarestorage.com",
    "AWS_S3_REGION_NAME": "auto",
    "AWS_ACCESS_KEY_ID": "AKIASETTINGSTEST0001",
    "AWS_SECRET_ACCESS_KEY": "settings-test-secret-access-key-0123456789",
    "AWS_LOCATION": "shop-1",
}


def media_settings(**env) -> list:
    """[the default storage's class, its URL for designs/a.png, the CSP, SERVE_MEDIA] in a fresh process."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "from django.core.files.storage import default_storage as media; "
        "print(json.dumps([media.__class__.__name__, media.url('designs/a.png'), settings.CONTENT_SECURITY_POLICY, "
        "settings.SERVE_MEDIA]))"
    )
    result = run_python(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_media_stays_in_the_local_folder_by_default():
    backend, url, _, _ = media_settings(SERVE_MEDIA="true")
    assert (backend, url) == ("FileSystemStorage", "/media/designs/a.png")


def test_media_storage_s3_signs_every_url_and_allows_the_bucket_in_the_csp():
    backend, url, policy, serve_media = media_settings(SERVE_MEDIA="true", **S3_ENV)
    assert backend == "S3Storage"
    # Path style under the endpoint, below AWS_LOCATION; signed, for AWS_QUERYSTRING_EXPIRE (900 s by default).
    assert url.startswith("https://account.r2.cloudflarestorage.com/podsite-media/shop-1/designs/a.png?")
    assert "X-Amz-Expires=900&" in url and "X-Amz-Signature=" in url
    assert S3_ENV["AWS_SECRET_ACCESS_KEY"] not in url
    [img_src] = [part for part in policy.split("; ") if part.startswith("img-src ")]
    assert "https://account.r2.cloudflarestorage.com" in img_src.split()
    assert serve_media is False  # nothing of the bucket is in MEDIA_ROOT


def test_aws_itself_puts_the_bucket_in_the_host_name_the_csp_names():
    env = {**S3_ENV, "AWS_S3_ENDPOINT_URL": "", "AWS_S3_REGION_NAME": "eu-west-1"}
    _, url, policy, _ = media_settings(**env)
    origin = "/".join(url.split("/")[:3])
    assert origin == "https://podsite-media.s3.eu-west-1.amazonaws.com"
    assert origin in policy


def test_media_storage_s3_without_a_bucket_refuses_to_start_in_words():
    result = run_python(["manage.py", "check"], **{**S3_ENV, "AWS_STORAGE_BUCKET_NAME": ""})
    assert result.returncode != 0
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in result.stderr
    result = run_python(["manage.py", "check"], MEDIA_STORAGE="nfs")
    assert "MEDIA_STORAGE must be 'local' or 's3', not 'nfs'." in result.stderr
    result = run_python(["manage.py", "check"], **{**S3_ENV, "AWS_ACCESS_KEY_ID": ""})
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set together" in result.stderr
    assert S3_ENV["AWS_SECRET_ACCESS_KEY"] not in result.stderr


def test_django_q_info_lines_stay_off_the_commands_stderr_unless_asked():
    # Issue 19: "Enqueued [...]" lines from django-q2 (logger "django-q") appeared on every command's stderr.
    code = (
        "import django; django.setup(); from django_q.conf import logger; "
        "logger.info('Enqueued 1'); logger.warning('W')"
    )
    quiet = run_python(["-c", code])
    assert quiet.returncode == 0 and "Enqueued 1" not in quiet.stderr and "W" in quiet.stderr
    asked = run_python(["-c", code], Q_LOG_LEVEL="INFO")
    assert "Enqueued 1" in asked.stderr
