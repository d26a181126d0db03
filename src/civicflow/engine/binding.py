"""Which version of a called resource an element uses: its binding type (decision 0311).

Call activities (``zeebe:calledElement``) and business rule tasks (``zeebe:calledDecision``,
Camunda 7 ``camunda:decisionRefBinding``) choose the version of what they call the same way;
this module is that one rule, used by both, at deployment (which bindings exist, what each
needs) and at run time (which deployed version it picks):

- ``latest``: the newest deployed version when the element is reached;
- ``deployment``: the version deployed together with the caller's process version (same file
  or same ``engine.deploy`` call);
- ``versionTag``: the newest version whose ``zeebe:versionTag`` is the element's tag;
- ``version`` (Camunda 7 decisions only): the version with that number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from civicflow.engine.errors import DeploymentError

T = TypeVar("T")

CAMUNDA8_BINDINGS = ("latest", "deployment", "versionTag")
CAMUNDA7_BINDINGS = ("latest", "deployment", "version", "versionTag")


def checked(element: str, binding: str | None, tag: str | None, version: str | None = None,
            *, allowed: tuple[str, ...] = CAMUNDA8_BINDINGS, binding_attribute: str,
            tag_attribute: str, version_attribute: str = ""
            ) -> tuple[str, str | None, int | None]:
    """The binding (default ``latest``), tag and version number of an element, or a
    ``DeploymentError`` naming the element and the attribute to fix."""
    binding = binding or "latest"
    if binding not in allowed:
        names = ", ".join(repr(b) for b in allowed[:-1]) + f" or {allowed[-1]!r}"
        raise DeploymentError(
            f"{element}: binding type {binding!r} is not supported; use {names} "
            f"({binding_attribute}).")
    if binding == "versionTag":
        if not tag or not tag.strip():
            raise DeploymentError(
                f"{element}: binding type 'versionTag' needs the version tag to call "
                f"({tag_attribute}=\"...\").")
        return binding, tag.strip(), None
    if binding == "version":
        text = (version or "").strip()
        # ASCII digits only: str.isdigit() also takes '²', which int() refuses
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            got = f"{version!r} is not a version number" if text else "it is missing"
            raise DeploymentError(
                f"{element}: binding type 'version' needs the version number to call, "
                f"e.g. {version_attribute}=\"3\"; {got}. Give a whole number from 1 up "
                "(an expression is not supported), or use binding type 'latest'.")
        return binding, None, int(text)
    return binding, None, None


def choose(binding: str, candidates: Callable[[], Sequence[T]], *,
           together: Callable[[], T | None], tag: str | None = None,
           tag_of: Callable[[T], str | None] = lambda _: None, version: int | None = None,
           version_of: Callable[[T], int] = lambda _: 0) -> T | None:
    """The deployed version ``binding`` picks; ``candidates`` lists every deployed version,
    newest first (called only when needed). None when none fits."""
    if binding == "deployment":
        return together()
    found = candidates()
    if binding == "versionTag":
        return next((c for c in found if tag_of(c) == tag), None)
    if binding == "version":
        return next((c for c in found if version_of(c) == version), None)
    return found[0] if found else None


def not_found(element: str, caller: str, what: str, binding: str, *, deployed: bool,
              tag: str | None, version: int | None, deploy_hint: str) -> str:
    """What an incident says when no deployed version fits the binding, and what to do;
    ``element`` names the element ("Call activity 'x'"), ``caller`` its kind."""
    if not deployed:
        return f"{element}: the {what} is not deployed. {deploy_hint}, then retry."
    if binding == "versionTag":
        return (f"{element}: no deployed version of {what} has the version tag '{tag}'. "
                f"Deploy one with <zeebe:versionTag value=\"{tag}\"/>, or change the "
                f"{caller}, then retry.")
    if binding == "version":
        return (f"{element}: version {version} of {what} is not deployed. Deploy it, or "
                f"change the version the {caller} calls, then retry.")
    if binding == "deployment":
        return (f"{element}: no version of {what} was deployed together with this version "
                "of the process (binding type 'deployment'). Deploy the files in one call "
                "(engine.deploy(process_file, other_file)) and migrate the instance to the "
                "new process version, or use binding type 'latest'.")
    return f"{element}: the {what} is not deployed. {deploy_hint}, then retry."
