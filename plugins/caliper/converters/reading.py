"""Reading and watching: navigation, views, media playback and annotations."""

from __future__ import annotations

from .. import vocabulary as v
from ..converter import Converter, Envelope, generated_id
from ..entities import joined, kind, prop, seconds

# What the actor wrote or selected, by annotation type.
ANNOTATION_TEXT = {"BookmarkAnnotation": "bookmarkNotes", "HighlightAnnotation": "selectionText",
                   "TagAnnotation": "tags"}


class NavigationConverter(Converter):
    type = "NavigationEvent"
    verbs = {"NavigatedTo": v.NAVIGATED_TO}
    object_type = v.DIGITAL_RESOURCE


class ViewConverter(Converter):
    type = "ViewEvent"
    verbs = {"Viewed": v.VIEWED}
    object_type = v.DIGITAL_RESOURCE


class MediaConverter(Converter):
    """Playback, with the xAPI Video profile's verbs and time extensions (positions in seconds)."""

    type = "MediaEvent"
    verbs = {"Started": v.PLAYED, "Resumed": v.PLAYED, "Paused": v.PAUSED, "Ended": v.COMPLETED,
             "JumpedTo": v.SEEKED, "ForwardedTo": v.SEEKED}
    object_type = v.MEDIA
    target_in_context = False  # the target is a MediaLocation: a position, not an activity

    def result(self, event: dict, env: Envelope) -> dict:
        result: dict = {}
        if event["action"] == "Ended":
            result["completion"] = True
        target = event.get("target")
        position = seconds(prop(target, "currentTime")) if kind(target) == "MediaLocation" else None
        if position is not None:
            key = v.VIDEO_TIME_TO if event["action"] in ("JumpedTo", "ForwardedTo") else v.VIDEO_TIME
            result["extensions"] = {key: position}
        return result

    def extensions(self, event: dict, env: Envelope) -> dict:
        length = seconds(prop(event.get("object"), "duration"))
        return {v.VIDEO_LENGTH: length} if length is not None else {}


class AnnotationConverter(Converter):
    type = "AnnotationEvent"
    verbs = {"Bookmarked": v.BOOKMARKED, "Highlighted": v.HIGHLIGHTED, "Shared": v.SHARED, "Tagged": v.TAGGED}
    object_type = v.DIGITAL_RESOURCE

    def result(self, event: dict, env: Envelope) -> dict:
        generated = event.get("generated")
        result: dict = {}
        key = ANNOTATION_TEXT.get(kind(generated) or "")
        written = joined(prop(generated, key)) if key else None
        if written is not None:
            result["response"] = written
        if generated_id(event):
            result["extensions"] = generated_id(event)
        return result
