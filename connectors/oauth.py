"""The OAuth2 token request of the connectors that sign in (Entra ID, FINT), made by authlib."""

from __future__ import annotations

import warnings
from typing import Any

import authlib.deprecate  # noqa: F401 -- sets authlib's warnings to "always" on import; the filter below must follow it
import httpx

from connectors.contract import HarvestFailed

# authlib's client prefers httpx's successor, httpx2; the connectors and their tests use httpx.
warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=DeprecationWarning)

from authlib.integrations.httpx_client import OAuth2Client, OAuthError  # noqa: E402


def access_token(token_url: str, client_id: str, client_secret: str | None, scope: str, timeout: float,
                 **grant: Any) -> str:
    """A fresh access token. The client sends its secret in the form body, as both Entra ID and
    FINT accept it; the caller sends the token itself (authlib would refuse plain http, which the
    local test servers speak)."""
    with OAuth2Client(client_id, client_secret, token_endpoint_auth_method="client_secret_post", scope=scope,
                      timeout=timeout) as client:
        try:
            return client.fetch_token(token_url, **grant)["access_token"]
        except (OAuthError, httpx.HTTPStatusError, ValueError) as error:
            reason = error.error if isinstance(error, OAuthError) else str(error)[:200]
            raise HarvestFailed(f"the token endpoint {token_url} refused the client credentials ({reason})") from error
