"""Settings for the commitments tracker.

Every deployment setting comes from the environment (see README, "Deployment").
With nothing set, the tracker runs in debug mode on a local SQLite database.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name, default=False):
    """A yes/no setting; a value that is neither (a typo such as "ture") stops the app with a clear error."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of {', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}."
    )


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False) or env_bool("TRACKER_DEV", default=False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"
# Without a key and with DEBUG off, commands that only read the code (check, makemigrations) still
# run; serving refuses to start (tracker/wsgi.py) and anything that signs refuses (Django).
MISSING_SECRET_KEY = (
    "SECRET_KEY must be set when DEBUG is off. For local use set TRACKER_DEV=1 (the README's run command does)."
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "commitments.apps.TrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "commitments",
]

MIDDLEWARE = [
    # First, so that load balancer probes need no Host header, session or HTTPS.
    "commitments.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages and exports for a signed-in person are never kept by a browser or a shared cache.
    "commitments.middleware.PrivateCacheMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "commitments.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a writer commits; busy timeout waits instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions: nothing lives only in one app server's memory -------------------
# CACHE_URL: "locmem://" (one process; the debug default), "db://" (a table made by
# `manage.py createcachetable`; the production default) or "redis://host:port/db".
CACHE_URL = env("CACHE_URL", "locmem://" if DEBUG else "db://")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("db://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_URL[5:] or "tracker_cache",
        }
    }
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL must start with locmem://, db:// or redis://, not {CACHE_URL!r}.")

# "db" (default) keeps sessions in the database; "cached_db" reads them through the cache.
SESSION_ENGINE = "django.contrib.sessions.backends." + env("SESSION_STORE", "db")
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- Sign-in: throttling and two-factor ----------------------------------------------
AUTHENTICATION_BACKENDS = [
    "commitments.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "commitments:dashboard"
LOGOUT_REDIRECT_URL = "login"

# After AXES_FAILURE_LIMIT wrong passwords for one user name from one address, that pair
# is refused for AXES_COOLOFF_HOURS. Attempts are kept in the database, shared by all servers.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(hours=env_int("AXES_COOLOFF_HOURS", 1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind N proxies (nginx, a cloud load balancer, ...) the client address is the N-th from
# the right in X-Forwarded-For: entries further left are whatever the client sent.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "commitments.auth.client_ip_address"
AXES_VERBOSE = False

# When on, reviewers and administrators must sign in with a TOTP code as well as a password.
TRACKER_REQUIRE_2FA = env_bool("TRACKER_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Commitments tracker")

# --- Security headers ----------------------------------------------------------------
# Production runs behind a TLS-terminating proxy that sets X-Forwarded-Proto; the app port
# must only be reachable from that proxy (see docs, "Deployment").
if env_bool("BEHIND_PROXY", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # Preloading commits the whole domain to HTTPS in browsers for good: the domain owner's
    # decision (SECURE_HSTS_PRELOAD=1), not a default.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# No inline script or style and no third-party origin: everything ships with the app.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Languages and time ----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ur", "اردو")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Karachi")
USE_I18N = True
USE_TZ = True
# One date format on every page, the language's (commitments/formats/<language>/formats.py;
# Django ships none for Urdu).
FORMAT_MODULE_PATH = ["commitments.formats"]

# --- Static files and evidence storage ---------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Evidence is never served from a public URL; MEDIA_URL is unused on purpose.
MEDIA_URL = None

# With EVIDENCE_BUCKET set, evidence lives in a private S3-compatible bucket. The bucket
# must block public access; objects are written without a public ACL.
EVIDENCE_BUCKET = env("EVIDENCE_BUCKET", "")
if EVIDENCE_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_BUCKET,
            "location": env("EVIDENCE_BUCKET_PREFIX", ""),
            # For MinIO, Ceph, Backblaze, ...; empty means AWS.
            "endpoint_url": env("EVIDENCE_BUCKET_ENDPOINT_URL") or None,
            "region_name": env("EVIDENCE_BUCKET_REGION") or None,
            # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the machine's role.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("TRACKER_SIGNED_URL_SECONDS", 60),
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"} if env_bool("EVIDENCE_BUCKET_SSE") else {},
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development WhiteNoise looks files up as they are asked for; no collectstatic needed.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
# "app": evidence is streamed by the app after its permission check (the default).
# "signed-url": after the same check, the browser is sent to a short-lived signed URL of the
# bucket (TRACKER_SIGNED_URL_SECONDS), so file bytes do not pass through the app servers.
TRACKER_EVIDENCE_DELIVERY = env("TRACKER_EVIDENCE_DELIVERY", "app")
if TRACKER_EVIDENCE_DELIVERY not in {"app", "signed-url"}:
    raise ImproperlyConfigured("TRACKER_EVIDENCE_DELIVERY must be 'app' or 'signed-url'.")

# Requests larger than this are refused before a view sees them (files: TRACKER_EVIDENCE_MAX_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# Django's own handlers, keeping the length of the name a file was sent with (files.check_upload refuses long ones).
FILE_UPLOAD_HANDLERS = ["commitments.files.MemoryUploadHandler", "commitments.files.TemporaryUploadHandler"]

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# Only for EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: the folder written to.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "tracker@localhost")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Administrators", address) for address in env_list("ADMIN_EMAILS")]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# Backups (`manage.py backup`) are encrypted with this key when it is set
# (make one with `manage.py backup --new-key`).
TRACKER_BACKUP_KEY = env("TRACKER_BACKUP_KEY", "")

# --- The tracker's own settings -------------------------------------------------------
# The organisation running this tracker (an Organisation slug): its latest assessment is
# a commitment's headline status; where it has none, the latest assessment of any source.
TRACKER_ORGANISATION = env("TRACKER_ORGANISATION", "dri")
# The public site address, used in links that leave the site (emails, calendar feeds).
# Unset, links on pages follow the address the page was served on, and links in emails and
# feeds point at the development server (http://127.0.0.1:PORT). Set it in production.
TRACKER_BASE_URL = env("TRACKER_BASE_URL", "")
# The development server's port (./run serves on it).
TRACKER_PORT = env_int("PORT", 8000)
# A commitment none of whose updates has taken effect in this many days is stale.
TRACKER_STALE_DAYS = env_int("TRACKER_STALE_DAYS", 180)
# The public portal (docs/public.md): how long a browser or a shared cache may keep a public page,
# in seconds, and the licence statement published with the open data.
TRACKER_PUBLIC_MAX_AGE = env_int("TRACKER_PUBLIC_MAX_AGE", 300)
TRACKER_OPEN_DATA_LICENCE = env(
    "TRACKER_OPEN_DATA_LICENCE",
    "Creative Commons Attribution 4.0 International (CC BY 4.0), https://creativecommons.org/licenses/by/4.0/",
)
# Civil-society submissions: how many one address may send per hour, and their limits.
TRACKER_SUBMISSIONS_PER_HOUR = env_int("TRACKER_SUBMISSIONS_PER_HOUR", 5)
TRACKER_SUBMISSION_MAX_FILES = env_int("TRACKER_SUBMISSION_MAX_FILES", 3)
TRACKER_SUBMISSION_MAX_BYTES = env_int("TRACKER_SUBMISSION_MAX_BYTES", 5 * 1024 * 1024)
# Largest evidence file accepted, in bytes.
TRACKER_EVIDENCE_MAX_BYTES = env_int("TRACKER_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
# Files accepted in a rejected submission are kept this long so they need not be sent again.
TRACKER_STAGED_UPLOAD_HOURS = env_int("TRACKER_STAGED_UPLOAD_HOURS", 24)
# A PDF report of more commitments than this is refused in favour of the Excel workbook.
TRACKER_PDF_MAX_COMMITMENTS = env_int("TRACKER_PDF_MAX_COMMITMENTS", 2000)
# Reminder thresholds, in days before the due date (0 = due today; negative = overdue).
TRACKER_REMINDER_THRESHOLDS = (30, 7, 0, -1)

# --- Background jobs (Celery) -------------------------------------------------------------
# Long work (large exports and reports, PDF reports, large imports, backups, reminders) runs
# as a Job on a Celery worker (`celery -A tracker worker`); scheduled work comes from Celery
# beat (`celery -A tracker beat`). The broker: Redis (redis://host:6379/0), RabbitMQ
# (amqp://user:password@host:5672/vhost), or, for one machine without either,
# "filesystem://" (a folder queue in CELERY_FILESYSTEM_FOLDER; `./run` falls back to it).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_FILESYSTEM_FOLDER = Path(env("CELERY_FILESYSTEM_FOLDER", str(BASE_DIR / "job-queue")))
# With Redis, a job fetched by a worker that dies is handed to another worker after this many
# seconds: longer than the longest job, or a slow job would be started twice (the second
# attempt then waits for the first: see TRACKER_JOB_LEASE_SECONDS).
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 5,
    # Lets several trackers (or a test) share one Redis without taking each other's jobs.
    "global_keyprefix": env("CELERY_KEY_PREFIX", ""),
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_FOLDER / "out"),
        "data_folder_out": str(CELERY_FILESYSTEM_FOLDER / "out"),
        "control_folder": str(CELERY_FILESYSTEM_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "tracker")
# Run every job at once, in the process that asks for it (the tests do; never in production).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A job is acknowledged only when it has finished, so a worker killed mid-job leaves it to be
# run again; every write of a job is keyed by its id, so running it again duplicates nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Jobs at once per worker (empty: one per core); each worker process is replaced after this many
# jobs, so that the memory a large PDF took is given back.
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 0) or None
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 100)
# A job's state, progress and result are in the database (the Job model), not in Celery.
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "reminders": {
        "task": "commitments.jobs.tasks.job_scheduled",
        "schedule": crontab(hour=env_int("TRACKER_REMINDER_HOUR", 7), minute=0),
        "args": ("reminders",),
    },
    "housekeeping": {
        "task": "commitments.jobs.tasks.job_scheduled",
        "schedule": crontab(minute=15),
        "args": ("housekeeping",),
    },
}
# Nightly backups from beat go to this folder on the worker's machine (empty: none from beat;
# the systemd timer in deploy/ is the alternative).
TRACKER_BACKUP_DIR = env("TRACKER_BACKUP_DIR", "")
if TRACKER_BACKUP_DIR:
    CELERY_BEAT_SCHEDULE["backup"] = {
        "task": "commitments.jobs.tasks.job_scheduled",
        "schedule": crontab(hour=env_int("TRACKER_BACKUP_HOUR", 2), minute=30),
        "args": ("backup",),
    }

# When work is too big to do while the browser waits, it becomes a job:
# a list export of more rows than this,
TRACKER_EXPORT_BACKGROUND_ROWS = env_int("TRACKER_EXPORT_BACKGROUND_ROWS", 10_000)
# an Excel or CSV report of more commitments than this,
TRACKER_REPORT_BACKGROUND_COMMITMENTS = env_int("TRACKER_REPORT_BACKGROUND_COMMITMENTS", 2_000)
# a PDF report of more commitments than this (up to TRACKER_PDF_MAX_COMMITMENTS),
TRACKER_PDF_BACKGROUND_COMMITMENTS = env_int("TRACKER_PDF_BACKGROUND_COMMITMENTS", 100)
# and an import of more rows than this.
TRACKER_IMPORT_BACKGROUND_ROWS = env_int("TRACKER_IMPORT_BACKGROUND_ROWS", 2_000)
# A job's file can be downloaded for this many days, then it is deleted.
TRACKER_JOB_RESULT_DAYS = env_int("TRACKER_JOB_RESULT_DAYS", 7)
# A running job reports progress at least this often (seconds); a job that has not for this
# long is taken to have lost its worker, and another attempt may take it over.
TRACKER_JOB_LEASE_SECONDS = env_int("TRACKER_JOB_LEASE_SECONDS", 15 * 60)
# A job is tried at most this many times (a worker lost mid-job counts as a try).
TRACKER_JOB_MAX_ATTEMPTS = env_int("TRACKER_JOB_MAX_ATTEMPTS", 3)
# --- The API (/api/, see docs/api.md) ---------------------------------------------------
# Requests per token (or per signed-in person without one), as "number/second|minute|hour|day".
TRACKER_API_RATES = {
    "read": env("TRACKER_API_READ_RATE", "3600/hour"),
    "write": env("TRACKER_API_WRITE_RATE", "600/hour"),
}
# A personal access token lives at most this many days.
TRACKER_API_TOKEN_MAX_DAYS = env_int("TRACKER_API_TOKEN_MAX_DAYS", 365)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "commitments.api.authentication.BearerTokenAuthentication",
        "commitments.api.authentication.BrowserSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["commitments.api.permissions.SignedInWithinTokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["commitments.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "commitments.api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "commitments.api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "commitments.api.errors.problem_exception_handler",
    "PAGE_SIZE": 50,
    # The schema's paths are the URL configuration's own ({pk}, not {id}), checked by a test.
    "SCHEMA_COERCE_PATH_PK": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Commitments tracker API",
    "DESCRIPTION": (
        "Instruments, commitments, their status history (who says so, with evidence), reviews, "
        "recommendations and deadlines, under the same rules as the pages: you see exactly what "
        "you may see there. Authenticate with a personal access token (`Authorization: Bearer ...`, "
        "made on the My settings page) or, in a browser, with your session. Errors are RFC 9457 "
        "problem details (`application/problem+json`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["commitments.api.permissions.SignedInWithinTokenScope"],
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "commitments.api.schema.add_problem_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "tryItOutEnabled": False},
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "commitments.choices.Status",
        "SensitivityEnum": "commitments.choices.Sensitivity",
        "PrecisionEnum": "commitments.choices.Precision",
        "InstrumentKindEnum": "commitments.models.Instrument.Kind",
        "OrganisationKindEnum": "commitments.models.Organisation.Kind",
        "JurisdictionKindEnum": "commitments.models.Jurisdiction.Kind",
        "ReviewKindEnum": "commitments.models.Review.Kind",
        "DeadlineKindEnum": ["commitment", "report"],
    },
}
