"""The emulated Atlassian Cloud: Jira Cloud sites, the API gateway and the authorization server.

Typical use in a test::

    cloud = AtlassianCloud()
    site = cloud.add_site("acme")                       # https://acme.atlassian.net, site.cloud_id
    user = site.add_user("admin@example.com", admin=True)
    token = user.add_api_token()                        # classic; kind="scoped", scopes=(...) for the gateway
    site.add_project("OPS", "Operations")
    board = site.add_board("OPS board", project_key="OPS")
    site.add_sprint(board.id, "Sprint 1", "active")
    app = cloud.add_oauth_app("snow", callback_urls=["https://dev1.service-now.com/oauth_redirect.do"],
                              scopes=["read:jira-work", "read:jira-user"])
    code = cloud.grant_consent(app, user, "read:jira-work offline_access", app.callback_urls[0])
    cloud.clock.advance(days=91)
    cloud.set_rate_limit("acme", requests=10, per_seconds=60)
    cloud.rate_limit_next(2, retry_after=1)
    cloud.token_info(access_token)                      # TokenInfo or None

Serve it with ``EmulatorServer([cloud, ...], tls=...)`` (``tests/emulator/server.py``).
"""

from .app import AtlassianCloud
from .auth import OAuthError
from .model import Account, Clock, OAuthApp, Site, TokenInfo, User

__all__ = ["AtlassianCloud", "Account", "Clock", "OAuthApp", "OAuthError", "Site", "TokenInfo", "User"]
