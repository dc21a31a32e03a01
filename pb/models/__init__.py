"""pb's data model: one module per entity."""
from pb.models.audit_event import AuditEvent
from pb.models.ballot import Ballot
from pb.models.content_translation import ContentTranslation
from pb.models.count_result import CountResult
from pb.models.future_round_contact import FutureRoundContact
from pb.models.paper_entry import PaperEntry
from pb.models.proposal import Proposal, ProposalStatus
from pb.models.round import Round
from pb.models.user import EligibilityStatus, Role, User, Verification
from pb.models.verification import (
    ResidentList,
    ResidentListEntry,
    SiteSetting,
    SuspicionReview,
    VerificationLetter,
)
from pb.models.voter_roll import Channel, VoterRoll
from pb.models.voting_code import VotingCode
from pb.models import guards  # noqa: E402,F401  (registers the append-only checks)

__all__ = [
    "AuditEvent",
    "Ballot",
    "Channel",
    "ContentTranslation",
    "CountResult",
    "EligibilityStatus",
    "FutureRoundContact",
    "PaperEntry",
    "Proposal",
    "ProposalStatus",
    "Role",
    "ResidentList",
    "ResidentListEntry",
    "Round",
    "SiteSetting",
    "SuspicionReview",
    "User",
    "Verification",
    "VerificationLetter",
    "VoterRoll",
    "VotingCode",
]
