"""Pix Me! settings. Everything comes from the environment (read here and nowhere else) with
embedded defaults: SQLite in WAL mode under var/, local media under var/media, jobs run inside
the ASGI process, the in-memory channel layer, the offline studio engine. See README.md.

Longer than the 400 lines a module gets here, on purpose: the environment is read in this one
place, each setting beside the reason for its default (README's Configuration table lists them).
"""

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from pixme.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_rate,
    env_str,
    env_trusted_proxies,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PIXME_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://localhost:8000")

# daphne only gives `manage.py runserver` its ASGI server (the progress socket in development).
# Loaded, it installs Twisted's reactor: a quarter of a CPU-second more for every other process
# (uvicorn, its runners, each worker and management command), so only runserver loads it.
RUNSERVER = sys.argv[1:2] == ["runserver"]

INSTALLED_APPS = [
    *(["daphne"] if RUNSERVER else []),
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "accounts",
    "jobs",
    "avatars",
    "webhooks",
    "idempotency",
    "backups",
    # Last, as its docs ask: deletes a row's files (after commit) however the row is deleted.
    "django_cleanup.apps.CleanupConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every page (django-csp; the policy is below).
    "pixme.content_security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A page's unhandled ApplicationError (an unreadable number, a limit) as a 400/429 page.
    "pixme.errors.ApplicationErrorMiddleware",
    # Last: turns a locked-out log-in (pages, admin, the API's token) into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pixme.urls"
ASGI_APPLICATION = "pixme.asgi.application"
WSGI_APPLICATION = None

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
                "accounts.context_processors.suspension",
            ],
        },
    },
]

# SQLite in WAL mode by default: readers never block the job writing progress.
_sqlite = {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": VAR_DIR / "pixme.sqlite3",
    "OPTIONS": {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    },
}
DATABASE_URL = env_str("DATABASE_URL")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL) if DATABASE_URL else _sqlite}
# Web processes close their connection after each request, as Django advises under ASGI: each
# request runs in a thread of its own there, so a kept connection would never be reused, only
# linger. Job runners are one long-lived thread polling all day: they keep theirs
# (PIXME_WORKER_CONN_MAX_AGE seconds, checked before reuse; jobs.worker.make_worker).
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
PIXME_WORKER_CONN_MAX_AGE = env_int("PIXME_WORKER_CONN_MAX_AGE", 600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Log-in brute force (django-axes): after PIXME_LOGIN_FAILURE_LIMIT wrong passwords for one
# username, or from one address, log-in there is refused for PIXME_LOGIN_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("PIXME_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PIXME_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "pixme.client_address.client_address"
# Which X-Forwarded-For to believe for the client's address (every limit and lockout keyed by
# address; pixme.client_address): unset, none — REMOTE_ADDR; a count of proxies in front; or
# the proxies' networks. uvicorn runs with --no-proxy-headers: this is the only rule.
PIXME_TRUSTED_PROXIES = env_trusted_proxies("PIXME_TRUSTED_PROXIES")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "avatars:list"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the app/static folders too, so a fresh checkout works before collectstatic.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Media is never served from a public URL: views check the owner, then stream the file.

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300),
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: checked by decoding (avatars/images.py), never by file name.
PIXME_UPLOAD_MAX_BYTES = env_int("PIXME_UPLOAD_MAX_BYTES", 15 * 1024 * 1024)
PIXME_UPLOAD_MAX_PIXELS = env_int("PIXME_UPLOAD_MAX_PIXELS", 40_000_000)
PIXME_STORED_MAX_SIDE = env_int("PIXME_STORED_MAX_SIDE", 2048)
# Uploads decoded at once per process (each may cost a few hundred MB at 40 MP; 0 = no
# limit), and how long one waits for its turn before the answer is "busy, try again" (503).
PIXME_DECODES_AT_ONCE = env_int("PIXME_DECODES_AT_ONCE", 2)
PIXME_DECODE_WAIT_SECONDS = env_float("PIXME_DECODE_WAIT_SECONDS", 10.0)
DATA_UPLOAD_MAX_MEMORY_SIZE = PIXME_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Pix Me! <noreply@localhost>")
# An address is confirmed by a signed link sent to it (accounts.confirmation), valid this many
# days; asking for it again is limited per account (a DRF rate; off = none).
PIXME_EMAIL_CONFIRM_DAYS = env_int("PIXME_EMAIL_CONFIRM_DAYS", 3)
PIXME_EMAIL_CONFIRM_RATE = env_rate("PIXME_EMAIL_CONFIRM_RATE", "5/hour")

# Channels: in-memory by default (one process); Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The cache holds the API's throttle counts: shared by every process through Redis.
# "picture_rate" counts the picture URL's answers per client address (avatars.picture): a
# busy forum page brings a key per reader, which in the embedded default's memory cache (300
# keys) would push out the API's counts, so it has its own room.
# "pictures": what each picture URL's hash shows (avatars.picture). Every process that changes
# a current version must be able to forget it — the embedded runner is a process of its own —
# so without Redis it is a folder of var/, shared by every process on the machine (a memory
# cache kept the old picture in the web process for up to 30 s after the runner changed it).
PIXME_PICTURE_CACHE_DIR = Path(
    env_str("PIXME_PICTURE_CACHE_DIR", str(VAR_DIR / "cache" / "pictures"))
)
CACHES = (
    {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "picture_rate": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "pictures": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
    }
    if REDIS_URL
    else {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "picture_rate": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "picture_rate",
            "OPTIONS": {"MAX_ENTRIES": 50_000},  # ≤ ~15 MB (IPv6 keys)
        },
        "pictures": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(PIXME_PICTURE_CACHE_DIR),
            "OPTIONS": {"MAX_ENTRIES": 10_000},  # a small file per hash asked for lately
        },
    }
)

# The first handler stops keeping an upload once it passes PIXME_UPLOAD_MAX_BYTES.
FILE_UPLOAD_HANDLERS = [
    "pixme.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Jobs: the database task backend (django-tasks-db), two queues. "default": renders and reels,
# which people watch; PIXME_BACKGROUND_QUEUE: what nobody waits on (a version's after-work,
# webhook deliveries), run apart so a render never waits behind it. Embedded: the ASGI server
# starts a job runner child per queue (jobs.embedded.LANES); scale-out
# (PIXME_EMBEDDED_WORKER=false): `manage.py pixme_worker` processes (woken by PostgreSQL's
# LISTEN/NOTIFY), each on the queues it is given (all of them by default).
PIXME_BACKGROUND_QUEUE = "background"
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", PIXME_BACKGROUND_QUEUE],
    }
}
PIXME_EMBEDDED_WORKER = env_bool("PIXME_EMBEDDED_WORKER", not REDIS_URL)

# API tokens (django-rest-knox): named, stored as SHA-512 digests, shown once. They expire
# PIXME_TOKEN_TTL_DAYS after creation (0: never): a year, so a forgotten or leaked token dies
# on its own while a CI secret is not a monthly chore; the profile page shows each expiry.
PIXME_TOKEN_TTL_DAYS = env_int("PIXME_TOKEN_TTL_DAYS", 365)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=PIXME_TOKEN_TTL_DAYS) if PIXME_TOKEN_TTL_DAYS else None,
    # 40 hex characters (160 random bits), as DRF's tokens were: old and new look alike.
    "AUTH_TOKEN_CHARACTER_LENGTH": 40,
    "AUTH_HEADER_PREFIX": "Token",
    # Every request looks at all of the user's tokens (knox drops the expired ones).
    "TOKEN_LIMIT_PER_USER": 100,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "pixme.api.permissions.NotSuspended",
    ],
    "DEFAULT_PAGINATION_CLASS": "pixme.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "pixme.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # Never a 500 for a body: nesting too deep or a bad encoding is a 400 (pixme.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "pixme.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "pixme.api.throttles.BurstRateThrottle",
        "pixme.api.throttles.SustainedRateThrottle",
        "pixme.api.throttles.CreateRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "burst": env_rate("PIXME_API_BURST_RATE", "120/min"),
        "sustained": env_rate("PIXME_API_SUSTAINED_RATE", "5000/day"),
        "create": env_rate("PIXME_CREATE_RATE", "10/min"),
    },
}
# The OpenAPI contract at /api/schema/ and its docs at /api/docs/ (assets from the sidecar
# package: no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "Pix Me! API",
    "DESCRIPTION": "Turn a selfie into a pop-culture avatar and refine it in plain words.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets named "reason" (a report's, a deletion receipt's): each its own name;
    # reels and sticker packs share one status (queued, making, ready, failed): one name for it.
    "ENUM_NAME_OVERRIDES": {
        "MakingStatusEnum": "avatars.models.Reel.Status",
        "ReasonEnum": "avatars.models.Report.Reason",
        "DeletionReasonEnum": "accounts.models.DeletionReceipt.Reason",
        "DeletionKindEnum": "accounts.models.DeletionReceipt.Kind",
    },
}
# Content-Security-Policy (django-csp): scripts and styles come only from our own static files —
# no inline <script>, <style>, style="" or on…="" anywhere — so injected markup can't run or
# restyle a page. Images are ours, plus blob: (the upload preview, the reel) and data: (the
# API docs' icons). 'self' also covers the progress socket (ws:/wss: on this host, CSP 3).
# The API docs, the admin and DRF's browsable API live under it too
# (pixme/content_security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# An Idempotency-Key on a create or an edit answers a repeat with the first answer for this long.
PIXME_IDEMPOTENCY_HOURS = env_int("PIXME_IDEMPOTENCY_HOURS", 24)
# Webhooks may call private or loopback addresses only when this is on (tests, DEBUG).
PIXME_WEBHOOKS_ALLOW_PRIVATE = env_bool("PIXME_WEBHOOKS_ALLOW_PRIVATE", False)

# Content Credentials (C2PA) on every version: the signing chain (signing certificate first)
# and its PKCS#8 key, as PEM text or paths. Unset: a local root and signer generated once in
# PIXME_C2PA_DIR (files then verify elsewhere as signed by an untrusted local issuer).
PIXME_C2PA_CHAIN = env_str("PIXME_C2PA_CHAIN", "")
PIXME_C2PA_KEY = env_str("PIXME_C2PA_KEY", "")
# More roots to call trusted (PEM text or a path): a chain that stops below its root.
PIXME_C2PA_TRUST_ANCHORS = env_str("PIXME_C2PA_TRUST_ANCHORS", "")
PIXME_C2PA_DIR = Path(env_str("PIXME_C2PA_DIR", str(VAR_DIR / "c2pa")))
# Files checked at /verify/ and POST /api/verify/ per address (a DRF rate; off = none).
PIXME_VERIFY_RATE = env_rate("PIXME_VERIFY_RATE", "30/min")
# Accounts made per address on the sign-up page (a DRF rate; off = none).
PIXME_SIGNUP_RATE = env_rate("PIXME_SIGNUP_RATE", "10/hour")
# Checking a file runs in one of PIXME_VERIFY_WORKERS reader processes (a check that finds them
# all busy is refused) and is stopped past PIXME_VERIFY_TIMEOUT_SECONDS: a file made to be slow
# to parse costs one process that long, never the site.
PIXME_VERIFY_WORKERS = env_int("PIXME_VERIFY_WORKERS", 2)
PIXME_VERIFY_TIMEOUT_SECONDS = env_float("PIXME_VERIFY_TIMEOUT_SECONDS", 5.0)
if PIXME_VERIFY_WORKERS < 1 or PIXME_VERIFY_TIMEOUT_SECONDS <= 0:
    raise ImproperlyConfigured(
        "PIXME_VERIFY_WORKERS must be at least 1 and PIXME_VERIFY_TIMEOUT_SECONDS above 0"
    )
# Account exports (the zip of everything) per user, on the page and the API together.
PIXME_EXPORT_RATE = env_rate("PIXME_EXPORT_RATE", "5/hour")
# Style previews (POST /api/preview/, the slider's pictures) per account: a drag asks for a
# few a second at most (the page waits for a pause).
PIXME_PREVIEW_RATE = env_rate("PIXME_PREVIEW_RATE", "120/min")
PIXME_VERSION = "0.1.0"  # named in every manifest as the claim generator's version

# `pixme_check_storage --fix` lists but never deletes an orphan file younger than this: it may
# belong to a row still being saved (a file is stored a moment before its row commits).
PIXME_ORPHAN_MIN_AGE_MINUTES = env_int("PIXME_ORPHAN_MIN_AGE_MINUTES", 60)

# How long a user's photo (the selfie an avatar is drawn from) is kept: each user chooses on
# their profile, among the choices no longer than PIXME_PHOTO_RETENTION_LONGEST; who never chose
# gets PIXME_PHOTO_RETENTION_DEFAULT. Shortest first (accounts.models.PhotoRetention):
# "when_done" (once the avatar's first drawing is done), "days_30", "keep" (until the avatar is
# deleted).
PHOTO_RETENTIONS = ("when_done", "days_30", "keep")
PIXME_PHOTO_RETENTION_DEFAULT = env_choice(
    "PIXME_PHOTO_RETENTION_DEFAULT", "keep", PHOTO_RETENTIONS
)
PIXME_PHOTO_RETENTION_LONGEST = env_choice(
    "PIXME_PHOTO_RETENTION_LONGEST", "keep", PHOTO_RETENTIONS
)
if PHOTO_RETENTIONS.index(PIXME_PHOTO_RETENTION_DEFAULT) > PHOTO_RETENTIONS.index(
    PIXME_PHOTO_RETENTION_LONGEST
):
    raise ImproperlyConfigured(
        f"PIXME_PHOTO_RETENTION_DEFAULT ({PIXME_PHOTO_RETENTION_DEFAULT}) keeps photos longer "
        f"than PIXME_PHOTO_RETENTION_LONGEST ({PIXME_PHOTO_RETENTION_LONGEST}) allows"
    )
# Sweeps (jobs.periodic: photos past their time) run at every `pixme_recover`, and in the
# embedded default in the background runner at its start and every PIXME_SWEEP_SECONDS.
PIXME_SWEEP_SECONDS = env_float("PIXME_SWEEP_SECONDS", 600.0)
if PIXME_SWEEP_SECONDS <= 0:
    raise ImproperlyConfigured("PIXME_SWEEP_SECONDS must be above 0")

# Every open report puts the avatar in the moderators' queue; this many from established
# accounts (one that has made an avatar and is PIXME_REPORTER_MIN_AGE_HOURS old; 0: any age)
# pause its shared link, so a handful of fresh accounts can't take any link down.
PIXME_REPORTS_TO_HIDE = env_int("PIXME_REPORTS_TO_HIDE", 3)
PIXME_REPORTER_MIN_AGE_HOURS = env_int("PIXME_REPORTER_MIN_AGE_HOURS", 24)
# Unfinished versions (queued or drawing) one user may have at once; 0 = no cap.
PIXME_MAX_UNFINISHED_PER_USER = env_int("PIXME_MAX_UNFINISHED_PER_USER", 3)

# Engines. Gemini shows up only when a key is set.
PIXME_DEFAULT_ENGINE = "studio"
GEMINI_API_KEY = env_str("GEMINI_API_KEY")
# The first is the default; retired names are read as their replacements
# (avatars/engines/gemini/model_table.py).
GEMINI_MODELS = env_list(
    "GEMINI_MODELS",
    ["gemini-3.1-flash-image", "gemini-3-pro-image", "gemini-3.1-flash-lite-image"],
)
GEMINI_BASE_URL = env_str("GEMINI_BASE_URL")
GEMINI_TIMEOUT_SECONDS = env_float("GEMINI_TIMEOUT_SECONDS", 60.0)
GEMINI_RETRY_ATTEMPTS = env_int("GEMINI_RETRY_ATTEMPTS", 2)
GEMINI_HISTORY_BUDGET_BYTES = env_int("GEMINI_HISTORY_BUDGET_BYTES", 8 * 1024 * 1024)
PIXME_DAILY_QUOTA = env_int("PIXME_DAILY_QUOTA", 50)
# Transient engine failures are retried twice: wait this long before each retry (seconds);
# a rate limit's "retry in N s" hint may stretch a wait up to PIXME_RETRY_MAX_WAIT.
PIXME_RETRY_BACKOFF = (1.0, 3.0)
PIXME_RETRY_MAX_WAIT = env_float("PIXME_RETRY_MAX_WAIT", 30.0)

# The production switch: the site is served over HTTPS (behind a proxy that says so in
# X-Forwarded-Proto). Redirects HTTP, sends HSTS, keeps cookies off plain HTTP; with it,
# `manage.py check --deploy` is clean.
PIXME_HTTPS = env_bool("PIXME_HTTPS", False)
if PIXME_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A load balancer probes the processes themselves, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("PIXME_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PIXME_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("PIXME_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# /readyz tells everyone only "ok" or "unavailable"; which back-ends run and how fast goes only
# to a probe that sends "Authorization: Bearer <PIXME_READYZ_TOKEN>" or comes from one of
# PIXME_READYZ_NETWORKS (pixme/health.py).
PIXME_READYZ_TOKEN = env_str("PIXME_READYZ_TOKEN")
PIXME_READYZ_NETWORKS = env_networks("PIXME_READYZ_NETWORKS")

# One-time websocket tickets never reach uvicorn's log (pixme/log_redaction.py). Configuring
# uvicorn.access here replaces uvicorn's own access handler, so it is restated as uvicorn makes
# it (stdout, its format); uvicorn's --log-level still applies, its --no-access-log no longer
# does (use --log-level warning).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tickets": {"()": "pixme.log_redaction.RedactTickets"}},
    "formatters": {
        "uvicorn_access": {
            "()": "uvicorn.logging.AccessFormatter",
            "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "uvicorn_access": {
            "class": "logging.StreamHandler",
            "formatter": "uvicorn_access",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # libvips (WebP uploads) tells of every thread pool it ends at INFO: only its warnings.
        "pyvips": {"level": "WARNING"},
        # No handlers of their own (they write through their parents'): only the filter.
        "uvicorn.error": {"filters": ["redact_tickets"]},
        "django.channels.server": {"filters": ["redact_tickets"]},  # daphne's runserver
        "uvicorn.access": {
            "handlers": ["uvicorn_access"],
            "filters": ["redact_tickets"],
            "propagate": False,
        },
    },
}

# Runners are woken when a job is queued (jobs.wakeup); they also look this often anyway,
# in case a wake-up was lost.
PIXME_WORKER_POLL_SECONDS = env_float("PIXME_WORKER_POLL_SECONDS", 1.0)
# The embedded runner's niceness (0-19): above the web server's, so pages come first.
PIXME_RUNNER_NICE = min(max(env_int("PIXME_RUNNER_NICE", 10), 0), 19)
# The embedded background runner's (after-work, webhook deliveries): above the job runner's,
# so a render gets the CPU first.
PIXME_BACKGROUND_NICE = min(max(env_int("PIXME_BACKGROUND_NICE", 15), 0), 19)

# The picture URL (/avatar/<hash>, avatars.picture): answers per client address (a DRF rate,
# counted in a fixed window; off = none) — a forum page shows dozens of pictures at once, and
# a whole office may share one address; encoded pictures kept in each process's memory; the
# sizes of one version kept in the storage (others are cut again when memory lets them go).
PIXME_PICTURE_RATE = env_rate("PIXME_PICTURE_RATE", "1200/min")
PIXME_PICTURE_MEMORY_MB = env_int("PIXME_PICTURE_MEMORY_MB", 64)
PIXME_PICTURE_SIZES_KEPT = env_int("PIXME_PICTURE_SIZES_KEPT", 24)
