"""Configuration: environment and mounted secrets (:class:`CollectorSettings`) plus the sources file.

Environment variables start with ``VIGIE_COLLECTOR_`` (``VIGIE_COLLECTOR_WEBHOOK_TOKEN``...); secrets can also
be files named after the field in ``secrets_dir`` (Kubernetes secret mounts). Secrets are ``SecretStr`` and
never logged. The sources file (``config/collector.example.yaml``) says what to read; it is validated at
start-up and errors name the file, the line and the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import SettingsConfigDict

from vigie.collector.event_time import EventTimeBounds
from vigie.runtime.settings import ServiceSettings
from vigie.schemas.yaml_source import load_yaml_model

Seconds = Annotated[float, Field(gt=0, le=86_400)]


class CollectorSettings(ServiceSettings):
    """Settings of the collector service (one frozen object, parsed once at the entry point)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="VIGIE_COLLECTOR_", secrets_dir=None)

    sources_file: Path = Path("config/collector.example.yaml")
    territories_file: Path = Path("config/territories.example.yaml")
    state_dir: Path = Path("state/collector")
    webhook_token: SecretStr | None = None
    webhook_hmac_secret: SecretStr | None = None
    webhook_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    webhook_client: str = Field(default="webhook", description="Source instance name of webhook mentions.")
    webhook_signature_tolerance_s: float = Field(
        default=300.0,
        gt=0,
        le=3600,
        description="How far X-Vigie-Timestamp of a signed webhook request may lie from our clock, either way.",
    )
    max_future_skew_s: float = Field(
        default=300.0,
        ge=0,
        le=86_400,
        description="A post dated later than collection time plus this is clamped to collection time.",
    )
    min_published_at: AwareDatetime = Field(
        default=datetime(2000, 1, 1, tzinfo=UTC),
        ge=datetime(1970, 1, 1, tzinfo=UTC),
        description="A post dated earlier than this is clamped to collection time.",
    )
    pseudonymisation_key: SecretStr | None = Field(
        default=None, description="When set (>= 16 characters), author ids and handles become keyed hashes."
    )
    mastodon_token: SecretStr | None = None
    reddit_client_id: str | None = None
    reddit_client_secret: SecretStr | None = None
    reddit_user_agent: str = "vigie-collector/0.1 (territorial e-reputation monitoring)"
    # --- YouTube, GDELT, X ---
    youtube_api_key: SecretStr | None = Field(default=None, description="YouTube Data API v3 key.")
    x_bearer_token: SecretStr | None = Field(default=None, description="X API v2 app-only bearer token.")
    # --- end YouTube, GDELT, X ---
    # --- Meta (Facebook pages, Instagram accounts, Threads) and Google Business Profile ---
    meta_tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='Page access tokens by token key (JSON: {"saint-malo": "EAA..."}); the key is the page\'s '
        "or Instagram account's token_key in the sources file (default: its territory id).",
    )
    meta_app_secret: SecretStr | None = Field(default=None, description="Verifies X-Hub-Signature-256 of webhooks.")
    meta_verify_token: SecretStr | None = Field(default=None, description="hub.verify_token of the subscription.")
    threads_tokens: dict[str, SecretStr] = Field(default_factory=dict, description="Threads tokens by token key.")
    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_refresh_tokens: dict[str, SecretStr] = Field(
        default_factory=dict, description="OAuth refresh tokens (scope business.manage) by Google account key."
    )
    google_access_tokens: dict[str, SecretStr] = Field(
        default_factory=dict, description="Static OAuth access tokens by account key (short-lived; tests, trials)."
    )
    dedup_capacity: int = Field(default=200_000, ge=1000)
    http_timeout_s: float = Field(default=20.0, gt=0)
    backoff_base_s: float = Field(default=2.0, gt=0)
    backoff_max_s: float = Field(default=300.0, gt=0)
    producer_linger_ms: int = Field(default=10, ge=0)

    def event_time_bounds(self, *, replay: bool = False) -> EventTimeBounds:
        """The range of publication dates trusted at ingestion (file replay: no future bound)."""
        skew = None if replay else self.max_future_skew_s
        return EventTimeBounds(max_future_skew_s=skew, floor=self.min_published_at)

    @field_validator("pseudonymisation_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 characters")
        return value


def describe_settings_error(exc: ValidationError) -> str:
    """The problems of invalid settings, one per line, never echoing the values (they may be secrets)."""
    return "\n".join(
        f"VIGIE_COLLECTOR_{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
        for error in exc.errors(include_input=False)
    )


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RssFeed(_Section):
    """A feed URL, or a template with ``{query}`` expanded once per territory name (Google News search)."""

    url: Annotated[str, Field(pattern=r"^https?://", max_length=4096)]
    interval_s: Seconds = 300
    per_territory: bool = False


class MastodonInstance(_Section):
    url: HttpUrl
    hashtags: tuple[str, ...] = ()
    searches: tuple[str, ...] = Field(default=(), description="Full-text searches (need a token).")
    streaming: bool = Field(default=True, description="Follow the streaming API when a token is configured.")
    interval_s: Seconds = 60
    hashtags_from_territories: bool = Field(default=False, description="Also follow every territory hashtag.")


class BlueskyJetstream(_Section):
    enabled: bool = True
    url: Annotated[str, Field(pattern=r"^wss?://")] = "wss://jetstream2.us-east.bsky.network/subscribe"


class RedditSection(_Section):
    subreddits: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    include_comments: bool = True
    interval_s: Seconds = 120
    auth_url: HttpUrl = HttpUrl("https://www.reddit.com")
    api_url: HttpUrl = HttpUrl("https://oauth.reddit.com")


# --- YouTube, GDELT, X ---


class YouTubeSection(_Section):
    """YouTube Data API v3 (key in ``VIGIE_COLLECTOR_YOUTUBE_API_KEY``): one source per territory, each with its
    own daily budget of quota units (Google's default quota is 10,000 units a day per project; a search
    costs 100)."""

    territories: tuple[str, ...] = Field(default=(), description="Territory ids to watch; empty: every one.")
    channels: dict[str, str] = Field(default_factory=dict, description="Territory id -> its own channel id.")
    daily_budget_units: int = Field(default=2000, ge=100, le=1_000_000)
    budgets: dict[str, Annotated[int, Field(ge=100, le=1_000_000)]] = Field(
        default_factory=dict, description="Territory id -> its daily budget, instead of daily_budget_units."
    )
    paced: bool = Field(default=True, description="Spread each day's budget over the day.")
    interval_s: Seconds = Field(default=900, description="Between polls of the comments (1 unit a page).")
    search_interval_s: Seconds = Field(default=2700, description="Between searches (100 units a page).")
    max_search_pages: int = Field(default=1, ge=1, le=10)
    max_comment_pages: int = Field(default=2, ge=1, le=20)
    comment_window_days: float = Field(default=7.0, gt=0, le=90)
    max_videos: int = Field(default=25, ge=0, le=500)
    region_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    api_url: HttpUrl = HttpUrl("https://www.googleapis.com/youtube/v3")


class GdeltSection(_Section):
    """The GDELT 2.0 DOC API (open, no key): one source, one query per territory, requests spaced."""

    enabled: bool = True
    territories: tuple[str, ...] = Field(default=(), description="Territory ids to watch; empty: every one.")
    queries: dict[str, Annotated[str, Field(min_length=3, max_length=1000)]] = Field(
        default_factory=dict, description="Territory id -> a GDELT query replacing the one built from its aliases."
    )
    query_suffix: Annotated[str, Field(max_length=200)] = Field(
        default="", description="Appended to every built query, e.g. 'sourcecountry:france'."
    )
    interval_s: Seconds = 900
    min_gap_s: float = Field(
        default=5.0, ge=0.1, le=600, description="Seconds between requests; GDELT asks for 5 or more."
    )
    max_records: int = Field(default=250, ge=1, le=250)
    max_pages: int = Field(default=4, ge=1, le=40)
    lookback_s: Seconds = 86_400
    tone: bool = Field(default=True, description="One ToneChart request per query and poll for the tones.")
    api_url: HttpUrl = HttpUrl("https://api.gdeltproject.org/api/v2/doc/doc")


class XSection(_Section):
    """X API v2 recent search (bearer token in ``VIGIE_COLLECTOR_X_BEARER_TOKEN``; paid): off unless present."""

    territories: tuple[str, ...] = Field(default=(), description="Territory ids to watch; empty: every one.")
    query_suffix: Annotated[str, Field(max_length=200)] = "-is:retweet"
    max_query_chars: int = Field(default=512, ge=64, le=4096, description="512 on most access levels.")
    interval_s: Seconds = 300
    max_results: int = Field(default=100, ge=10, le=100)
    max_pages: int = Field(default=3, ge=1, le=50)
    api_url: HttpUrl = HttpUrl("https://api.x.com")


# --- end YouTube, GDELT, X ---
# --- Meta, Threads and Google Business Profile sources ---

GRAPH_URL = "https://graph.facebook.com/v21.0"
TerritoryRef = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
GraphId = Annotated[str, Field(pattern=r"^[0-9]{1,32}$")]


class FacebookPage(_Section):
    """A page of the territory, read with its page token (``meta_tokens[token_key or territory]``)."""

    page_id: GraphId
    territory: TerritoryRef
    token_key: str | None = None
    edge: Literal["feed", "published_posts"] = Field(
        default="feed", description="feed: the page's and visitors' posts; published_posts: the page's own."
    )
    comments: bool = True
    comments_lookback_s: Annotated[float, Field(gt=0, le=90 * 86_400)] = 7 * 86_400
    interval_s: Seconds = 300


class InstagramAccount(_Section):
    """An Instagram professional account of the territory (the token of the page it is linked to)."""

    ig_user_id: GraphId
    territory: TerritoryRef
    token_key: str | None = None
    comments: bool = True
    tags: bool = Field(default=True, description="Media the account is tagged in (/tags).")
    hashtags: tuple[str, ...] = Field(default=(), max_length=30, description="At most 30 per rolling 7 days.")
    comments_lookback_s: Annotated[float, Field(gt=0, le=90 * 86_400)] = 7 * 86_400
    interval_s: Seconds = 300


class MetaSection(_Section):
    api_url: HttpUrl = HttpUrl(GRAPH_URL)
    pages: tuple[FacebookPage, ...] = ()
    instagram: tuple[InstagramAccount, ...] = ()
    webhook: bool = Field(
        default=False, description="Serve /v1/meta/webhook (needs meta_app_secret and meta_verify_token)."
    )


class ThreadsSection(_Section):
    token_key: str = "threads"
    queries: tuple[str, ...] = ()
    queries_from_territories: bool = Field(default=False, description="Also search every territory's name.")
    interval_s: Seconds = 600
    api_url: HttpUrl = HttpUrl("https://graph.threads.net/v1.0")


class GoogleLocation(_Section):
    name: Annotated[str, Field(pattern=r"^accounts/[A-Za-z0-9_-]{1,64}/locations/[A-Za-z0-9_-]{1,64}$")]
    territory: TerritoryRef
    place: Annotated[str, Field(max_length=256)] = ""


class GoogleReviewsAccount(_Section):
    """The places one Google account manages; its token is ``google_refresh_tokens[account_key]``."""

    account_key: str = "default"
    locations: tuple[GoogleLocation, ...] = Field(min_length=1)
    interval_s: Seconds = 900
    api_url: HttpUrl = HttpUrl("https://mybusiness.googleapis.com/v4")
    token_url: HttpUrl = HttpUrl("https://oauth2.googleapis.com/token")


class WebhookSection(_Section):
    enabled: bool = True


class SourcesConfig(_Section):
    """The sources file."""

    version: Literal[1] = 1
    rss: tuple[RssFeed, ...] = ()
    mastodon: tuple[MastodonInstance, ...] = ()
    bluesky: BlueskyJetstream | None = None
    reddit: RedditSection | None = None
    webhook: WebhookSection = WebhookSection()
    # --- YouTube, GDELT, X ---
    youtube: YouTubeSection | None = None
    gdelt: GdeltSection | None = None
    x: XSection | None = None
    # --- end YouTube, GDELT, X ---
    meta: MetaSection | None = None
    threads: ThreadsSection | None = None
    google_reviews: tuple[GoogleReviewsAccount, ...] = ()


def load_sources(path: str | Path) -> SourcesConfig:
    """Load and validate a sources file; :class:`~vigie.schemas.ConfigError` names file, line and field."""
    return load_yaml_model(SourcesConfig, path)
