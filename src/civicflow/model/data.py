"""Data objects, data stores and artifacts (text annotations, groups, associations)."""

from __future__ import annotations

from dataclasses import dataclass

from civicflow.model.base import BaseElement, FlowElement


@dataclass(frozen=True, slots=True, kw_only=True)
class DataObject(FlowElement):
    item_subject_ref: str | None = None
    is_collection: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DataObjectReference(FlowElement):
    data_object_ref: str | None = None
    item_subject_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DataStoreReference(FlowElement):
    data_store_ref: str | None = None
    item_subject_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact(BaseElement):
    """Something drawn on a diagram that does not affect the flow."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextAnnotation(Artifact):
    text: str | None = None
    text_format: str = "text/plain"


@dataclass(frozen=True, slots=True, kw_only=True)
class Group(Artifact):
    category_value_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Association(Artifact):
    source_ref: str
    target_ref: str
    association_direction: str = "None"
