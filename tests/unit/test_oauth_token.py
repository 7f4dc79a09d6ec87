"""Consent and token health of servicenow_oauth_token_info, on the fake client: which token row counts as
consent for which grant, and health never "ok" without a token."""

import pytest

from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import oauth_token
from tests.unit.fake_servicenow import FakeClient, FakeTask

NOW = 1_800_000_000.0


def instance_with(grant, token_types, expires="2099-01-01 00:00:00"):
    client = FakeClient()
    client.base_url = "https://fake.service-now.com"
    registry = client.seed("oauth_entity", name="Jira", default_grant_type=grant)
    profile = client.seed("oauth_entity_profile", name="Jira default_profile", oauth_entity=registry, default="true",
                          grant_type=grant)
    # The fake does not dot-walk: the credential carries its profile's and registry's fields as the instance
    # answers them.
    credential = client.seed("oauth_2_0_credentials", name="Jira credential", oauth_entity_profile=profile, **{
        "oauth_entity_profile.grant_type": grant, "oauth_entity_profile.oauth_entity": registry,
        "oauth_entity_profile.oauth_entity.default_grant_type": grant, "oauth_entity_profile.oauth_entity.name": "Jira",
        "oauth_entity_profile.name": "Jira default_profile"})
    for kind in token_types:
        client.seed("oauth_credential", type=kind, expires=expires, peer=registry,
                    sys_created_on="2027-01-01 00:00:00", sys_updated_on="2027-01-01 00:00:00",
                    **{"oauth_requestor_profile.requestor_id": credential})
    return client


def info(client):
    task = FakeTask(client, {"credential": "Jira credential", "wait_timeout": 0, "wait_interval": 1.0,
                             "warn_days": 14})
    return oauth_token.run(task, sleep=lambda seconds: None, clock=lambda: NOW)


@pytest.mark.parametrize("grant,rows,consent", [
    ("authorization_code", [], False),
    ("authorization_code", ["access_token"], False),  # an access token alone is not the consent
    ("authorization_code", ["refresh_token"], True),
    ("client_credentials", ["refresh_token"], False),
    ("client_credentials", ["access_token"], True),
])
def test_consent_counts_only_the_token_row_of_its_grant(grant, rows, consent):
    result = info(instance_with(grant, rows))
    assert result["consent_given"] is consent
    assert result["browser_step_required"] is not consent
    assert (result["health"]["status"] == "not_consented") is not consent


def test_an_expired_refresh_token_is_expired_not_ok():
    result = info(instance_with("authorization_code", ["refresh_token"], expires="2026-01-01 00:00:00"))
    assert result["health"]["status"] == "expired"
