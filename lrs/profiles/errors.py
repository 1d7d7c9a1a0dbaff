"""What the profile core reports: structure errors in a profile, rule failures of a statement.

Both carry the JSONPath of the offending part (in the profile document, or in the template) and a short
rule id; ``str()`` gives a one-line message naming the spec section.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProfileError:
    """One violated structure rule of a profile document.

    ``path`` is a JSONPath into the profile (``$.templates[2].rules[0].location``), ``rule`` a short id
    (``jsonpath``, ``pattern-cycle``, ...), ``section`` the spec section that states the rule and
    ``message`` what was wrong.
    """

    path: str
    rule: str
    section: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.rule}, {self.section}]"


@dataclass(frozen=True)
class RuleFailure:
    """Why a statement does not follow (or does not fit) a statement template.

    ``kind`` is ``determining`` when the statement lacks one of the template's Determining Properties
    (the template does not apply to it), ``statement-ref`` when a StatementRef requirement fails, and
    ``rule`` when a Statement Template Rule fails. ``path`` points into the template
    (``rules[1]``, ``verb``, ``objectStatementRefTemplate``).
    """

    template: str
    kind: str
    path: str
    rule: str
    message: str

    @property
    def determining(self) -> bool:
        return self.kind == "determining"

    def __str__(self) -> str:
        return f"{self.template} {self.path}: {self.message} [{self.rule}]"


class PatternStateError(ValueError):
    """A stored pattern state that this matcher cannot continue (unknown version or pattern)."""
