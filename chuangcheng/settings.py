"""Settings, read from the environment (django-environ).

Embedded default (nothing set): SQLite file under ``var/``, Celery over kombu's filesystem
transport under ``var/broker`` (no server needed), local-memory cache, console email.
Production (``DEBUG`` off): refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from chuangcheng import beat_schedule, demo_seeds

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# Commands that only turn code into files (migrations, message catalogues) never serve a
# request or sign anything: they run without production secrets, e.g. a plain
# `manage.py makemigrations --check`.
OFFLINE_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}
_offline = Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] and sys.argv[1] in OFFLINE_COMMANDS
if not DEBUG and not _offline:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
else:
    SECRET_KEY = SECRET_KEY or "insecure-dev-key-only-for-the-embedded-default-run-0123456789"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "chuangcheng.axes_app.AxesConfig",  # django-axes, named in Chinese
    "csp",
    "chuangcheng.imports",
    "simple_history",
    "chuangcheng.org",
    "chuangcheng.campaigns",
    "chuangcheng.notifications",
    "chuangcheng.reports",
    "tasks",
    "inspections",
    "dossiers",
    "evaluations",
    "accountability",
    # Above everything it tracks: the configuration's change history (django-simple-history).
    "chuangcheng.history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A body over MAX_REQUEST_MB is a 413 before anything reads it (files included).
    "chuangcheng.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chuangcheng.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made a change, for the configuration history (chuangcheng.history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "chuangcheng.middleware.VaryOnHtmxMiddleware",
    # A password someone else chose (the admin's) is changed before anything else.
    "chuangcheng.org.middleware.PasswordChangeRequiredMiddleware",
    # The 我的待办 badge counts what its holder just did.
    "chuangcheng.org.middleware.OwnWritesRefreshTodoBadgeMiddleware",
    # Last, as django-axes asks: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chuangcheng.urls"
WSGI_APPLICATION = "chuangcheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chuangcheng.pages.language_next",
            ],
            # Times for people (|when, |when_short, |day…) in every template, no {% load %}.
            "builtins": ["chuangcheng.humantime"],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'chuangcheng.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has web, worker and beat writing one file: wait for the lock
    # instead of failing, and take the write lock at BEGIN so two writers never deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiles the expressions of any plan over jit_above_cost: 80–110 ms a query
# for the briefings' and dashboards' reads of a big city, which run in 100–500 ms without it
# (docs/performance.md). Off for the app's connections unless DATABASE_JIT=1. Through PgBouncer
# the startup option is dropped: set jit = off on the server (docker-compose.yml does).
DATABASE_JIT = env.bool("DATABASE_JIT", default=False)


# Parallel query: the app's reads are many small ones at once, and on a small server (2 cores)
# the workers a 20 ms read starts take the cores the other requests wait for — the cold
# dashboards were 10–20 % faster without, the briefings no slower (docs/performance.md). 0 for
# the app's connections unless DATABASE_PARALLEL_WORKERS says otherwise (-1: the server's own).
DATABASE_PARALLEL_WORKERS = env.int("DATABASE_PARALLEL_WORKERS", default=0)


def _postgres_options(config):
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    options = config.setdefault("OPTIONS", {})
    if not DATABASE_JIT:
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    if DATABASE_PARALLEL_WORKERS >= 0:
        workers = f"-c max_parallel_workers_per_gather={DATABASE_PARALLEL_WORKERS}"
        options["options"] = f"{options.get('options', '')} {workers}".strip()


_postgres_options(DATABASES["default"])
# DATABASE_POOLER=pgbouncer: DATABASE_URL names PgBouncer in transaction pooling mode
# (docker compose --profile pgbouncer). A server connection then changes hands between
# transactions, so Django must not keep named cursors open across them (server-side cursors:
# .iterator() would fail with "cursor does not exist") and gains nothing from keeping its own
# connections: PgBouncer pools them.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
elif DATABASE_POOLER:
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer'.")
# REPLICA_DATABASE_URL: a PostgreSQL streaming replica of DATABASE_URL. The heavy read-only
# pages (dashboards, briefing pages, exports, the public track page) read from it while it is
# up and within REPLICA_MAX_LAG_SECONDS of the primary; everything else, and every write, uses
# the primary (chuangcheng/dbrouting.py; docs/scaling.md).
REPLICA_DATABASE_URL = env.str("REPLICA_DATABASE_URL", default="")
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=30)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5)
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=int(REPLICA_MAX_LAG_SECONDS))
DATABASE_ROUTERS = []
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = env.db_url_config(REPLICA_DATABASE_URL)
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("REPLICA_DATABASE_URL must name a PostgreSQL server (postgres://…).")
    DATABASES["replica"]["OPTIONS"] = {
        # A replica that does not answer costs a request this long, once per check period.
        "connect_timeout": env.int("REPLICA_CONNECT_TIMEOUT", default=2),
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    _postgres_options(DATABASES["replica"])
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOLER == "pgbouncer"
    # Tests use the default database for it (tests/test_replica.py makes a real one).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["chuangcheng.dbrouting.ReplicaRouter"]
    # After a POST (a briefing built or published…) that browser reads from the primary for
    # REPLICA_STICKY_SECONDS: it sees what it just wrote even if the replica has not replayed it.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "chuangcheng.dbrouting.PrimaryAfterWriteMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Short socket timeouts and a breaker (chuangcheng/cache.py): a hung or absent Redis costs a
    # request at most one timeout; the callers fall back (database, per-process throttle counts).
    CACHES = {
        "default": {
            "BACKEND": "chuangcheng.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
                "socket_connect_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth and security --------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: five wrong passwords for one user from one address lock that pair for 15 min.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
if not DEBUG:
    # Production: HTTPS only. An intranet without TLS must say so explicitly.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# django-csp 4: everything from our own origin; no inline script. Inline style attributes are
# allowed because the admin and the UI kit use them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Language and time -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Working time for deadlines in 工作时 (Asia/Shanghai wall-clock periods of a working day).
WORKING_PERIODS = [("08:30", "12:00"), ("13:30", "18:00")]

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded files (evidence, photos, dossiers) go through Django's storage API only. Default: local
# disk under MEDIA_ROOT. FILE_STORAGE=s3 puts them in an S3-compatible bucket (MinIO in
# docker-compose, or a cloud's object storage) through django-storages — install
# requirements-s3.txt and set the S3_* variables (README, "Configuration").
FILE_STORAGE = env.str("FILE_STORAGE", default="local")
if FILE_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET", default="chuangcheng"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY", default=""),
            "secret_key": env.str("S3_SECRET_KEY", default=""),
            "region_name": env.str("S3_REGION", default="") or None,
            # Files are never public: the app streams them to people allowed to see them.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
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

# The configuration history (chuangcheng.history) is append-only: no "revert" from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True

# 建议约谈: the rules that suggest a 约谈 to the office (a person decides). Defaults in
# accountability.selectors.DEFAULT_RULES: 黑旗 in 2 weekly/monthly periods within 30 days, an
# issue overdue by more than 10 working days, 3 反弹 within 30 days.
ACCOUNTABILITY_SUGGESTION_RULES = {}

# 档案资料: the largest file a unit may upload to a dossier (MB).
DOSSIER_MAX_UPLOAD_MB = env.int("DOSSIER_MAX_UPLOAD_MB", default=50)
# The largest request body (all photos and files of one submission together); the reverse proxy's
# client_max_body_size should say the same. Form fields alone stay under Django's 2.5 MB.
MAX_REQUEST_MB = env.int("MAX_REQUEST_MB", default=100)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=2000)

# --- Email ---------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="创城督办 <noreply@chuangcheng.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A hung SMTP server must not hold a worker: well under NOTIFICATION_LEASE_SECONDS.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Notifications and reminders ---------------------------------------------------------------
# Absolute links in emails and webhooks ("https://cc.example.gov.cn"); empty → relative paths.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
# Channels by name. Each has a "class" (chuangcheng.notifications.channels.Channel) and its
# options; "kinds" (optional) limits it to kinds starting with one of the listed prefixes.
# A WeCom/DingTalk/SMS gateway is one more "webhook"-class entry with its own URL.
NOTIFICATION_CHANNELS = {
    "inapp": {"class": "chuangcheng.notifications.channels.InAppChannel"},
    # "url": a separate SMTP for notifications (smtp://user:pass@host:587); empty → EMAIL_*.
    "email": {
        "class": "chuangcheng.notifications.channels.EmailChannel",
        "url": env.str("NOTIFICATION_EMAIL_URL", default=""),
    },
}
if env.str("NOTIFICATION_WEBHOOK_URL", default=""):
    NOTIFICATION_CHANNELS["webhook"] = {
        "class": "chuangcheng.notifications.channels.WebhookChannel",
        "url": env.str("NOTIFICATION_WEBHOOK_URL"),
        "timeout": 10,
        "kinds": env.list("NOTIFICATION_WEBHOOK_KINDS", default=[]) or None,
    }
# 企业微信 / 钉钉 group robots (chuangcheng/notifications/robots.py): one message per item to the
# group, @-mentioning the people it is for. KINDS limits them (e.g. escalation,briefing).
for _robot, _class in (("wecom", "WeComRobotChannel"), ("dingtalk", "DingTalkRobotChannel")):
    if env.str(f"NOTIFICATION_{_robot.upper()}_URL", default=""):
        NOTIFICATION_CHANNELS[_robot] = {
            "class": f"chuangcheng.notifications.robots.{_class}",
            "url": env.str(f"NOTIFICATION_{_robot.upper()}_URL"),
            "secret": env.str(f"NOTIFICATION_{_robot.upper()}_SECRET", default=""),
            "timeout": 10,
            "kinds": env.list(f"NOTIFICATION_{_robot.upper()}_KINDS", default=[]) or None,
        }
# A claimed delivery belongs to its worker this long; then another may retry it. Must exceed
# the longest send (EMAIL_TIMEOUT per SMTP step) so a slow send is never sent twice.
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=300)
# Backoff after a transport error (seconds, by attempt); after the last one the row is failed.
NOTIFICATION_RETRY_DELAYS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600]
# The queue for delivery jobs enqueued by the web (None → Celery's default queue).
NOTIFICATION_QUEUE = env.str("NOTIFICATION_QUEUE", default="") or None
# More than this many new reminders for one person in one pass (not urgent ones) are folded into
# one digest listing them (in-app and email); None turns digests off.
DIGEST_THRESHOLD = env.int("DIGEST_THRESHOLD", default=5)
# Reminder rules (DESIGN §2): before a deadline, when it passes, and escalation while overdue.
# "before": hours before the deadline, per issue severity ("*" for the others) — tasks in days.
# "overdue": steps by days overdue (calendar days in Asia/Shanghai); "to" names who receives it:
# staff / unit_head (of the responsible unit), leader (包保/responsible leader), supervisor
# (who assigned or created it). "catch_up_days": how long the last step is still sent late.
REMINDER_RULES = {
    "task_before_days": [3, 1],
    "issue_before_hours": {"negative_list": [4, 1], "*": [24]},
    "overdue": [
        {"days": 0, "kind": "overdue", "to": ["staff", "unit_head"]},
        {"days": 1, "kind": "overdue", "to": ["staff", "unit_head"]},
        {"days": 3, "kind": "escalation", "to": ["leader", "supervisor"]},
    ],
    "catch_up_days": 2,
    # 签收超时: assigned, not signed by its sign-by time.
    "issue_sign_overdue_to": ["staff", "unit_head", "supervisor"],
}

# --- API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's, refusing a person who must first change the password someone else chose.
        "chuangcheng.org.api.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "chuangcheng.org.api.filtering.RequestedFilterBackend",
        "chuangcheng.pagination.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "chuangcheng.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "chuangcheng.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon": "30/min",
        # 随手拍 (public, no account), per client address: reports through the page and the
        # API together, and status look-ups by tracking code.
        "citizen_report": "5/10m",
        "citizen_track": "60/10m",
    },
    # How many reverse proxies append to X-Forwarded-For in front of the app: 0 means the
    # client is REMOTE_ADDR (a forged header cannot dodge the throttles); behind one proxy, 1.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# /api/v1/schema/ and /api/v1/docs/ for anyone (development) or only for signed-in people.
API_SCHEMA_PUBLIC = env.bool("API_SCHEMA_PUBLIC", default=DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "创城督办 API",
    "DESCRIPTION": "创建全国文明城市 / 国家卫生城市 / 国家园林城市 campaign tracker.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One OpenAPI enum name per choice set: "kind"/"level" exist with different choices on
    # several models, and CityTitle appears as both `title` and `titles`.
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "chuangcheng.org.models.RegionLevel",
        "UnitLevelEnum": "chuangcheng.org.models.UnitLevel",
        "UnitKindEnum": "chuangcheng.org.models.UnitKind",
        "AssignmentKindEnum": "chuangcheng.org.models.AssignmentKind",
        "CityTitleEnum": "chuangcheng.campaigns.models.CityTitle",
        "CampaignStatusEnum": "chuangcheng.campaigns.models.CampaignStatus",
        "EvaluationMethodEnum": "chuangcheng.campaigns.models.EvaluationMethod",
        "RequirementStatusEnum": "dossiers.models.RequirementStatus",
        "MaterialStatusEnum": "dossiers.models.MaterialStatus",
        "DecisionKindEnum": "accountability.models.DecisionKind",
    },
}

# --- List exports ---------------------------------------------------------------------------------
# A list export (问题清单, 任务台账, 检查清单) of at most this many rows is built within the request;
# a larger one is written by a job (后台导出, chuangcheng/imports/exports.py) and downloaded from its
# page when done. Counted with a capped COUNT (LIMIT this + 1), never an exact one.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=3000)
# A finished export's file is deleted this many days after it was written (the job row stays).
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
# The queue for export jobs (None → Celery's default queue); a separate queue keeps a long export
# from delaying notifications when a worker serves it alone.
EXPORT_QUEUE = env.str("EXPORT_QUEUE", default="") or None

# --- Celery ----------------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    # Embedded default: kombu's filesystem transport, so worker and beat run with no server.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (pidbox) exchanges: kombu's default is ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Reliability: a job is acknowledged only after it ran (acks_late), is redelivered if its
# worker dies, and a worker takes one message at a time. The longest job (a briefing run over
# every district of a big city, or a day of summary rows replayed from the event log) is cut at
# CELERY_TASK_TIME_LIMIT; the Redis visibility timeout is three times that, so a running job is
# never handed to a second worker, and a job whose worker was killed comes back within 15
# minutes. Nothing depends on that redelivery: the scheduled jobs catch up by data (every run
# builds what is missing), so a lost message is repaired by the next run.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# On broker loss a running job finishes (its ack may fail: the message is then redelivered after
# the visibility timeout, and jobs are idempotent by data). chuangcheng/celery.py keeps the worker
# alive through a broker restart.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3 * CELERY_TASK_TIME_LIMIT,
        # A hung Redis: a socket operation gives up after 10 s (longer than the worker's 1 s
        # BRPOP poll), connecting after 5 s; idle connections are checked before use. The web's
        # kick after a commit uses much shorter ones (notifications.services.kick).
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "health_check_interval": 25,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule (times are Asia/Shanghai) lives in chuangcheng/beat_schedule.py.
CELERY_BEAT_SCHEDULE = beat_schedule.BEAT_SCHEDULE

# --- Logging -------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes announces itself on every start; keep its warnings (lockouts) only.
    # WeasyPrint logs every page it lays out (briefing PDFs); keep its warnings only.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Briefings (通报): 文号 prefix, the red header's issuer ({city}, {title}: the campaign's region
# and first title), how many units get a red / black flag per group (a campaign's scoring rule
# may override it), and how long the lists get.
BRIEFING_DOCUMENT_PREFIX = env.str("BRIEFING_DOCUMENT_PREFIX", default="创建办")
BRIEFING_ISSUER = env.str("BRIEFING_ISSUER", default="{city}创建{title}工作指挥部办公室")
BRIEFING_FLAG_COUNT = env.int("BRIEFING_FLAG_COUNT", default=3)
BRIEFING_OVERDUE_PER_UNIT = env.int("BRIEFING_OVERDUE_PER_UNIT", default=3)
BRIEFING_LIST_LIMIT = env.int("BRIEFING_LIST_LIMIT", default=100)
# How many finished periods each scheduled run looks back on and builds what is missing.
BRIEFING_CATCH_UP = {"daily": 7, "weekly": 4, "monthly": 2}
# The 版记 of every briefing (报送 / 抄送 lines).
BRIEFING_SEND_TO = env.str("BRIEFING_SEND_TO", default="")
BRIEFING_COPY_TO = env.str("BRIEFING_COPY_TO", default="")

# Demo data: what seed_demo runs after building the city (chuangcheng/demo_seeds.py).
DEMO_SEED_COMMANDS = demo_seeds.SEED_COMMANDS

# Site-wide names.
PRODUCT_NAME = _("创城督办")
