"""Claiming a user task: a person takes it from the group's worklist and starts working on it.

The claim is the moment work starts, so the history records it (kind ``claim``) between the
task's ``start`` (it reached the worklist) and its ``end`` (completed). Process mining then tells
the time a case queued in a department from the time someone worked on it
(docs/decisions/0304-claim-and-work-start.md). Semantics follow Camunda 7's task service: a claim
sets the assignee; a task claimed by (or assigned to) someone else is refused; unclaiming puts
it back in the group's worklist without an assignee.
"""

from __future__ import annotations

from dataclasses import dataclass

from civicflow.engine.errors import (
    InvalidCommandError,
    NotFoundError,
    TaskAlreadyCompletedError,
    TaskClaimedError,
)
from civicflow.engine.rows import TokenRow, UserTaskRow
from civicflow.engine.runtime import Runtime

CLAIM = "claim"  #: history kind: the assignee started working on the task
UNCLAIM = "unclaim"  #: history kind: the task went back to the worklist unfinished


@dataclass(frozen=True)
class ClaimTask:
    """``actor`` takes an open user or manual task: it is theirs and their work starts now."""

    task_id: str
    actor: str


@dataclass(frozen=True)
class UnclaimTask:
    """Put a claimed task back in the worklist (``actor``: who released it, for the record)."""

    task_id: str
    actor: str | None = None


def open_task(rt: Runtime, task_id: str) -> tuple[UserTaskRow, TokenRow]:
    """The open task and its token, with the case locked; a clear error when it is not open."""
    work = rt.work
    task = work.user_tasks.get(task_id, work.port.load_user_task)
    if task is None:
        raise NotFoundError(f"There is no task {task_id}.")
    if task.state != "open":
        who = f" by {task.completed_by}" if task.completed_by else ""
        when = f" at {task.completed_at:%Y-%m-%d %H:%M}" if task.completed_at else ""
        verb = "completed" if task.state == "completed" else "withdrawn"
        raise TaskAlreadyCompletedError(
            f"Task '{task.name or task.element_id}' ({task.id}) was already {verb}{who}"
            f"{when}; reload the worklist to see its result."
        )
    work.instance(task.instance_id)  # optimistic lock on the case: one claim wins
    token = work.token(task.token_id)
    if token is None:
        raise NotFoundError(f"Task {task.id} no longer belongs to a running case.")
    work.user_tasks.mark_loaded(token.id)  # a token has at most one user task
    return task, token


def holder_error(task: UserTaskRow, wanted_by: str | None, doing: str) -> TaskClaimedError:
    """``task`` belongs to someone else: say who, since when, and what to do."""
    since = f" since {task.claimed_at:%Y-%m-%d %H:%M}" if task.claimed_at else ""
    how = "claimed by" if task.claimed_at else "assigned to"
    you = f"{wanted_by} cannot {doing} it" if wanted_by else f"it cannot be {doing}d by others"
    return TaskClaimedError(
        f"Task '{task.name or task.element_id}' ({task.id}) is {how} {task.assignee}{since}; "
        f"{you}. Ask {task.assignee} or a supervisor to unclaim it first."
    )


def claim(rt: Runtime, cmd: ClaimTask) -> str:
    """Apply a claim; returns the task's instance id. Claiming one's own claim changes nothing."""
    if not cmd.actor:
        raise InvalidCommandError("Say who claims the task: a claim needs an actor.")
    task, token = open_task(rt, cmd.task_id)
    if task.assignee not in (None, cmd.actor):
        raise holder_error(task, cmd.actor, "claim")
    if task.claimed_at is not None:
        return task.instance_id  # already claimed by this actor (a double click)
    task.assignee = cmd.actor
    task.claimed_at = rt.now
    rt.work.user_tasks.touch(task)
    rt.record(token, rt.node_of(token), CLAIM, cmd.actor)
    return task.instance_id


def unclaim(rt: Runtime, cmd: UnclaimTask) -> str:
    """Release a claim; returns the task's instance id."""
    task, token = open_task(rt, cmd.task_id)
    if task.claimed_at is None:
        raise InvalidCommandError(
            f"Task '{task.name or task.element_id}' ({task.id}) is not claimed; "
            "there is nothing to unclaim.")
    actor = cmd.actor or task.assignee
    task.assignee = None
    task.claimed_at = None
    rt.work.user_tasks.touch(task)
    rt.record(token, rt.node_of(token), UNCLAIM, actor)
    return task.instance_id


def completing_actor(task: UserTaskRow, actor: str | None) -> str | None:
    """Who completes a task: the holder of its claim when none is named; someone else is
    refused while the claim stands."""
    if task.claimed_at is None:
        return actor
    if actor is not None and actor != task.assignee:
        raise holder_error(task, actor, "complete")
    return task.assignee
