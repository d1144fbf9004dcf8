"""Text-message backends, chosen by `settings.SPINEREG_SMS_BACKEND` (a dotted path) the way Django
chooses its e-mail backend: the console backend by default (the demo and development), a
memory backend for tests, and an adapter for a Twilio-style REST API (form-encoded POST to
{base_url}/Accounts/{account_sid}/Messages.json with HTTP basic auth), which most SMS gateways
either speak or offer a compatible endpoint for.

A text message carries the clinic's name and the link only (see followup.messages): the phone
screen, the operator and the provider never see health information."""

import base64
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "spinereg.registry.followup.sms.ConsoleSmsBackend"


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str
    body: str


class SmsError(Exception):
    """The provider refused or could not be reached. The message names the status, never the
    recipient or the text."""


class BaseSmsBackend:
    def __init__(self, **options: Any) -> None:
        self.options = options

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Hand the messages over; return how many were accepted. Raise SmsError on refusal."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes each message to standard output, like Django's console e-mail backend."""

    def __init__(self, stream: TextIO | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
            self.stream.flush()
        return len(messages)


# Messages "sent" by the memory backend, for tests (like django.core.mail.outbox).
outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


class HttpSmsBackend(BaseSmsBackend):
    """Twilio-style REST adapter. Options (settings.SPINEREG_SMS_OPTIONS): base_url,
    account_sid, auth_token, sender (the From number or sender id), timeout_seconds."""

    def __init__(
        self,
        *,
        base_url: str = "",
        account_sid: str = "",
        auth_token: str = "",
        sender: str = "",
        timeout_seconds: float = 10.0,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        missing = [
            name
            for name, value in (
                ("base_url", base_url),
                ("account_sid", account_sid),
                ("auth_token", auth_token),
                ("sender", sender),
            )
            if not value
        ]
        if missing:
            raise SmsError(f"SPINEREG_SMS_OPTIONS lacks {', '.join(missing)}")
        self.url = (
            f"{base_url.rstrip('/')}/Accounts/{urllib.parse.quote(account_sid)}/Messages.json"
        )
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.authorization = f"Basic {credentials}"
        self.sender = sender
        self.timeout_seconds = timeout_seconds

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            self._send(message)
        return len(messages)

    def _send(self, message: SmsMessage) -> str:
        """POST one message; return the provider's message id."""
        body = urllib.parse.urlencode(
            {"To": message.to, "From": self.sender, "Body": message.body}
        ).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": self.authorization,
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as reply:
                payload = json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as error:
            error.close()
            raise SmsError(f"provider answered HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"provider unreachable ({type(error).__name__})") from None
        except ValueError:
            raise SmsError("provider answered with invalid JSON") from None
        return str(payload.get("sid", ""))


def sms_backend() -> BaseSmsBackend:
    path = getattr(settings, "SPINEREG_SMS_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND
    options = dict(getattr(settings, "SPINEREG_SMS_OPTIONS", {}) or {})
    backend_class = import_string(path)
    if not issubclass(backend_class, BaseSmsBackend):
        raise SmsError(f"{path} is not an SMS backend")
    return backend_class(**options)  # type: ignore[no-any-return]  # import_string is untyped
