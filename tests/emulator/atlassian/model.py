"""In-memory state of the emulated Atlassian Cloud: accounts, sites, Jira data, OAuth apps and tokens.

Every object here belongs to one ``AtlassianCloud`` and is guarded by its re-entrant lock (the network front is
threaded). Secrets (API tokens, client secrets, OAuth tokens) are random per run; API tokens are stored as
hashes only, like Atlassian does, so the value is known once: when it is created.
"""

import datetime
import hashlib
import hmac
import secrets
import threading
import time
import uuid

DAY = 86400.0
ACCESS_TOKEN_LIFETIME = 3600
AUTH_CODE_LIFETIME = 600
REFRESH_REUSE_WINDOW = 600  # a rotated refresh token may be used again for 10 minutes
REFRESH_INACTIVITY = 90 * DAY
REFRESH_ABSOLUTE = 365 * DAY


class Conflict(ValueError):
    """Something with that name or key already exists."""


def random_token(prefix="", nbytes=32):
    return prefix + secrets.token_urlsafe(nbytes)


def _digest(value):
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class Clock:
    """Wall-clock time plus an offset the tests move forward (``advance(days=91)``)."""

    def __init__(self):
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self):
        with self._lock:
            return time.time() + self._offset

    def advance(self, days=0, hours=0, minutes=0, seconds=0):
        with self._lock:
            self._offset += days * DAY + hours * 3600 + minutes * 60 + seconds
        return self.now()

    def iso(self, timestamp=None, millis=True):
        """An Atlassian-style timestamp: ``2025-01-31T10:00:00.000+0000`` (or ISO 8601 ``...Z`` without millis)."""
        moment = datetime.datetime.fromtimestamp(self.now() if timestamp is None else timestamp,
                                                 datetime.timezone.utc)
        if millis:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (moment.microsecond // 1000)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiToken:
    """An Atlassian account API token (classic: site URL only; scoped: gateway only)."""

    def __init__(self, value, kind, scopes, created_at, expires_at, label=None):
        self.id = str(uuid.uuid4())
        self.kind = kind
        self.scopes = frozenset(scopes)
        self.created_at = created_at
        self.expires_at = expires_at
        self.label = label
        self._digest = _digest(value)

    def matches(self, value):
        return hmac.compare_digest(self._digest, _digest(value))

    def expired(self, now):
        return now >= self.expires_at


class Account:
    """An Atlassian account: one identity (and its API tokens) shared by every site the person belongs to."""

    def __init__(self, cloud, email, display_name, account_type="atlassian", captcha=False):
        self.cloud = cloud
        self.email = email
        self.display_name = display_name
        self.account_type = account_type
        self.captcha = captcha
        self.failed_logins = 0  # consecutive failed basic-auth logins on a site (see AtlassianCloud.CAPTCHA_AFTER)
        self.failed_logins_total = 0
        self.account_id = "712020:" + str(uuid.uuid4()) if account_type == "atlassian" else secrets.token_hex(12)
        self.time_zone = "Etc/UTC"
        self.locale = "en_US"
        self.api_tokens = []

    def add_api_token(self, kind="classic", scopes=(), expires_in_days=365, expired=False, label=None):
        """Create an API token; returns its value (the only time it is known)."""
        if kind not in ("classic", "scoped"):
            raise ValueError("API token kind must be 'classic' or 'scoped'")
        if kind == "scoped" and not scopes:
            raise ValueError("a scoped API token needs at least one scope")
        if not 1 <= expires_in_days <= 365:
            raise ValueError("API tokens expire after 1 to 365 days")
        with self.cloud.lock:
            now = self.cloud.clock.now()
            expires_at = now - DAY if expired else now + expires_in_days * DAY
            value = random_token("ATATT3xFfGF0", 96)
            self.api_tokens.append(ApiToken(value, kind, scopes, now, expires_at, label))
            return value

    def login_failed(self, captcha_after):
        """A refused basic-auth login on a site: counted, and past ``captcha_after`` in a row, a CAPTCHA."""
        with self.cloud.lock:
            self.failed_logins += 1
            self.failed_logins_total += 1
            if captcha_after is not None and self.failed_logins >= captcha_after:
                self.captcha = True

    def login_succeeded(self):
        with self.cloud.lock:
            self.failed_logins = 0

    def find_api_token(self, value):
        with self.cloud.lock:
            for token in self.api_tokens:
                if token.matches(value):
                    return token
        return None


class User:
    """A site member: an account plus what is per site (product access, administrator, permission overrides)."""

    def __init__(self, site, account, active=True, admin=False):
        self.site = site
        self.account = account
        self.active = active
        self.admin = admin
        self.permission_overrides = {}  # permission key -> bool, wins over the defaults

    email = property(lambda self: self.account.email)
    account_id = property(lambda self: self.account.account_id)
    account_type = property(lambda self: self.account.account_type)

    @property
    def display_name(self):
        return self.account.display_name

    @display_name.setter
    def display_name(self, value):
        self.account.display_name = value

    @property
    def captcha(self):
        return self.account.captcha

    @captcha.setter
    def captcha(self, value):
        self.account.captcha = value

    def add_api_token(self, kind="classic", scopes=(), expires_in_days=365, expired=False, label=None):
        return self.account.add_api_token(kind, scopes, expires_in_days, expired, label)

    def as_dict(self):
        return {"email": self.email, "account_id": self.account_id, "display_name": self.display_name,
                "account_type": self.account_type, "active": self.active, "admin": self.admin,
                "captcha": self.captcha, "failed_logins": self.account.failed_logins,
                "failed_logins_total": self.account.failed_logins_total, "site": self.site.name}


class Project:
    def __init__(self, project_id, key, name, project_type_key="software"):
        self.id = project_id
        self.key = key
        self.name = name
        self.project_type_key = project_type_key
        self.uuid = str(uuid.uuid4())


class Board:
    def __init__(self, board_id, name, board_type, project):
        self.id = board_id
        self.name = name
        self.type = board_type
        self.project = project


class Sprint:
    def __init__(self, sprint_id, board_id, name, state, goal="", created_at=0.0):
        self.id = sprint_id
        self.board_id = board_id
        self.name = name
        self.state = state
        self.goal = goal
        self.created_at = created_at


class Issue:
    def __init__(self, issue_id, key, project, summary, issue_type, created_at):
        self.id = issue_id
        self.key = key
        self.project = project
        self.summary = summary
        self.issue_type = issue_type
        self.status = "To Do"
        self.created_at = created_at


class Site:
    """A Jira Cloud site ``https://<name>.atlassian.net``."""

    SPRINT_STATES = ("future", "active", "closed")

    def __init__(self, cloud, name, cloud_id):
        self.cloud = cloud
        self.name = name
        self.cloud_id = cloud_id
        self.users = {}  # lower-case e-mail -> User
        self.projects = {}  # key -> Project, in creation order
        self.boards = {}
        self.sprints = {}
        self.issues = []
        self.admin_webhooks = {}  # id -> webhooks.AdminWebhook
        self.dynamic_webhooks = {}  # id -> webhooks.DynamicWebhook (of every app)
        self._next_project_id = 10000
        self._next_issue_id = 10000
        self._next_board_id = 1
        self._next_sprint_id = 1

    @property
    def host(self):
        return "%s.atlassian.net" % self.name

    @property
    def url(self):
        return "https://" + self.host

    def user(self, email):
        with self.cloud.lock:
            return self.users.get((email or "").lower())

    def add_user(self, email, display_name=None, active=True, admin=False, account_type="atlassian",
                 captcha=False):
        """Add a member; an e-mail already known on another site reuses that account (and its API tokens)."""
        with self.cloud.lock:
            if email.lower() in self.users:
                raise Conflict("user %s already exists on site %s" % (email, self.name))
            return self.add_member(self.cloud.account_for(email, display_name, account_type, captcha),
                                   active, admin)

    def add_member(self, account, active=True, admin=False):
        with self.cloud.lock:
            user = User(self, account, active=active, admin=admin)
            self.users[account.email.lower()] = user
            return user

    def add_project(self, key, name=None, project_type_key="software"):
        with self.cloud.lock:
            if key in self.projects:
                raise Conflict("project %s already exists" % key)
            project = Project(str(self._next_project_id), key, name or key, project_type_key)
            self._next_project_id += 1
            self.projects[key] = project
            return project

    def project(self, key_or_id):
        with self.cloud.lock:
            for project in self.projects.values():
                if key_or_id in (project.key, project.id):
                    return project
        return None

    def add_board(self, name, type="scrum", project_key=None):  # pylint: disable=redefined-builtin
        with self.cloud.lock:
            if type not in ("scrum", "kanban", "simple"):
                raise ValueError("board type must be scrum, kanban or simple")
            project = self.projects.get(project_key)
            if project is None:
                raise ValueError("unknown project %s" % project_key)
            board = Board(self._next_board_id, name, type, project)
            self._next_board_id += 1
            self.boards[board.id] = board
            return board

    def add_sprint(self, board_id, name, state="future", goal=""):
        with self.cloud.lock:
            board = self.boards.get(int(board_id))
            if board is None:
                raise ValueError("unknown board %s" % board_id)
            if board.type != "scrum":
                raise ValueError("board %s does not support sprints" % board_id)
            if state not in self.SPRINT_STATES:
                raise ValueError("sprint state must be one of %s" % ", ".join(self.SPRINT_STATES))
            sprint = Sprint(self._next_sprint_id, board.id, name, state, goal, self.cloud.clock.now())
            self._next_sprint_id += 1
            self.sprints[sprint.id] = sprint
            return sprint

    def add_issue(self, project_key, summary, issue_type="Task"):
        with self.cloud.lock:
            project = self.projects.get(project_key)
            if project is None:
                raise ValueError("unknown project %s" % project_key)
            number = 1 + sum(1 for issue in self.issues if issue.project is project)
            issue = Issue(str(self._next_issue_id), "%s-%d" % (project.key, number), project, summary,
                          issue_type, self.cloud.clock.now())
            self._next_issue_id += 1
            self.issues.append(issue)
            return issue

    def as_dict(self):
        return {"name": self.name, "url": self.url, "cloud_id": self.cloud_id}


class OAuthApp:
    """A developer-console app: an OAuth 2.0 (3LO) integration or a service account's OAuth credentials.

    ``scopes`` are the permissions enabled on the app; ``sites`` (service accounts) the sites it may reach.
    """

    def __init__(self, name, client_id, client_secret, callback_urls, scopes, kind, sites, account=None):
        self.name = name
        self.client_id = client_id
        self.client_secret = client_secret
        self.callback_urls = tuple(callback_urls)
        self.scopes = tuple(scopes)
        self.kind = kind
        self.sites = list(sites)
        self.account = account  # the service account's own identity (kind == "service_account")

    def secret_matches(self, value):
        return hmac.compare_digest((value or "").encode("utf-8"), self.client_secret.encode("utf-8"))

    def as_dict(self):
        return {"name": self.name, "client_id": self.client_id, "callback_urls": list(self.callback_urls),
                "scopes": list(self.scopes), "kind": self.kind, "sites": [site.name for site in self.sites],
                "account": self.account.email if self.account else None}


class AuthCode:
    def __init__(self, value, app, account, scopes, redirect_uri, sites, expires_at):
        self.value = value
        self.app = app
        self.account = account
        self.scopes = tuple(scopes)
        self.redirect_uri = redirect_uri
        self.sites = list(sites)
        self.expires_at = expires_at
        self.used = False


class AccessToken:
    def __init__(self, value, app, account, scopes, sites, expires_at, family=None):
        self.value = value
        self.app = app
        self.account = account
        self.scopes = tuple(scopes)
        self.sites = list(sites)
        self.expires_at = expires_at
        self.family = family
        self.revoked = False

    def valid(self, now):
        return not self.revoked and now < self.expires_at


class RefreshToken:
    def __init__(self, value, family, issued_at):
        self.value = value
        self.family = family
        self.issued_at = issued_at
        self.rotated_at = None  # when it was first exchanged for a newer one


class RefreshFamily:
    """The chain of rotating refresh tokens born from one consent (code exchange)."""

    def __init__(self, app, account, scopes, sites, created_at):
        self.app = app
        self.account = account
        self.scopes = tuple(scopes)
        self.sites = list(sites)
        self.created_at = created_at
        self.revoked = False
        self.tokens = []


class TokenInfo:
    """What ``AtlassianCloud.token_info`` tells about an access token."""

    def __init__(self, token, now):
        self.app = token.app
        self.account = token.account
        self.user = token.account  # the acting identity (a service account for client credentials)
        self.scopes = token.scopes
        self.sites = list(token.sites)
        self.cloud_ids = [site.cloud_id for site in token.sites]
        self.expires_at = token.expires_at
        self.expired = not token.valid(now)
        self.has_refresh_family = token.family is not None

    def as_dict(self):
        return {"app": self.app.name, "client_id": self.app.client_id, "account_id": self.account.account_id,
                "email": self.account.email, "scopes": list(self.scopes), "sites": [s.name for s in self.sites],
                "cloud_ids": self.cloud_ids, "expires_at": self.expires_at, "expired": self.expired}
