"""Reading the ``Authorization`` header the way every emulated Atlassian host needs it."""

import base64


def authorization(request):
    """``(scheme in lower case, credentials)`` of the Authorization header; ``("", "")`` without one."""
    parts = (request.header("Authorization") or "").strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""


def basic_credentials(value):
    """``(name, secret)`` from base64 basic-auth credentials; None when they are malformed."""
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    name, colon, secret = decoded.partition(":")
    return (name, secret) if colon else None
