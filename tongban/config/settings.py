"""tongban settings, read from the environment (see .env.example for every variable).

Two modes: ``embedded`` (default: SQLite, local files, tasks run immediately) and ``production``
(PostgreSQL through DATABASE_URL, S3-compatible storage, database-backed task workers).
Switching is configuration only.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from botocore.config import Config as _botocore_config

from tongban.config.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TONGBAN_VAR_DIR", str(BASE_DIR.parent / "var"))).resolve()

MODE = env_str("TONGBAN_MODE", "embedded")
if MODE not in {"embedded", "production"}:
    raise ConfigError(f"TONGBAN_MODE must be embedded or production, not {MODE!r}")
PRODUCTION = MODE == "production"
if not PRODUCTION:
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("TONGBAN_DEBUG", False)
if PRODUCTION:
    SECRET_KEY = env_str("TONGBAN_SECRET_KEY", required=True)
else:
    SECRET_KEY = env_str("TONGBAN_SECRET_KEY", "embedded-demo-only-not-secret-" + "x" * 20)
ALLOWED_HOSTS = env_list("TONGBAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("TONGBAN_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("TONGBAN_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Django's admin on tongban's site: every write made there, and every read of a personal record,
    # is audited (tongban/audit/adminsite.py).
    "tongban.audit.adminapp.AuditedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "tongban.common",
    "tongban.accounts",
    "tongban.audit",
    "tongban.workdays",
    "tongban.registry",
    "tongban.outlets",
    "tongban.catalog",
    "tongban.cases",
    "tongban.photos",
    "tongban.certificates",
    "tongban.appointments",
    "tongban.storage",
    "tongban.notifications",
    "tongban.feedback",
    "tongban.insights",
    "tongban.enterprises",
    "tongban.rentals",
    "tongban.dogs",
    "tongban.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tongban.common.middleware.LocaleMiddleware",
    "tongban.common.middleware.NulGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tongban.common.middleware.SecurityHeadersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # before the session limits, which tell a signed-out person why
    "django.contrib.messages.middleware.MessageMiddleware",
    "tongban.accounts.middleware.SessionLimitsMiddleware",
    "tongban.accounts.middleware.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tongban.common.dbrouter.ReplicaReadsMiddleware",
    # last, so its process_exception sees a page view's uncaught refusal first
    "tongban.web.errors.DomainErrorPages",
]
CSRF_FAILURE_VIEW = "tongban.web.errors.csrf_failure"

ROOT_URLCONF = "tongban.config.urls"
WSGI_APPLICATION = "tongban.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # project-level overrides of other apps' templates (the Django admin's base_site.html)
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongban.web.context.site",
            ],
        },
    },
    {
        # The page frame, the list pages and their row tables (tongban/web/jinja.py says why):
        # <app>/jinja2/ folders. A page rendered with its request gets the frame's context.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "tongban.web.jinja.environment",
            "context_processors": ["tongban.web.context.jinja_page"],
        },
    },
]

# --- database ---------------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'tongban.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_db)
if PRODUCTION and DATABASE_URL.startswith("sqlite"):
    raise ConfigError("production mode needs DATABASE_URL=postgres://...")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 600)
    # WAL lets readers and one writer work at once; IMMEDIATE makes write transactions take the
    # write lock up front so concurrent writers queue on busy_timeout instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("TONGBAN_TEST_DB", "test_tongban")
    # Server-side parameters and prepared statements: psycopg prepares a statement once it has run
    # DB_PREPARE_THRESHOLD times on a connection, so it is planned once per connection instead of on
    # every call. Turn off behind a PgBouncer older than 1.21 (transaction pooling).
    if env_bool("DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 5)
        )
# A PostgreSQL streaming replica for reads that tolerate a little lag (tongban.common.dbrouter):
# GET requests under these paths read from it; every write, and each browser for
# REPLICA_STICKY_SECONDS after its last write, use the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_READ_PATHS = env_list(
    "TONGBAN_REPLICA_READ_PATHS",
    [
        "/certificates/verify/",
        "/api/v1/certificates/verify",
        "/catalog/",
        "/api/v1/catalog/items",
        "/api/v1/catalog/figures",
        "/outlets/",
        "/api/v1/outlets/",
    ],
)
REPLICA_STICKY_SECONDS = env_int("TONGBAN_REPLICA_STICKY_SECONDS", 15)
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        raise ConfigError("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL")
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    _replica["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["tongban.common.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- cache (login throttling, rate limits) ----------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # File-based so that several WSGI worker processes share throttling counters.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- storage: local files by default, S3-compatible in production -----------------------------
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGE_BACKEND = env_str("TONGBAN_STORAGE", "s3" if PRODUCTION else "local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        # django-storages' S3 backend plus the stored-file ledger and a clear "try again" (503)
        # when the store is unreachable (tongban.storage.backends).
        "BACKEND": "tongban.storage.backends.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("TONGBAN_S3_BUCKET", required=True),
            "endpoint_url": env_str("TONGBAN_S3_ENDPOINT", "") or None,
            "access_key": env_str("TONGBAN_S3_ACCESS_KEY", ""),
            "secret_key": env_str("TONGBAN_S3_SECRET_KEY", ""),
            "region_name": env_str("TONGBAN_S3_REGION", "") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # Fail within seconds when the store is down (the person is told to try again)
            # instead of holding a web thread through botocore's default retries and timeouts.
            "client_config": _botocore_config(
                connect_timeout=env_int("TONGBAN_S3_CONNECT_TIMEOUT", 3),
                read_timeout=env_int("TONGBAN_S3_READ_TIMEOUT", 20),
                retries={"max_attempts": env_int("TONGBAN_S3_ATTEMPTS", 3), "mode": "standard"},
                signature_version="s3v4",
                s3={"addressing_style": env_str("TONGBAN_S3_ADDRESSING", "auto")},
            ),
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {
        "BACKEND": "tongban.storage.backends.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
else:
    raise ConfigError(f"TONGBAN_STORAGE must be local or s3, not {STORAGE_BACKEND!r}")
# Text columns that hold a storage name (every FileField is found by itself): what
# `tongban storage reconcile` counts as referenced.
STORAGE_REFERENCES = ["cases.CaseMaterial.file"]
STORAGES = {
    # Personal files (photos, certificates) are never served as public media: views stream them
    # after an access check.
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- background tasks (django.tasks API via the django-tasks backport) -------------------------
TASKS_BACKEND = env_str("TONGBAN_TASKS", "database" if PRODUCTION else "immediate")
if TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ConfigError(f"TONGBAN_TASKS must be immediate or database, not {TASKS_BACKEND!r}")
# `tongban worker`: a task still running after this long lost its worker and runs again; after
# this many claims it is marked failed instead (tongban.common.taskqueue).
TASK_LEASE_SECONDS = env_int("TONGBAN_TASK_LEASE_SECONDS", 1800)
TASK_MAX_ATTEMPTS = env_int("TONGBAN_TASK_MAX_ATTEMPTS", 3)

# --- accounts and sessions ---------------------------------------------------------------------
# ModelBackend with a cheaper per-request user load (one backend: a failed login hashes once).
AUTHENTICATION_BACKENDS = ["tongban.accounts.backends.UserBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # common Chinese passwords and pinyin names with digits; the person's own ID number, phone, name
    {"NAME": "tongban.accounts.passwords.CommonChinesePasswordValidator"},
    {"NAME": "tongban.accounts.passwords.PersonalDataPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Flash messages live in the session (already loaded for a logged-in user): no signed cookie to
# build and check on every request.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# G4: a session ends after this long idle (staff 15 min, citizens 30 min at most) and this long
# after login whatever the activity (8 h at most); production refuses looser values.
SESSION_IDLE_STAFF_SECONDS = env_int("TONGBAN_SESSION_IDLE_STAFF_SECONDS", 15 * 60)
SESSION_IDLE_CITIZEN_SECONDS = env_int("TONGBAN_SESSION_IDLE_CITIZEN_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("TONGBAN_SESSION_SECONDS", 4 * 3600)
if PRODUCTION and (
    SESSION_IDLE_STAFF_SECONDS > 15 * 60
    or SESSION_IDLE_CITIZEN_SECONDS > 30 * 60
    or SESSION_ABSOLUTE_SECONDS > 8 * 3600
):
    raise ConfigError("session limits above G4 (staff idle 900 s, citizen idle 1800 s, lifetime 28800 s)")
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS: production is served over TLS only (a reverse proxy terminates it and says so in
# X-Forwarded-Proto); HSTS for a year. The health check stays reachable over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("TONGBAN_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("TONGBAN_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
# The preload flag only makes the site eligible; joining the browsers' list is a separate step.
SECURE_HSTS_PRELOAD = env_bool("TONGBAN_HSTS_PRELOAD", PRODUCTION)
if env_bool("TONGBAN_BEHIND_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
# Staff must pass a TOTP second factor; the embedded demo lets staff without a device through.
REQUIRE_STAFF_2FA = env_bool("TONGBAN_REQUIRE_STAFF_2FA", PRODUCTION)
OTP_TOTP_ISSUER = "tongban"
LOGIN_FAILURE_LIMIT = env_int("TONGBAN_LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_SECONDS = env_int("TONGBAN_LOGIN_LOCKOUT_SECONDS", 900)
# Real-name registration: an SMS code to the phone the registry holds, or a code from a window.
REGISTRATION_CODE_SECONDS = env_int("TONGBAN_REGISTRATION_CODE_SECONDS", 300)
REGISTRATION_CODE_ATTEMPTS = env_int("TONGBAN_REGISTRATION_CODE_ATTEMPTS", 5)
WINDOW_CODE_HOURS = env_int("TONGBAN_WINDOW_CODE_HOURS", 72)
# Registration attempts per hour, per client address and per ID number (both steps count).
REGISTER_LIMIT_PER_IP = env_int("TONGBAN_REGISTER_LIMIT_PER_IP", 20)
REGISTER_LIMIT_PER_ID = env_int("TONGBAN_REGISTER_LIMIT_PER_ID", 5)
# Step 1 answers no sooner than this (milliseconds), matched or not: sending the code must not
# make the answer measurably slower than a miss (a timing oracle for name/ID pairs).
REGISTER_MIN_MILLISECONDS = env_int("TONGBAN_REGISTER_MIN_MILLISECONDS", 250)
# Bearer tokens: default and longest lifetime in days.
API_TOKEN_DAYS = env_int("TONGBAN_API_TOKEN_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("TONGBAN_API_TOKEN_MAX_DAYS", 365)
# Staff reveals of a full ID or phone number: per staff member per hour; a clerk may reveal only
# a person they looked up at their window within REVEAL_PRESENCE_SECONDS.
REVEAL_LIMIT_PER_HOUR = env_int("TONGBAN_REVEAL_LIMIT_PER_HOUR", 20)
REVEAL_PRESENCE_SECONDS = env_int("TONGBAN_REVEAL_PRESENCE_SECONDS", 30 * 60)

# --- notifications: SMS and e-mail channels ---------------------------------------------------
# The demo writes SMS and mail under var/outbox (read the codes there); production sends nothing
# until a gateway is configured (TONGBAN_SMS_BACKEND: dotted path of a class like
# tongban.notifications.channels.FileSmsBackend) and SMTP is set.
NOTIFY_OUTBOX_DIR = Path(env_str("TONGBAN_OUTBOX_DIR", str(VAR_DIR / "outbox")))
NOTIFY_SMS_BACKEND = env_str(
    "TONGBAN_SMS_BACKEND",
    "tongban.notifications.channels.DisabledSmsBackend"
    if PRODUCTION
    else "tongban.notifications.channels.FileSmsBackend",
)
EMAIL_BACKEND = env_str(
    "TONGBAN_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(NOTIFY_OUTBOX_DIR / "mail")
EMAIL_HOST = env_str("TONGBAN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("TONGBAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("TONGBAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("TONGBAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TONGBAN_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("TONGBAN_EMAIL_FROM", "tongban@localhost")
# A failed delivery is retried after 1, 2, 4 … minutes (at most an hour apart), this many times.
NOTIFY_MAX_ATTEMPTS = env_int("TONGBAN_NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_RETRY_SECONDS = env_int("TONGBAN_NOTIFY_RETRY_SECONDS", 60)
# A delivery "sending" this long (its worker died mid-send) is handed back by the sweep.
NOTIFY_STALE_SECONDS = env_int("TONGBAN_NOTIFY_STALE_SECONDS", 600)
# A 告知承诺 applicant is reminded once when the promised materials fall due within this many hours.
CASE_COMMITMENT_REMIND_HOURS = env_int("TONGBAN_COMMITMENT_REMIND_HOURS", 72)
# Case submissions one account may make per hour, API and pages together (0 = no limit).
SUBMIT_RATE_PER_HOUR = env_int("TONGBAN_SUBMIT_RATE_PER_HOUR", 30)

# --- i18n: Chinese first, English available ----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- data uploads ------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# What one account may upload per day (case materials): files and bytes (tongban.cases.uploads).
UPLOAD_DAILY_FILES = env_int("TONGBAN_UPLOAD_DAILY_FILES", 40)
UPLOAD_DAILY_BYTES = env_int("TONGBAN_UPLOAD_DAILY_BYTES", 100 * 1024 * 1024)

# --- logging: every handler goes through the masking filter ------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask": {"()": "tongban.common.masking.MaskingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask"], "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("TONGBAN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_tasks": {"level": "WARNING"},
    },
}

# --- domain configuration ---------------------------------------------------------------------
# The shared-registry sources, code → adapter class. A real data exchange replaces an entry here.
REGISTRY_SOURCES = {
    "hukou": "tongban.registry.sources.HukouSource",
    "id_card": "tongban.registry.sources.IdCardSource",
    "driver_licence": "tongban.registry.sources.DriverLicenceSource",
    "vehicle": "tongban.registry.sources.VehicleSource",
    "medical_check": "tongban.registry.sources.MedicalCheckSource",
    "education": "tongban.registry.sources.EducationSource",
    "dog_vaccination": "tongban.registry.sources.DogVaccinationSource",
    "enterprise_vehicle": "tongban.enterprises.sources.EnterpriseVehicleSource",
    "tenancy": "tongban.rentals.sources.TenancySource",
}
DEMO_CITY_CODE = env_str("TONGBAN_CITY", "3301")
CERTIFICATE_KEYS_DIR = Path(env_str("TONGBAN_CERT_KEYS_DIR", str(VAR_DIR / "keys")))
# Dotted path of a factory returning a Signer (e.g. a hardware or SM2 device); empty = software key files.
CERTIFICATE_SIGNER = env_str("TONGBAN_CERT_SIGNER", "")
# Reference data read on every submission (an item's current version, a region's handling
# outlet) is kept this many seconds per process (tongban.common.lookups); 0 reads it every time.
LOOKUP_CACHE_SECONDS = env_int("TONGBAN_LOOKUP_CACHE_SECONDS", 5)
# Parallel audit chains (PostgreSQL): concurrent writers append to different chains.
AUDIT_CHAINS = env_int("TONGBAN_AUDIT_CHAINS", 8)
# Signed checkpoints of the audit chains, kept outside the database (docs/security.md "Audit log").
# Their own Ed25519 key, never the certificate key; production refuses to invent it.
AUDIT_KEYS_DIR = Path(env_str("TONGBAN_AUDIT_KEYS_DIR", str(VAR_DIR / "audit-keys")))
if AUDIT_KEYS_DIR.resolve() == CERTIFICATE_KEYS_DIR.resolve():
    raise ConfigError("TONGBAN_AUDIT_KEYS_DIR must differ from TONGBAN_CERT_KEYS_DIR: checkpoints have their own key")
AUDIT_SIGNER = env_str("TONGBAN_AUDIT_SIGNER", "")  # dotted path of a Signer factory (hardware key)
# Where checkpoints are written: a directory, or s3://bucket/prefix (same endpoint and credentials
# as TONGBAN_S3_*). Point it somewhere the application's database writer cannot rewrite.
AUDIT_CHECKPOINTS = env_str("TONGBAN_AUDIT_CHECKPOINTS", str(VAR_DIR / "audit-checkpoints"))
AUDIT_CHECKPOINT_STORAGE = "audit_checkpoints"
if AUDIT_CHECKPOINTS.startswith("s3://"):
    _bucket, _, _prefix = AUDIT_CHECKPOINTS.removeprefix("s3://").partition("/")
    STORAGES[AUDIT_CHECKPOINT_STORAGE] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "location": _prefix.strip("/"),
            "endpoint_url": env_str("TONGBAN_S3_ENDPOINT", "") or None,
            "access_key": env_str("TONGBAN_S3_ACCESS_KEY", ""),
            "secret_key": env_str("TONGBAN_S3_SECRET_KEY", ""),
            "region_name": env_str("TONGBAN_S3_REGION", "") or None,
            "default_acl": None,
            "file_overwrite": False,
        },
    }
else:
    STORAGES[AUDIT_CHECKPOINT_STORAGE] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": AUDIT_CHECKPOINTS, "base_url": None, "file_permissions_mode": 0o644},
    }
# `tongban audit verify` fails when no signed checkpoint exists (on by default in production).
AUDIT_CHECKPOINT_REQUIRED = env_bool("TONGBAN_AUDIT_CHECKPOINT_REQUIRED", PRODUCTION)
# Retention of the other logs kept in the database (G14): rows older than this many days are
# deleted by `tongban audit retention`; 6 months is the legal floor. Audit entries are never
# deleted (docs/adr/0008-audit-checkpoints-and-retention.md).
LOG_RETENTION_DAYS = env_int("TONGBAN_LOG_RETENTION_DAYS", 365)
if LOG_RETENTION_DAYS < 183:
    raise ConfigError("TONGBAN_LOG_RETENTION_DAYS must be at least 183 (six months, the legal floor)")
# Which logs the retention job trims: model label → its timestamp field.
LOG_RETENTION_MODELS = {"admin.LogEntry": "action_time", "django_tasks_database.DBTaskResult": "finished_at"}
# Anonymous verifications: "batch" (one audit entry per second per worker) or "sync" (each).
CERTIFICATE_VERIFY_AUDIT = env_str("TONGBAN_CERT_VERIFY_AUDIT", "batch")
MAP_TILES = env_str("TONGBAN_MAP_TILES", "none")  # none | osm | tianditu
MAP_TILES_URL = env_str("TONGBAN_MAP_TILES_URL", "")
TIANDITU_KEY = env_str("TONGBAN_TIANDITU_KEY", "")
# Image hosts the Content-Security-Policy allows besides this site: the basemap's tile servers.
_TILE_HOSTS = {
    "osm": ["https://tile.openstreetmap.org", "https://*.tile.openstreetmap.org"],
    "tianditu": ["https://*.tianditu.gov.cn"],
}
CSP_IMG_HOSTS = env_list(
    "TONGBAN_CSP_IMG_HOSTS",
    _TILE_HOSTS.get(MAP_TILES, [])
    + (["/".join(MAP_TILES_URL.split("/")[:3]).replace("{s}", "*")] if MAP_TILES_URL else []),
)
