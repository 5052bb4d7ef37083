"""Settings, read only from environment variables. Every default runs the embedded stack
(SQLite, a local Redis socket, a local object folder, the database insights sink and a file
email backend) so that `make run` needs no configuration; see the README's table."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dj_database_url

from facedetect.env import (
    env_bool,
    env_int,
    env_int_list,
    env_list,
    env_log_level,
    env_str,
    persistent_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var"))).resolve()

SECRET_KEY = env_str("SECRET_KEY") or persistent_secret(VAR_DIR / "secret_key")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "accounts",
    "jobs",
    "insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "facedetect.middleware.RequireContentLength",
    # Static files (the Swagger UI of /api/v1/docs/, the admin's CSS) from gunicorn itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "facedetect.urls"
WSGI_APPLICATION = "facedetect.wsgi.application"
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
            ]
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL lets readers run beside the writer, IMMEDIATE
    # transactions queue writers instead of failing, and the tests get a file (not an
    # in-memory database) so that the worker thread sees what the test commits. Connections
    # persist like PostgreSQL's: opening one and setting its pragmas cost about 2 ms a request.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis: broker, cache (rate limits) -----------------------------------------------------
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = env_str("REDIS_URL") or f"unix://{EMBEDDED_REDIS_SOCKET}"


def _celery_broker_url(redis_url: str) -> str:
    # redis-py spells a socket "unix://", kombu "redis+socket://"; same server.
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url[len("unix://") :]
    return redis_url


def _next_database(redis_url: str) -> str:
    # The cache (rate-limit counters) lives in the next logical database, so that clearing it
    # never touches the broker's queues.
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str((int(query.get("db", 0)) + 1) % 16)
        return f"unix://{parts.path}?{urlencode(query)}"
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16}"))


CACHE_URL = env_str("CACHE_URL") or _next_database(REDIS_URL)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "facedetect",
        "TIMEOUT": 300,
    }
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers a message not acknowledged within this window; it must exceed the longest
# task (time limits below), and nothing here is scheduled further ahead than it. A broker that
# stops answering without closing the connection (stalled, failed over) fails a blocking
# command after BROKER_SOCKET_TIMEOUT s: without it a submission's publish waited as long as
# the stall, and a client that gave up left a job it never learned the ID of.
BROKER_SOCKET_TIMEOUT = max(1, env_int("BROKER_SOCKET_TIMEOUT", 5))  # 0 would be non-blocking
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
}
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fix-up closes the database connections around every task unless this is set
# (then only every 2 x this many tasks); workers/db.py closes them as Django does around a
# request instead (CONN_MAX_AGE, broken connections).
CELERY_DB_REUSE_MAX = 1000
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process loads TensorFlow and MTCNN before it reports for work (WORKER_PRELOAD_MODEL);
# Celery's default of 4 s kills it for being late on a busy machine, again and again.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = env_int("WORKER_PROC_ALIVE_TIMEOUT", 120)
# A pool process whose memory has grown past this after a task is replaced by a fresh one, which
# loads the model again. With the model loaded a detection process takes about 700 MB, and
# settles near 950 MB after 40 MP images (1.2 GB at the peak of one); 0 means no limit.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("WORKER_MAX_MEMORY_MB", 2048) * 1024 or None
# A job still running after JOB_STALE_AFTER is taken over (the sweeper, claim_job): that is only
# safe if no worker can still hold it, so the hard time limit always ends a task sooner.
JOB_STALE_AFTER = max(60, env_int("JOB_STALE_AFTER", 300))
CELERY_TASK_TIME_LIMIT = min(env_int("TASK_TIME_LIMIT", 180), JOB_STALE_AFTER - 15)
CELERY_TASK_SOFT_TIME_LIMIT = min(env_int("TASK_SOFT_TIME_LIMIT", 120), CELERY_TASK_TIME_LIMIT - 10)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "workers.tasks.detect_faces": {"queue": "detect"},
    "workers.webhooks.*": {"queue": "webhooks"},
    "workers.events.*": {"queue": "events"},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = True  # for flower
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-jobs": {"task": "workers.tasks.sweep_stale_jobs", "schedule": 60.0},
    "purge-deleted-accounts": {"task": "workers.tasks.purge_deleted_accounts", "schedule": 300.0},
    # Webhook retries wait in the database; this sends the due ones to the queue.
    "enqueue-due-webhooks": {
        "task": "workers.webhooks.enqueue_due_webhooks",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
    # A tick that waited longer than the interval is dropped: the next one does the same work.
    "flush-outbox": {
        "task": "workers.events.flush_outbox",
        "schedule": float(env_int("OUTBOX_FLUSH_INTERVAL", 5)),
        "options": {"expires": float(env_int("OUTBOX_FLUSH_INTERVAL", 5))},
    },
    "prune-outbox": {"task": "workers.events.prune_outbox", "schedule": 3600.0},
    # A scheduled report that failed, or whose sender died, is sent again for three days.
    "retry-unsent-reports": {"task": "workers.reports.retry_unsent_reports", "schedule": 1800.0},
}
CELERY_TIMEZONE = "UTC"

# --- Jobs and images ------------------------------------------------------------------------
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 40_000_000)
# Decoded pixels a web process holds at once while checking uploads (jobs/decode_budget.py),
# and how long a check waits for its share before a 503.
DECODE_BUDGET_PIXELS = env_int("DECODE_BUDGET_PIXELS", 80_000_000)
DECODE_WAIT = env_int("DECODE_WAIT", 20)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# Seconds a job waits for an unavailable object store to give its image back (not attempts).
JOB_STORE_WAIT = env_int("JOB_STORE_WAIT", 3600)
# GET /jobs/{id}?wait=N (jobs/waiting.py): the longest N, how many requests one web process
# lets wait at once (keep it below gunicorn's --threads, WEB_THREADS), and how often a waiting
# request re-reads the job in case an announcement was lost.
JOB_WAIT_MAX = env_int("JOB_WAIT_MAX", 30)
JOB_WAIT_MAX_WAITERS = env_int("JOB_WAIT_MAX_WAITERS", 24)
JOB_WAIT_RECHECK = env_int("JOB_WAIT_RECHECK", 2)
DETECT_BATCH_SIZE = env_int("DETECT_BATCH_SIZE", 1)
WORKER_TF_THREADS = env_int("WORKER_TF_THREADS", 1)
# Longest side of the image the detector sees; larger photos are scaled down for detection and
# boxes mapped back (bench/README.md has the measurements behind 1920). 0: no cap.
DETECT_MAX_SIDE = env_int("DETECT_MAX_SIDE", 1920)
WORKER_PRELOAD_MODEL = env_bool("WORKER_PRELOAD_MODEL", False)
# Niceness a detection pool process gives itself when it starts, so that on a machine shared
# with the web tier the API answers first and detection takes the CPU that is left.
WORKER_NICE = env_int("WORKER_NICE", 0)
# Multipart bodies are held in memory up to the upload limit and never spooled to disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 64 * 1024
FILE_UPLOAD_HANDLERS = [
    "jobs.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
]

# --- Dataset exports ------------------------------------------------------------------------
# An export runs as one task, under this time limit; it stays below the broker's visibility
# timeout (3600 s) so that Redis never redelivers a task that is still running.
DATASET_EXPORT_TIME_LIMIT = min(3300, max(60, env_int("DATASET_EXPORT_TIME_LIMIT", 3000)))

# --- Object store ---------------------------------------------------------------------------
OBJECT_STORE_DIR = Path(env_str("OBJECT_STORE_DIR", str(VAR_DIR / "objects")))
S3_BUCKET = env_str("S3_BUCKET")
S3_PREFIX = env_str("S3_PREFIX")
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL") or None

# --- Insights -------------------------------------------------------------------------------
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
ELASTICSEARCH_API_KEY = env_str("ELASTICSEARCH_API_KEY")
ELASTICSEARCH_INDEX_PREFIX = env_str("ELASTICSEARCH_INDEX_PREFIX", "facedetect")
ELASTICSEARCH_TIMEOUT = env_int("ELASTICSEARCH_TIMEOUT", 10)
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 500)
OUTBOX_RETRY_MAX_DELAY = env_int("OUTBOX_RETRY_MAX_DELAY", 300)
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 7)

# --- Webhooks -------------------------------------------------------------------------------
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
# Seconds before each retry after a failed attempt, +-20% jitter: the Standard Webhooks schedule
# (at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; 8 attempts over about 27 hours).
WEBHOOK_RETRY_SCHEDULE = env_int_list("WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000")
WEBHOOK_CONNECT_TIMEOUT = env_int("WEBHOOK_CONNECT_TIMEOUT", 3)
WEBHOOK_READ_TIMEOUT = env_int("WEBHOOK_READ_TIMEOUT", 10)
# Attempts to one host at the same time, so that a slow receiver holds few workers.
WEBHOOK_MAX_IN_FLIGHT_PER_HOST = env_int("WEBHOOK_MAX_IN_FLIGHT_PER_HOST", 4)

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "facedetect <noreply@localhost>")
AWS_SES_REGION_NAME = env_str("AWS_SES_REGION_NAME", env_str("AWS_DEFAULT_REGION", "us-east-1"))
AWS_SES_REGION_ENDPOINT = env_str(
    "AWS_SES_REGION_ENDPOINT", f"email.{AWS_SES_REGION_NAME}.amazonaws.com"
)
# django-ses builds its client from this URL; point it at a local SES (moto) if needed.
AWS_SES_REGION_ENDPOINT_URL = env_str(
    "AWS_SES_REGION_ENDPOINT_URL", f"https://{AWS_SES_REGION_ENDPOINT}"
)
REPORT_RECIPIENTS = env_list("REPORT_RECIPIENTS")
# A report run claimed longer ago than this and still pending is taken to be abandoned (its
# sender died) and may be sent again by the next try.
REPORT_CLAIM_TIMEOUT = env_int("REPORT_CLAIM_TIMEOUT", 900)
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")

# --- API ------------------------------------------------------------------------------------
# How many reverse proxies in front of gunicorn append to X-Forwarded-For. 0: the client is the
# socket's peer and the header is ignored (accounts/clients.py); rate limits by address
# (sign-up, recovery) and the client_ip of user events both follow this.
TRUSTED_PROXIES = max(0, env_int("TRUSTED_PROXIES", 0))
# The largest JSON request body (feedback with its boxes, webhook endpoints, sign-up...).
MAX_JSON_BYTES = env_int("MAX_JSON_BYTES", 1024 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["facedetect.parsers.LimitedJSONParser"],
    "EXCEPTION_HANDLER": "facedetect.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["facedetect.throttling.WindowRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "jobs": env_str("RATE_LIMIT_JOBS", "1200/min"),
        "api": env_str("RATE_LIMIT_API", "6000/min"),
        "signup": env_str("RATE_LIMIT_SIGNUP", "20/hour"),
        "recover": env_str("RATE_LIMIT_RECOVER", "10/hour"),
    },
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "facedetect API",
    "DESCRIPTION": (
        "Submit images, get faces (box, confidence, five landmarks) by polling or webhook."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "jobs.models.JobStatus",
        "DeliveryStatusEnum": "jobs.webhooks.models.DeliveryStatus",
    },
}

# --- Static files, i18n ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves what `collectstatic` put in STATIC_ROOT (make run does it), and finds any
# file it lacks in the apps themselves, so the docs work in an image built without that step.
WHITENOISE_USE_FINDERS = True
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors": {"()": "facedetect.logfilters.ClientErrorsAsWarnings"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": env_log_level("LOG_LEVEL")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
