"""Settings from the environment. SQLite by default (demo, tests); PostgreSQL via DATABASE_URL."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SPINEREG_VAR_DIR", Path.cwd() / "var"))

DEBUG = os.environ.get("SPINEREG_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("SPINEREG_SECRET_KEY", "insecure-demo-key-change-me-in-production")
ALLOWED_HOSTS = os.environ.get("SPINEREG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
    ","
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "spinereg.registry.accounts",
    "spinereg.registry.audit",
    "spinereg.registry.patients",
    "spinereg.registry.episodes",
    "spinereg.registry.consent",
    "spinereg.registry.followup",
    "spinereg.registry.outcomes",
    "spinereg.registry.procedures",
    "spinereg.registry.instruments",
    "spinereg.registry.journey",
    "spinereg.registry.evidence",
    "spinereg.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves our own static files (no CDN) in the demo and in production alike.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "spinereg.web.language.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "spinereg.config.urls"
WSGI_APPLICATION = "spinereg.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "patient-list"
LOGOUT_REDIRECT_URL = "login"

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
                "spinereg.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'spinereg.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the embedded worker read while a request writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
# Compiled catalogues (.mo) are committed next to their .po sources: `make messages` rebuilds.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# whitenoise warns (an error under our test settings) when this folder is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the app folders, so `make demo` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get(
    "SPINEREG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

# Follow-up links and text messages (docs/follow-up.md): the site's address as patients reach
# it, and the SMS backend (console by default; HttpSmsBackend speaks a Twilio-style REST API).
# Threads a follow-up worker pass sends with on PostgreSQL (0: 4 there, 1 on SQLite).
SPINEREG_WORKER_SENDERS = int(os.environ.get("SPINEREG_WORKER_SENDERS", "0"))
SPINEREG_BASE_URL = os.environ.get("SPINEREG_BASE_URL", "http://127.0.0.1:8000")
SPINEREG_SMS_BACKEND = os.environ.get(
    "SPINEREG_SMS_BACKEND", "spinereg.registry.followup.sms.ConsoleSmsBackend"
)
SPINEREG_SMS_OPTIONS = {
    "base_url": os.environ.get("SPINEREG_SMS_BASE_URL", ""),
    "account_sid": os.environ.get("SPINEREG_SMS_ACCOUNT_SID", ""),
    "auth_token": os.environ.get("SPINEREG_SMS_AUTH_TOKEN", ""),
    "sender": os.environ.get("SPINEREG_SMS_SENDER", ""),
}

# Patient data never reaches the logs: request bodies are not logged, and errors are reported
# without local variables.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
