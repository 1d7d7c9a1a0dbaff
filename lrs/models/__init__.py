"""Database models. Every row a user can see carries the tenant it belongs to."""

from lrs.models.accounts import ApiToken, User
from lrs.models.culture import Pulse, PulseAnswer, PulseParticipation
from lrs.models.documents import Document
from lrs.models.forwarding import Forwarder
from lrs.models.keys import Badge, SigningKey
from lrs.models.lti import LtiContext, LtiGradeDelivery, LtiLogin, LtiMember, LtiPlacement, LtiPlatform
from lrs.models.people import AuditEntry, Identity, Person, SeenActor, Team, TeamMember
from lrs.models.profiles import PatternState, Profile, ProfileVersion, StatementTemplateResult, TemplateStat
from lrs.models.progress import (
    Certification,
    CertificationHolder,
    ConsumerCursor,
    Goal,
    GoalEvidence,
    GoalProgress,
)
from lrs.models.sinks import ReviewDelivery, ReviewSink
from lrs.models.sources import Source, SourceReject
from lrs.models.statements import Activity, Attachment, Statement, StatementId, StatementIndex
from lrs.models.tenancy import Credential, Tenant

__all__ = ["Activity", "ApiToken", "Attachment", "AuditEntry", "Badge", "Certification", "CertificationHolder",
           "ConsumerCursor", "Credential", "Document", "Forwarder",
           "Goal", "GoalEvidence", "GoalProgress", "Identity", "LtiContext", "LtiGradeDelivery", "LtiLogin",
           "LtiMember", "LtiPlacement", "LtiPlatform", "PatternState", "Person", "Profile", "Pulse", "PulseAnswer",
           "PulseParticipation", "ReviewDelivery", "ReviewSink", "SeenActor",
           "ProfileVersion", "SigningKey", "Source", "SourceReject", "Statement",
           "StatementId", "StatementIndex",
           "StatementTemplateResult", "Team", "TeamMember", "TemplateStat", "Tenant", "User"]
