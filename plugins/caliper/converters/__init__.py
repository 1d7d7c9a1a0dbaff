"""One converter per Caliper event family, found by the event's ``type``."""

from __future__ import annotations

from ..converter import Converter
from .assessment import (
    AssessmentConverter,
    AssessmentItemConverter,
    AssignableConverter,
    GradeConverter,
    QuestionnaireItemConverter,
)
from .reading import AnnotationConverter, MediaConverter, NavigationConverter, ViewConverter
from .social import (
    FeedbackConverter,
    ForumConverter,
    MessageConverter,
    SurveyConverter,
    SurveyInvitationConverter,
)
from .tools import (
    GeneralConverter,
    ResourceManagementConverter,
    SessionConverter,
    ToolLaunchConverter,
    ToolUseConverter,
)

CONVERTERS: dict[str, Converter] = {
    converter.type: converter
    for converter in (
        AnnotationConverter(),
        AssessmentConverter(),
        AssessmentItemConverter(),
        AssignableConverter(),
        FeedbackConverter(),
        ForumConverter(),
        GeneralConverter(),
        GradeConverter(),
        MediaConverter(),
        MessageConverter(),
        NavigationConverter(),
        QuestionnaireItemConverter(),
        ResourceManagementConverter(),
        SessionConverter(),
        SurveyConverter(),
        SurveyInvitationConverter(),
        ToolLaunchConverter(),
        ToolUseConverter(),
        ViewConverter(),
    )
}
