"""The Twilio-style SMS adapter against a fake provider on 127.0.0.1 (http.server in a thread,
random port): the request it makes, the provider's refusal, an unreachable provider, and the
worker sending through it end to end."""

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from spinereg.registry.followup.models import Notification
from spinereg.registry.followup.services import contact_preference_set
from spinereg.registry.followup.sms import HttpSmsBackend, SmsError, SmsMessage, sms_backend
from tests.registry.followup.helpers import at, day, run_worker


class FakeProvider(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict]] = []
    answer_status = 201

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        FakeProvider.requests.append(
            {
                "path": self.path,
                "authorization": self.headers["Authorization"],
                "content_type": self.headers["Content-Type"],
                "form": urllib.parse.parse_qs(self.rfile.read(length).decode()),
            }
        )
        body = json.dumps({"sid": f"SM{len(FakeProvider.requests)}", "status": "queued"})
        self.send_response(FakeProvider.answer_status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture
def provider():
    FakeProvider.requests = []
    FakeProvider.answer_status = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/2010-04-01"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _backend(base_url: str) -> HttpSmsBackend:
    return HttpSmsBackend(
        base_url=base_url, account_sid="AC123", auth_token="secret", sender="+15550001"
    )


def test_a_message_is_posted_form_encoded_with_basic_auth(provider):
    accepted = _backend(provider).send_messages(
        [SmsMessage(to="+34600111222", body="North Spine: http://x/f/abc/")]
    )
    assert accepted == 1
    [request] = FakeProvider.requests
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["authorization"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {
        "To": ["+34600111222"],
        "From": ["+15550001"],
        "Body": ["North Spine: http://x/f/abc/"],
    }


def test_a_refusal_names_the_status_not_the_message(provider):
    FakeProvider.answer_status = 401
    with pytest.raises(SmsError) as error:
        _backend(provider).send_messages([SmsMessage(to="+34600111222", body="secret link")])
    assert str(error.value) == "provider answered HTTP 401"


def test_an_unreachable_provider_is_an_sms_error():
    with pytest.raises(SmsError, match="unreachable"):
        _backend("http://127.0.0.1:9").send_messages([SmsMessage(to="+1", body="x")])


def test_missing_options_are_named():
    with pytest.raises(SmsError, match="auth_token, sender"):
        HttpSmsBackend(base_url="http://x", account_sid="AC1")


def test_the_worker_texts_through_the_provider_and_retries_a_refusal(
    settings, provider, clinic_world, episode
):
    settings.SPINEREG_SMS_BACKEND = "spinereg.registry.followup.sms.HttpSmsBackend"
    settings.SPINEREG_SMS_OPTIONS = {
        "base_url": provider,
        "account_sid": "AC123",
        "auth_token": "secret",
        "sender": "+15550001",
    }
    assert isinstance(sms_backend(), HttpSmsBackend)
    identity = clinic_world.patient.identity
    identity.phone = "+34600111222"
    identity.save()
    contact_preference_set(
        patient=clinic_world.patient, channel="sms", actor=clinic_world.coordinator
    )
    FakeProvider.answer_status = 503
    refused = run_worker(at(day(10)))
    assert (refused.sent, refused.retried) == (0, 1)
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.outcome) == ("pending", 1, "SmsError")
    assert row.send_after == at(day(10)).replace(minute=5)

    FakeProvider.answer_status = 201
    assert run_worker(at(day(10)).replace(minute=6)).sent_sms == 1
    assert len(FakeProvider.requests) == 2
    body = FakeProvider.requests[-1]["form"]["Body"][0]
    assert body.startswith("North Spine: http://testserver/f/")
    assert clinic_world.patient.identity.given_name not in body
    row.refresh_from_db()
    assert (row.status, row.channel, row.attempts) == ("sent", "sms", 2)
