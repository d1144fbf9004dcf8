"""The follow-up fixtures of tests/registry/followup, shared with the page and API tests."""

from tests.registry.followup.conftest import _followup_settings, episode  # noqa: F401
