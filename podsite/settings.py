"""podsite settings: one module, every value from the environment (or an optional .env file).

.env.example lists and explains each variable. Production differs from development only through
environment variables; there are no per-environment settings modules.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env beside manage.py is optional; real environment variables always win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _local_secret_key(path: Path) -> str:
    """A key generated once per checkout (git-ignored), so one host works with no set-up.

    Several hosts must share SECRET_KEY through the environment: django-q2 signs tasks with it.
    """
    import secrets

    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    temp.write_text(secrets.token_urlsafe(50))
    temp.chmod(0o600)
    try:
        os.link(temp, path)  # atomic: the first process to link wins, the others read its key
    except FileExistsError:
        pass
    finally:
        temp.unlink()
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key(BASE_DIR / "var" / "secret_key")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_q",
    "axes",
    "podsite",
    "integrations",
    "designs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "podsite.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a login refused by the throttle into the lockout page; django-axes wants it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "podsite.urls"
WSGI_APPLICATION = "podsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "podsite.context_processors.sandbox",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------
# Default: a SQLite file beside manage.py. PostgreSQL for many hosts: DATABASE_URL=postgres://…
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the qcluster workers write at the same time. WAL lets readers run beside
    # the writer; IMMEDIATE takes the write lock when a transaction starts (so two writers queue on
    # the busy timeout instead of failing with "database is locked" when a read lock is upgraded).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=30),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Task queue (django-q2) ----------------------------------------------------------------------
# The database is the queue of record; the broker only carries wake-up calls, so a lost or repeated
# task is harmless (every task claims its design with a conditional transition first).
REDIS_URL = env.str("REDIS_URL", default="")
Q_TASK_TIMEOUT = env.int("Q_TASK_TIMEOUT", default=120)
Q_CLUSTER = {
    "name": env.str("Q_CLUSTER_NAME", default="podsite"),
    "workers": env.int("Q_WORKERS", default=2),
    # Our tasks are short: a generation pump pass or one publishing step sequence. A task that runs
    # longer than this is killed and recorded as failed; the reconciler picks its design up again.
    "timeout": Q_TASK_TIMEOUT,
    # retry must exceed timeout plus the worst wait in the cluster's internal queue, or the broker
    # hands a still-running task to a second worker (django-q #614).
    "retry": Q_TASK_TIMEOUT * 3,
    # A task that keeps failing stops after 3 tries; the design keeps its state and the reconciler,
    # not an endless redelivery, decides what happens next.
    "max_attempts": 3,
    # Replaying every missed schedule slot after downtime would fire dozens of identical reconciles.
    "catch_up": False,
    # Tasks held in a cluster's memory are invisible to other hosts and lost on a crash: keep it small.
    "queue_limit": env.int("Q_QUEUE_LIMIT", default=4),
    "bulk": 1,
    # Each worker is a whole Django process; recycle it before memory creeps (django-q #43).
    "recycle": 200,
    "max_rss": env.int("Q_MAX_RSS_KB", default=400_000),
    "save_limit": 500,
    "ack_failures": True,
    "label": "Task queue",
    "sync": env.bool("Q_SYNC", default=False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.2

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Auth, i18n ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"  # the site is the admin; Django's default, /accounts/profile/, does not exist

# Login throttling (django-axes): failed logins are counted per username and client address; after
# AXES_FAILURE_LIMIT failures that pair is refused for AXES_COOLOFF_MINUTES, each new try starting the wait again.
# A superuser unlocks earlier by deleting the pair's row in Admin → Axes → Access attempts.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "podsite.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "podsite.client_ip.client_ip"
# Reverse proxies in front of the web server that append the client's address to X-Forwarded-For. Behind a
# proxy, 0 would count every login as coming from the proxy: one person could then lock a username for everyone.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Where media lives: MEDIA_ROOT on this machine (the default), or MEDIA_STORAGE=s3: a private S3-compatible bucket
# (AWS S3, Cloudflare R2, MinIO) that every host shares. Code only uses the storage API (field.open(),
# storage.save/delete, .url), never a file path, so nothing else changes.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {MEDIA_STORAGE!r}.")
# django-storages' own setting names (storages.backends.s3.S3Storage reads them). Empty keys leave boto3 to find
# credentials itself (an instance role).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None  # R2/MinIO; empty: AWS itself
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
AWS_LOCATION = env.str("AWS_LOCATION", default="")  # a key prefix: several sites (or tests) in one bucket
# With an endpoint (R2, MinIO) URLs name the bucket in the path, on AWS in the host name (the CSP allows either).
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="path" if AWS_S3_ENDPOINT_URL else "virtual")
AWS_S3_SIGNATURE_VERSION = "s3v4"
# The bucket stays private: objects get no ACL of their own, and every URL the admin shows is signed and expires
# after AWS_QUERYSTRING_EXPIRE seconds (long enough for a review session's page, short enough that a copied link
# soon stops working). Printify gets its own, longer-lived URL for an upload (designs/workers/publish_run.py).
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=900)
AWS_S3_FILE_OVERWRITE = False  # like the local folder: a name already taken gets a suffix, never overwritten
if MEDIA_STORAGE == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (and the bucket's endpoint and keys).")
if MEDIA_STORAGE == "s3" and bool(AWS_ACCESS_KEY_ID) != bool(AWS_SECRET_ACCESS_KEY):
    raise ImproperlyConfigured("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set together or not at all.")
STORAGES = {
    "default": {
        "BACKEND": (
            "storages.backends.s3.S3Storage" if MEDIA_STORAGE == "s3" else "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Media is served by Django only when SERVE_MEDIA is on (development, the sandbox, one-box installs); media in a
# bucket is never in MEDIA_ROOT, so never served from it.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG) and MEDIA_STORAGE == "local"
# Admin uploads and imports larger than this are refused before Pillow sees them.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000  # bulk actions post one field per selected design

# --- Security (all switchable from env; defaults are the safe production values) ------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# --- External services ---------------------------------------------------------------------------
# POD_SANDBOX=1 points both clients at the local sandbox (manage.py sandbox); nothing leaves the machine.
POD_SANDBOX = env.bool("POD_SANDBOX", default=False)
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8765").rstrip("/")
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")

RUNPOD_API_KEY = env.str("RUNPOD_API_KEY", default="")
RUNPOD_ENDPOINT_ID = env.str("RUNPOD_ENDPOINT_ID", default="")
RUNPOD_API_BASE = env.str("RUNPOD_API_BASE", default="https://api.runpod.ai/v2").rstrip("/")
RUNPOD_MAX_IN_FLIGHT = env.int("RUNPOD_MAX_IN_FLIGHT", default=8)
RUNPOD_COST_PER_SECOND = env.float("RUNPOD_COST_PER_SECOND", default=0.00044)
GENERATION_TIMEOUT = env.int("GENERATION_TIMEOUT", default=1800)  # seconds from submission
# Jobs submitted beyond RUNPOD_MAX_IN_FLIGHT wait in RunPod's own queue (free until a worker takes them), so a
# GPU that frees up starts the next job at once instead of waiting for our next poll.
RUNPOD_QUEUE_AHEAD = env.int("RUNPOD_QUEUE_AHEAD", default=2)
# Cost estimates before anything is queued use the average run time so far, else this many seconds per image.
GENERATION_ESTIMATED_SECONDS = env.float("GENERATION_ESTIMATED_SECONDS", default=20.0)
# Limits on one request: prompts in one batch, designs one action or batch may create or queue; above
# CONFIRM_DESIGNS_ABOVE the batch form shows the count and estimated cost and asks again.
MAX_PROMPTS_PER_BATCH = env.int("MAX_PROMPTS_PER_BATCH", default=5000)
MAX_DESIGNS_PER_ACTION = env.int("MAX_DESIGNS_PER_ACTION", default=20000)
CONFIRM_DESIGNS_ABOVE = env.int("CONFIRM_DESIGNS_ABOVE", default=100)
# An admin action over more designs than this is carried out by a worker (its progress on a page of its own), and
# the publish confirmation counts such a selection in SQL instead of checking every design in the request.
ACTION_IN_WORKER_ABOVE = env.int("ACTION_IN_WORKER_ABOVE", default=2000)
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=64_000_000)
MAX_IMAGE_BYTES = env.int("MAX_IMAGE_BYTES", default=100 * 1024 * 1024)
# Hosts an output URL may point at even when they resolve to loopback/private addresses: "host:port" allows that
# port only, a bare "host" only the default ports (80 for http, 443 for https).
DOWNLOAD_ALLOW_HOSTS = env.list("DOWNLOAD_ALLOW_HOSTS", default=[])

# --- Print files (designs/print_quality.py, issue 11) ---
# Effective DPI at print size below MIN_PRINT_DPI blocks publishing (a publisher may override); at or above
# TARGET_PRINT_DPI a design is print-ready (merchandising.md: print shops ask for 150–300 DPI).
MIN_PRINT_DPI = env.int("MIN_PRINT_DPI", default=150)
TARGET_PRINT_DPI = env.int("TARGET_PRINT_DPI", default=300)
# Print preparation (upscale, background removal) may run on its own worker image: empty means the generation
# endpoint. Its jobs share the in-flight cap when the endpoint is the same one.
RUNPOD_PRINT_ENDPOINT_ID = env.str("RUNPOD_PRINT_ENDPOINT_ID", default="")
RUNPOD_PRINT_MAX_IN_FLIGHT = env.int("RUNPOD_PRINT_MAX_IN_FLIGHT", default=RUNPOD_MAX_IN_FLIGHT)
PRINT_ESTIMATED_SECONDS = env.float("PRINT_ESTIMATED_SECONDS", default=30.0)
# A 4500×5400 RGBA PNG is 20–40 MB; the pixel cap covers the largest print areas (an 18×24 in poster at 300 DPI
# is 5400×7200 = 39 Mpx).
MAX_PRINT_FILE_BYTES = env.int("MAX_PRINT_FILE_BYTES", default=200 * 1024 * 1024)
MAX_PRINT_PIXELS = env.int("MAX_PRINT_PIXELS", default=50_000_000)

PRINTIFY_API_TOKEN = env.str("PRINTIFY_API_TOKEN", default="")
PRINTIFY_SHOP_ID = env.str("PRINTIFY_SHOP_ID", default="")
PRINTIFY_API_BASE = env.str("PRINTIFY_API_BASE", default="https://api.printify.com/v1").rstrip("/")
PRINTIFY_WEBHOOK_SECRET = env.str("PRINTIFY_WEBHOOK_SECRET", default="")
# Uploads larger than this go by URL (Printify fetches the file: a signed URL from the bucket, or PUBLIC_BASE_URL's);
# smaller ones inline as base64. Printify asks for URLs above 5 MB and plans to refuse base64 above it (§3).
PRINTIFY_UPLOAD_BY_URL_ABOVE = env.int("PRINTIFY_UPLOAD_BY_URL_ABOVE", default=5 * 1024 * 1024)
PRINTIFY_RATE_PER_MINUTE = env.int("PRINTIFY_RATE_PER_MINUTE", default=600)
PRINTIFY_CATALOG_RATE_PER_MINUTE = env.int("PRINTIFY_CATALOG_RATE_PER_MINUTE", default=100)
PRINTIFY_PUBLISH_LIMIT = env.int("PRINTIFY_PUBLISH_LIMIT", default=200)
PRINTIFY_PUBLISH_WINDOW_SECONDS = env.int("PRINTIFY_PUBLISH_WINDOW_SECONDS", default=1800)
# Printify's product answers carry prices in minor units but never say the currency: it is the shop's (set in
# Printify); say it here so prices are shown as money.
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="USD").upper()
# Printify's answers name no currency: its costs are in the Printify account's billing currency (orders' money).
PRINTIFY_BILLING_CURRENCY = env.str("PRINTIFY_BILLING_CURRENCY", default=SHOP_CURRENCY).upper()
# Where most orders ship: the template editor shows Printify's first-item shipping to this country (a code as in
# shipping.json's profiles, e.g. US, GB, DE; profiles without it fall back to REST_OF_THE_WORLD).
SHIPPING_COUNTRY = env.str("SHIPPING_COUNTRY", default="US").upper()
# Variant costs learned from Printify are shown with their age and looked up again after this many hours.
COST_MAX_AGE_HOURS = env.int("COST_MAX_AGE_HOURS", default=24 * 7)

# --- Listings (designs/listing.py is the one place that reads these) ------------------------------------------
# The marketplace's limits; Etsy's by default (the most common Printify channel). The title column holds 200.
LISTING_TITLE_MAX_CHARS = env.int("LISTING_TITLE_MAX_CHARS", default=140)
LISTING_MAX_TAGS = env.int("LISTING_MAX_TAGS", default=13)
LISTING_TAG_MAX_CHARS = env.int("LISTING_TAG_MAX_CHARS", default=20)
LISTING_DESCRIPTION_MAX_CHARS = env.int("LISTING_DESCRIPTION_MAX_CHARS", default=50_000)
# Appended to every product description when set, e.g. "Designed with the help of AI" (Etsy asks for a disclosure).
LISTING_AI_DISCLOSURE = env.str("LISTING_AI_DISCLOSURE", default="")
# LLM listing copy (off unless configured): any OpenAI-compatible chat-completions server, e.g. a RunPod
# serverless vLLM endpoint at https://api.runpod.ai/v2/<endpoint id>/openai/v1 with the RunPod API key.
LLM_API_BASE = env.str("LLM_API_BASE", default="").rstrip("/")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=45.0)  # seconds per answer; keep two of them under Q_TASK_TIMEOUT
LLM_JSON_MODE = env.bool("LLM_JSON_MODE", default=True)  # send response_format json_object (vLLM and OpenAI know it)
# What a million tokens cost in USD (prompt, answer); 0 records token counts only.
LLM_COST_PER_MILLION_INPUT_TOKENS = env.float("LLM_COST_PER_MILLION_INPUT_TOKENS", default=0.0)
LLM_COST_PER_MILLION_OUTPUT_TOKENS = env.float("LLM_COST_PER_MILLION_OUTPUT_TOKENS", default=0.0)
# Ask the LLM for copy as soon as a generated design arrives in review (when the LLM is configured).
LISTING_COPY_AFTER_INGEST = env.bool("LISTING_COPY_AFTER_INGEST", default=False)

if POD_SANDBOX:
    RUNPOD_API_BASE = f"{SANDBOX_URL}/runpod/v2"
    RUNPOD_API_KEY = RUNPOD_API_KEY or "sandbox-runpod-key"
    RUNPOD_ENDPOINT_ID = RUNPOD_ENDPOINT_ID or "sandbox-endpoint"
    PRINTIFY_API_BASE = f"{SANDBOX_URL}/printify/v1"
    PRINTIFY_API_TOKEN = PRINTIFY_API_TOKEN or "sandbox-printify-token"
    PRINTIFY_SHOP_ID = PRINTIFY_SHOP_ID or "1"
    PRINTIFY_WEBHOOK_SECRET = PRINTIFY_WEBHOOK_SECRET or "sandbox-webhook-secret"
    if not LLM_API_BASE:
        LLM_API_BASE = f"{SANDBOX_URL}/openai/v1"
        LLM_API_KEY = LLM_API_KEY or "sandbox-llm-key"
        LLM_MODEL = LLM_MODEL or "sandbox-copywriter"
    # The sandbox serves s3_url outputs on loopback: allow its own host:port only, not the rest of the machine.
    DOWNLOAD_ALLOW_HOSTS = [*DOWNLOAD_ALLOW_HOSTS, urlsplit(SANDBOX_URL).netloc]
RUNPOD_PRINT_ENDPOINT_ID = RUNPOD_PRINT_ENDPOINT_ID or RUNPOD_ENDPOINT_ID


# --- Content-Security-Policy (podsite.csp) ------------------------------------------------------------
# Pages run only our own scripts (admin and review page alike load theirs from static files) and submit only to
# us; style-src allows inline style attributes. Images may also come from Printify's mockup host, MEDIA_URL's
# host, the sandbox (which serves its own mockups) and any host in CSP_IMG_SRC.
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


CSP_IMG_SRC = env.list("CSP_IMG_SRC", default=[])


def _bucket_origins() -> list[str]:
    """Where signed media URLs point: the endpoint (path style), or the bucket's host names on AWS."""
    if MEDIA_STORAGE != "s3":
        return []
    if AWS_S3_ENDPOINT_URL and AWS_S3_ADDRESSING_STYLE == "path":
        return [_origin(AWS_S3_ENDPOINT_URL)]
    if AWS_S3_ENDPOINT_URL:
        parts = urlsplit(AWS_S3_ENDPOINT_URL)
        return [f"{parts.scheme}://{AWS_STORAGE_BUCKET_NAME}.{parts.netloc}"]
    hosts = ["s3.amazonaws.com", *([f"s3.{AWS_S3_REGION_NAME}.amazonaws.com"] if AWS_S3_REGION_NAME else [])]
    return [f"https://{AWS_STORAGE_BUCKET_NAME}.{host}" for host in hosts]


_image_sources = ["'self'", "data:", "https://images.printify.com", _origin(MEDIA_URL), *_bucket_origins()]
_image_sources += CSP_IMG_SRC
if POD_SANDBOX:
    _image_sources.append(_origin(SANDBOX_URL))
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src " + " ".join(dict.fromkeys(source for source in _image_sources if source)),
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)

# --- Logging -------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-q2 logs as "django-q" (a hyphen): its INFO lines ("Enqueued …" on every task) otherwise reach the
        # management commands' stderr through the root handler.
        "django-q": {"level": env.str("Q_LOG_LEVEL", default="WARNING"), "propagate": True},
        # Failed logins and lockouts are warnings; axes' start-up banner and per-login notes are not needed.
        "axes": {"level": "WARNING"},
        # The bucket's client: its DEBUG output is every request's headers and parameters (whole uploads).
        "botocore": {"level": "WARNING"},
        "boto3": {"level": "WARNING"},
        "s3transfer": {"level": "WARNING"},
    },
}

# --- Review at team scale ------------------------------------------------------------------------
# Opening the review page claims this many designs for the reviewer, for this many seconds, renewed while they
# are active (designs/services/claims.py); other reviewers are shown other designs.
REVIEW_CLAIM_SIZE = env.int("REVIEW_CLAIM_SIZE", default=20)
REVIEW_CLAIM_SECONDS = env.int("REVIEW_CLAIM_SECONDS", default=300)
# A go-live or discard after looking at mockups waits this long on the worker before Printify is told, so the
# review page's undo can take it back.
MOCKUP_UNDO_SECONDS = env.float("MOCKUP_UNDO_SECONDS", default=5.0)
# Two images whose 64-bit perceptual hashes differ in at most this many bits are near-duplicates (0..15).
NEAR_DUPLICATE_DISTANCE = env.int("NEAR_DUPLICATE_DISTANCE", default=8)
