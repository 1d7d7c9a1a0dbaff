"""The xAPI vocabulary the Caliper converters emit: verbs, activity types and extensions.

Registry IRIs (ADL, the ADL vocabulary, the xAPI Video profile, Activity Streams and tincanapi.com verbs
as listed by registry.tincanapi.com) are reused where they fit; the rest is defined by the project's
lms-events profile (``xapi_profiles/lms-events.jsonld``), whose templates every statement follows.
"""

from __future__ import annotations

from dataclasses import dataclass

PROFILE = "https://w3id.org/xapi/lrs/profiles/lms-events"
PROFILE_VERSION = f"{PROFILE}/v1.0"
PROFILE_ACTIVITY = {
    "objectType": "Activity",
    "id": PROFILE_VERSION,
    "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
}

# Caliper envelopes name the version of their data by the IRI of its JSON-LD context.
DATA_VERSIONS = ("http://purl.imsglobal.org/ctx/caliper/v1p1", "http://purl.imsglobal.org/ctx/caliper/v1p2")

_ADL = "http://adlnet.gov/expapi/verbs/"
_ADL_VOCAB = "https://w3id.org/xapi/adl/verbs/"
_AS = "http://activitystrea.ms/schema/1.0/"
_TINCAN = "http://id.tincanapi.com/verb/"
_VIDEO = "https://w3id.org/xapi/video/verbs/"
_OWN = f"{PROFILE}/verbs/"


@dataclass(frozen=True)
class Verb:
    id: str
    display: str

    def as_json(self) -> dict:
        return {"id": self.id, "display": {"en": self.display}}


ATTEMPTED = Verb(f"{_ADL}attempted", "attempted")
SUSPENDED = Verb(f"{_ADL}suspended", "suspended")
RESUMED = Verb(f"{_ADL}resumed", "resumed")
ANSWERED = Verb(f"{_ADL}answered", "answered")
COMPLETED = Verb(f"{_ADL}completed", "completed")
SCORED = Verb(f"{_ADL}scored", "scored")
COMMENTED = Verb(f"{_ADL}commented", "commented")
SHARED = Verb(f"{_ADL}shared", "shared")
LAUNCHED = Verb(f"{_ADL}launched", "launched")
EXITED = Verb(f"{_ADL}exited", "exited")
LOGGED_IN = Verb(f"{_ADL_VOCAB}logged-in", "logged in")
LOGGED_OUT = Verb(f"{_ADL_VOCAB}logged-out", "logged out")
ABANDONED = Verb(f"{_ADL_VOCAB}abandoned", "abandoned")
SUBMITTED = Verb(f"{_AS}submit", "submitted")
CREATED = Verb(f"{_AS}create", "created")
UPDATED = Verb(f"{_AS}update", "updated")
DELETED = Verb(f"{_AS}delete", "deleted")
FOLLOWED = Verb(f"{_AS}follow", "followed")
STOPPED_FOLLOWING = Verb(f"{_AS}stop-following", "stopped following")
USED = Verb(f"{_AS}use", "used")
TAGGED = Verb(f"{_AS}tag", "tagged")
SENT = Verb(f"{_AS}send", "sent")
ACCEPTED = Verb(f"{_AS}accept", "accepted")
REJECTED = Verb(f"{_AS}reject", "rejected")
VIEWED = Verb(f"{_TINCAN}viewed", "viewed")
SKIPPED = Verb(f"{_TINCAN}skipped", "skipped")
BOOKMARKED = Verb(f"{_TINCAN}bookmarked", "bookmarked")
RATED = Verb(f"{_TINCAN}rated", "rated")
REPLIED = Verb(f"{_TINCAN}replied", "replied")
DOWNLOADED = Verb(f"{_TINCAN}downloaded", "downloaded")
PLAYED = Verb(f"{_VIDEO}played", "played")
PAUSED = Verb(f"{_VIDEO}paused", "paused")
SEEKED = Verb(f"{_VIDEO}seeked", "seeked")
NAVIGATED_TO = Verb(f"{_OWN}navigated-to", "navigated to")
HIGHLIGHTED = Verb(f"{_OWN}highlighted", "highlighted")
ACTIVATED = Verb(f"{_OWN}activated", "activated")
DEACTIVATED = Verb(f"{_OWN}deactivated", "deactivated")
COPIED = Verb(f"{_OWN}copied", "copied")
OPTED_IN = Verb(f"{_OWN}opted-in", "opted in")
OPTED_OUT = Verb(f"{_OWN}opted-out", "opted out")

_ADL_TYPE = "http://adlnet.gov/expapi/activities/"
_OWN_TYPE = f"{PROFILE}/activity-types/"

ASSESSMENT = f"{_ADL_TYPE}assessment"
QUESTION = f"{_ADL_TYPE}question"
COURSE = f"{_ADL_TYPE}course"
MEDIA = f"{_ADL_TYPE}media"
LINK = f"{_ADL_TYPE}link"
VIDEO = "https://w3id.org/xapi/video/activity-type/video"
CHAPTER = "http://id.tincanapi.com/activitytype/chapter"
SURVEY = "http://id.tincanapi.com/activitytype/survey"
APPLICATION = f"{_OWN_TYPE}application"
COURSE_SECTION = f"{_OWN_TYPE}course-section"
GROUP = f"{_OWN_TYPE}group"
ORGANIZATION = f"{_OWN_TYPE}organization"
DIGITAL_RESOURCE = f"{_OWN_TYPE}digital-resource"
COLLECTION = f"{_OWN_TYPE}collection"
DOCUMENT = f"{_OWN_TYPE}document"
PAGE = f"{_OWN_TYPE}page"
WEB_PAGE = f"{_OWN_TYPE}web-page"
FRAME = f"{_OWN_TYPE}frame"
FORUM = f"{_OWN_TYPE}forum"
THREAD = f"{_OWN_TYPE}thread"
MESSAGE = f"{_OWN_TYPE}message"
SURVEY_INVITATION = f"{_OWN_TYPE}survey-invitation"
QUESTIONNAIRE = f"{_OWN_TYPE}questionnaire"
QUESTIONNAIRE_ITEM = f"{_OWN_TYPE}questionnaire-item"
ENTITY = f"{_OWN_TYPE}entity"

# Caliper entity type -> xAPI activity type. Types not listed take the default of the property they fill.
ACTIVITY_TYPES = {
    "Assessment": ASSESSMENT,
    "AssessmentItem": QUESTION,
    "CourseOffering": COURSE,
    "CourseSection": COURSE_SECTION,
    "Group": GROUP,
    "Organization": ORGANIZATION,
    "SoftwareApplication": APPLICATION,
    "DigitalResource": DIGITAL_RESOURCE,
    "AssignableDigitalResource": DIGITAL_RESOURCE,
    "DigitalResourceCollection": COLLECTION,
    "Document": DOCUMENT,
    "Chapter": CHAPTER,
    "Page": PAGE,
    "WebPage": WEB_PAGE,
    "Frame": FRAME,
    "VideoObject": VIDEO,
    "AudioObject": MEDIA,
    "ImageObject": MEDIA,
    "MediaObject": MEDIA,
    "Link": LINK,
    "LtiLink": LINK,
    "Forum": FORUM,
    "Thread": THREAD,
    "Message": MESSAGE,
    "Survey": SURVEY,
    "SurveyInvitation": SURVEY_INVITATION,
    "Questionnaire": QUESTIONNAIRE,
    "QuestionnaireItem": QUESTIONNAIRE_ITEM,
}

_EXT = f"{PROFILE}/extensions/"
CALIPER_EVENT = f"{_EXT}caliper-event"
SESSION = f"{_EXT}session"
FEDERATED_SESSION = f"{_EXT}federated-session"
ROLES = f"{_EXT}roles"
REFERRER = f"{_EXT}referrer"
ATTEMPT = f"{_EXT}attempt"
EVENT_EXTENSIONS = f"{_EXT}event-extensions"
SCORED_BY = f"{_EXT}scored-by"
GENERATED = f"{_EXT}generated"
COMMENT = f"{_EXT}comment"
VIDEO_TIME = "https://w3id.org/xapi/video/extensions/time"
VIDEO_TIME_TO = "https://w3id.org/xapi/video/extensions/time-to"
VIDEO_LENGTH = "https://w3id.org/xapi/video/extensions/length"
