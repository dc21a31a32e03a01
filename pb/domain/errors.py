"""Domain errors: what pb refuses, with a message a person can act on; views turn them into messages or status codes."""
from __future__ import annotations


class DomainError(Exception):
    """Something a person asked for that pb refuses, with a message they can act on."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # Field name -> message, for forms that show errors next to each field.
        self.errors = dict(errors or {})
        if field and field not in self.errors:
            self.errors[field] = message


class ValidationFailed(DomainError):
    status_code = 400


class NotFound(DomainError):
    status_code = 404


class NotAllowed(DomainError):
    status_code = 403


class PhaseError(DomainError):
    """The round is not in a phase that allows this."""

    status_code = 409


class LockedField(DomainError):
    status_code = 409


class StaleEdit(DomainError):
    """The form was based on an older version (submitted twice, or edited in another tab)."""

    status_code = 409


class NotEligible(DomainError):
    status_code = 403


class VotingClosed(PhaseError):
    pass


class NotSignedIn(DomainError):
    """The session no longer names a signed-in account (signed out elsewhere, or switched off)."""

    status_code = 401


class AlreadyVoted(DomainError):
    status_code = 409


class InvalidRanking(ValidationFailed):
    pass


class DuplicateRegistration(DomainError):
    status_code = 409


class DatabaseBusy(DomainError):
    """The database stayed locked for longer than the busy timeout: ask the client to retry."""

    status_code = 503


class PaperEntriesDisagree(DomainError):
    """The second keying of a paper ballot differs from the first: nothing is stored."""

    status_code = 409


class CountingError(DomainError):
    """The ballots cannot be counted (no ballots, or data the engine refuses)."""

    status_code = 409


class NotVerified(NotEligible):
    """The round counts only verified residents' online ballots, and this resident is not verified yet."""


class NotConfigured(DomainError):
    """A setting this needs is missing; the message says which one to set. Nothing was changed."""

    status_code = 409
