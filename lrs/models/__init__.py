"""Database models. Every row a user can see carries the tenant it belongs to."""

from lrs.models.accounts import ApiToken, User
from lrs.models.documents import Document
from lrs.models.sources import Source, SourceReject
from lrs.models.statements import Activity, Attachment, Statement, StatementIndex
from lrs.models.tenancy import Credential, Tenant

__all__ = ["Activity", "ApiToken", "Attachment", "Credential", "Document", "Source", "SourceReject", "Statement",
           "StatementIndex", "Tenant", "User"]
