"""Settings, from the environment only (secrets never live in files of the project)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    # Any Neo4j server or cluster (neo4j:// routes); unset means the local embedded Neo4j.
    neo4j_uri: str | None = Field(None, validation_alias=AliasChoices("NEO4J_URI"))
    neo4j_user: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_USER"))
    neo4j_password: str | None = Field(None, validation_alias=AliasChoices("NEO4J_PASSWORD"))
    neo4j_database: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_DATABASE"))

    data_dir: Path = Path(".data")
    local_neo4j_port: int = 7687
    local_neo4j_heap: str = "768m"
    local_neo4j_page_cache_mb: int = 256

    # Where the API is reached from outside; the DCAT export's URIs start with it.
    public_base_url: str = "http://127.0.0.1:8000"

    # The harvest sources (see sources.yaml in the README).
    sources_file: Path = Path("sources.yaml")

    # OpenID Connect sign-in (Entra ID: issuer https://login.microsoftonline.com/<tenant>/v2.0,
    # JWKS https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys, audience the app id).
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_role_claim: str = "roles"
    # Claim value -> catalog role, such as {"Catalog.Admin": "admin"}; given as JSON.
    oidc_role_map: dict[str, str] = {}

    # Browser origins allowed to call the API; none by default.
    cors_origins: list[str] = []
    max_request_bytes: int = 10 * 1024 * 1024

    # Upper bound for any one query the API runs, so no request can hang the server.
    query_timeout_seconds: float = 15.0

    # Scheduled harvests and notices: `catalog scheduler`, or the server itself when enabled.
    scheduler_enabled: bool = False
    scheduler_interval_seconds: float = 30.0
    # A holder that died stops blocking a scheduled run after this long.
    lease_seconds: int = 3600

    # Owner attestation: an entry unconfirmed for longer than this becomes a task for its owner.
    attestation_period_days: int = 365
    # Reviewers with undecided items are reminded this many days before a campaign's deadline.
    review_reminder_days: int = 3
    # Agreements whose end or notice date is this close are announced to their owners.
    agreement_notice_days: int = 60

    # E-mail notices through SMTP; none are sent while smtp_host is unset.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "datakatalog@localhost"
    # Who hears of harvest runs that failed or are held for confirmation (JSON list of addresses).
    operator_emails: list[str] = []
    webhook_timeout_seconds: float = 5.0
    delivery_attempts: int = 3


@lru_cache
def get_settings() -> Settings:
    return Settings()
