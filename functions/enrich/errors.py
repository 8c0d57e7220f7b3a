"""Errors that stop an enrichment run.

Row-level problems (not found, malformed response, retries exhausted) are not exceptions: they
become a result for that row. What is raised here concerns every remaining row of the job, so the
stage fails at `enriching` and is resumable once the cause is fixed. None of these messages ever
contains an API key: they are built only from the provider name and our own wording.
"""

from __future__ import annotations

from functions.common.errors import StageFailed


class EnrichmentError(StageFailed):
    """Base for failures that end an enrichment run; `provider` names the provider."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class QuotaExhausted(EnrichmentError):
    """The provider account has no credits (or no daily/hourly allowance) left."""

    def __init__(self, provider: str) -> None:
        super().__init__(provider, f"enrichment quota exhausted for {provider}")


class ProviderAuthError(EnrichmentError):
    """The provider rejected the key, or no key is configured."""

    def __init__(self, provider: str, reason: str = "the API key was rejected") -> None:
        super().__init__(
            provider,
            f"{provider} authentication failed: {reason}; check the workspace's {provider} key "
            "(or the platform key when the workspace has none)",
        )


class ProviderUnavailable(EnrichmentError):
    """Too many consecutive rows failed: the provider is down or unreachable.

    Raised so a long outage fails the stage (resumable) instead of walking every remaining
    row through the full retry budget.
    """

    def __init__(self, provider: str, consecutive_failures: int, last_error: str | None) -> None:
        detail = f"; last error: {last_error}" if last_error else ""
        super().__init__(
            provider,
            f"{provider} looks unavailable: {consecutive_failures} consecutive rows failed{detail}",
        )
        self.consecutive_failures = consecutive_failures
