"""Token movement: the core every construct builds on.

A ``Runtime`` lives for one command. Tokens that must enter a node are queued on an agenda and
processed until every token rests (waits for a person, a job, a timer, a message or a join) or
has ended. Behaviour per node type lives in ``civicflow.engine.behaviours``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from civicflow.engine.expressions import ExpressionError, evaluate
from civicflow.engine.graph import GATEWAYS as _GATEWAYS
from civicflow.engine.graph import Node, ProcessGraph
from civicflow.engine.ids import next_id
from civicflow.engine.rows import (
    HistoryRow,
    IncidentRow,
    InstanceRow,
    InstanceState,
    ScopeRow,
    TokenRow,
    TokenState,
)
from civicflow.engine.work import Work


class IncidentError(Exception):
    """Raised inside a behaviour: the token stops here with an incident of ``kind``."""

    def __init__(self, kind: str, message: str, *, phase: str = "enter") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.phase = phase


#: a fresh row id: 32 hex digits, time-ordered (``civicflow.engine.ids``)
new_id = next_id


class Runtime:
    """Moves tokens for one command over one working set."""

    def __init__(self, work: Work, graphs: Callable[[str], ProcessGraph]) -> None:
        self.work = work
        self.graphs = graphs
        self.now = work.now
        self.agenda: deque[str] = deque()
        self.touched_scopes: set[str] = set()
        self.actor: str | None = None
        self.signals: list[str] = []
        self.signal_variables: dict[str, Any] = {}
        self.reentering: set[str] = set()
        #: (token, boundary event, part) of message boundaries opened in this step
        self.buffered_boundaries: list[tuple[str, str, str]] = []
        #: graphs by deployment id: a step looks its graph up several times per node
        self._graph_cache: dict[str, ProcessGraph] = {}

    # -- lookups -------------------------------------------------------------------------
    def instance_of(self, token: TokenRow) -> InstanceRow:
        # rows in the identity map were read through ``Work.instance`` (and locked) or
        # inserted, so the plain dict lookup is enough once the instance is there
        inst = self.work.instances.rows.get(token.instance_id)
        if inst is None:
            inst = self.work.instance(token.instance_id)
            assert inst is not None
        return inst

    def graph_of(self, instance: InstanceRow) -> ProcessGraph:
        # keyed by deployment, not instance: a migration changes an instance's deployment
        graph = self._graph_cache.get(instance.deployment_id)
        if graph is None:
            graph = self._graph_cache[instance.deployment_id] = self.graphs(
                instance.deployment_id)
        return graph

    def node_of(self, token: TokenRow) -> Node:
        return self.graph_of(self.instance_of(token)).node(token.element_id)

    def var_scope(self, token: TokenRow) -> str:
        """The innermost variable scope a token sees (its local scope if it has one)."""
        return token.local_scope_id or token.scope_id

    def chain(self, scope_id: str) -> list[str]:
        """Scope ids from ``scope_id`` outwards to the instance's root scope."""
        out: list[str] = []
        cur: str | None = scope_id
        while cur is not None:
            out.append(cur)
            scope = self.work.scope(cur)
            cur = scope.parent_id if scope is not None else None
        return out

    def context(self, scope_id: str) -> dict[str, Any]:
        """All variables visible from a scope; inner scopes shadow outer ones."""
        merged: dict[str, Any] = {}
        for sid in reversed(self.chain(scope_id)):
            merged.update(self.work.local_vars(sid))
        return merged

    def eval_in(self, token: TokenRow, expr: Any, extra: Mapping[str, Any] | None = None) -> Any:
        variables = self.context(self.var_scope(token))
        if extra:
            variables.update(extra)
        try:
            return evaluate(expr, variables)
        except ExpressionError as exc:
            raise IncidentError("expression", str(exc)) from exc

    def eval_condition(self, token: TokenRow, ev: Any) -> bool:
        """A conditional event's condition in the token's context (non-true counts as false)."""
        if ev.condition is None:
            return False
        return self.eval_in(token, ev.condition) is True

    # -- variables -----------------------------------------------------------------------
    def set_local(self, scope_id: str, instance_id: str, name: str, value: Any) -> None:
        self.work.set_var(instance_id, scope_id, name, value)

    def propagate(self, scope_id: str, instance_id: str, values: Mapping[str, Any]) -> None:
        """Camunda 8 merge: set each variable in the nearest scope that has it, else the root."""
        chain = self.chain(scope_id)
        for name, value in values.items():
            target = chain[-1]
            for sid in chain:
                if name in self.work.local_vars(sid):
                    target = sid
                    break
            self.work.set_var(instance_id, target, name, value)

    def ensure_local_scope(self, token: TokenRow, kind: str = "local") -> str:
        if token.local_scope_id is None:
            scope = self.work.add_scope(
                ScopeRow(
                    id=new_id(),
                    instance_id=token.instance_id,
                    parent_id=token.scope_id,
                    token_id=token.id,
                    element_id=token.element_id,
                    kind=kind,
                )
            )
            token.local_scope_id = scope.id
            self.work.tokens.touch(token)
        return token.local_scope_id

    def drop_local_scope(self, token: TokenRow) -> None:
        if token.local_scope_id is None:
            return
        scope = self.work.scope(token.local_scope_id)
        if scope is not None:
            self.work.clear_scope_vars(scope.id)
            if scope.kind == "subprocess":  # event-subprocess listeners, compensation records
                for sub in self.work.subscriptions_of(scope.id):
                    self.work.subscriptions.delete(sub)
                for job in self.work.jobs_of(scope.id):
                    self.work.jobs.delete(job)
                if self.graph_of(self.instance_of(token)).has_compensation:
                    from civicflow.engine.compensation import discard_kept_children

                    discard_kept_children(self, scope.id)
            self.work.scopes.delete(scope)
        token.local_scope_id = None
        self.work.tokens.touch(token)

    def apply_result(self, token: TokenRow, node: Node, values: Mapping[str, Any]) -> None:
        """Variables produced by the element (job, task, message, script): with output
        mappings they stay local and only the mapped targets leave; without, they merge."""
        if not values:
            return
        if node.outputs:
            local = self.ensure_local_scope(token)
            for name, value in values.items():
                self.set_local(local, token.instance_id, name, value)
        else:
            self.propagate(self.var_scope(token), token.instance_id, values)

    def apply_inputs(self, token: TokenRow, node: Node) -> None:
        if not node.inputs:
            return
        # evaluate every input before writing: later inputs may use earlier ones (Zeebe)
        extra: dict[str, Any] = {}
        for mapping in node.inputs:
            extra[mapping.target] = self.eval_in(token, mapping.source, extra)
        local = self.ensure_local_scope(token)
        for name, value in extra.items():
            self.set_local(local, token.instance_id, name, value)

    def apply_outputs(self, token: TokenRow, node: Node) -> None:
        if not node.outputs:
            return
        values: dict[str, Any] = {}
        for mapping in node.outputs:
            try:
                values[mapping.target] = self.eval_in(token, mapping.source)
            except IncidentError as exc:
                exc.phase = "leave"
                raise
        self.propagate(token.scope_id, token.instance_id, values)

    # -- history -------------------------------------------------------------------------
    def record(self, token: TokenRow, node: Node, kind: str, actor: str | None = None,
               element_type: str | None = None) -> None:
        inst = self.instance_of(token)
        if actor is None and node.type == "startEvent":
            actor = self.actor  # who started the instance
        self.work.history.append(
            HistoryRow(
                instance_id=inst.id,
                process_id=inst.process_id,
                version=inst.version,
                business_key=inst.business_key,
                element_id=node.id,
                name=node.name,
                element_type=element_type or node.type,
                kind=kind,
                at=self.now,
                actor=actor,
                lane=node.lane,
                token_id=token.id,
            )
        )

    # -- tokens --------------------------------------------------------------------------
    def new_token(self, instance_id: str, scope_id: str, element_id: str,
                  flow_id: str | None = None) -> TokenRow:
        token = self.work.add_token(
            TokenRow(
                id=new_id(),
                instance_id=instance_id,
                scope_id=scope_id,
                element_id=element_id,
                state=TokenState.WAITING,
                flow_id=flow_id,
                local_scope_id=None,
                created_at=self.now,
            )
        )
        self.touched_scopes.add(scope_id)
        return token

    def arrive(self, token: TokenRow, element_id: str, flow_id: str | None) -> None:
        """Put a token on a node; it enters when the agenda reaches it."""
        token.element_id = element_id
        token.flow_id = flow_id
        token.state = TokenState.WAITING
        self.work.tokens.touch(token)
        self.agenda.append(token.id)

    def run(self) -> None:
        """Process the agenda until every token rests."""
        from civicflow.engine.behaviours import enter, recheck_inclusive_joins

        while True:
            while self.agenda:
                token = self.work.tokens.rows.get(self.agenda.popleft())
                if token is None:
                    continue
                try:
                    enter(self, token)
                    if self.buffered_boundaries:
                        from civicflow.engine.events import deliver_buffered_to_boundaries

                        deliver_buffered_to_boundaries(self)
                except IncidentError as exc:
                    self.raise_incident(token, exc)
            if recheck_inclusive_joins(self):
                continue
            from civicflow.engine.conditions import recheck

            if not recheck(self):
                return

    def raise_incident(self, token: TokenRow, exc: IncidentError,
                       job_id: str | None = None) -> None:
        token.state = TokenState.INCIDENT
        self.work.tokens.touch(token)
        self.work.incidents.add(
            IncidentRow(
                id=new_id(),
                instance_id=token.instance_id,
                token_id=token.id,
                job_id=job_id,
                element_id=token.element_id,
                kind=exc.kind if exc.phase == "enter" else f"{exc.kind}:{exc.phase}",
                message=exc.message,
                created_at=self.now,
                state="open",
            )
        )

    def leave(self, token: TokenRow, node: Node, actor: str | None = None, *,
              body: bool = False) -> None:
        """The element is done: map outputs, close its local scope, follow outgoing flows.

        ``body`` marks the end of a multi-instance body (its outputs ran per item)."""
        graph = self.graph_of(self.instance_of(token))
        if not body:
            self.apply_outputs(token, node)
        if graph.has_compensation:
            from civicflow.engine.compensation import completed

            completed(self, token, node, body=body)  # may keep a subprocess's scope
        self.drop_local_scope(token)
        self.clear_attachments(token)
        self.record(token, node, "end", actor, "multiInstanceBody" if body else None)
        if node.multi_instance is not None and not body:
            scope = self.work.scope(token.scope_id)
            if scope is not None and scope.kind == "mi_item" and scope.element_id == node.id:
                self.consume(token)  # an inner instance ends inside its item scope
                return
        if node.id in graph.unconditional_exits:
            self.take(token, list(node.outgoing))
            return
        flows = []
        for flow_id in node.outgoing:
            flow = graph.flow(flow_id)
            if flow.condition is not None:
                # conditional flow out of an activity (implicit inclusive split)
                from civicflow.engine.expressions import evaluate_condition

                try:
                    ok = evaluate_condition(flow.condition, self.context(token.scope_id))
                except ExpressionError as exc:
                    raise IncidentError("condition", str(exc), phase="leave") from exc
                if not ok:
                    continue
            flows.append(flow_id)
        self.take(token, flows)

    def take(self, token: TokenRow, flow_ids: list[str]) -> None:
        """Send the token along the given flows (copies for the second and later flows)."""
        if not flow_ids:
            self.consume(token)
            return
        graph = self.graph_of(self.instance_of(token))
        for i, flow_id in enumerate(flow_ids):
            target = graph.flow(flow_id).target
            if i == 0:
                self.arrive(token, target, flow_id)
            else:
                copy = self.new_token(token.instance_id, token.scope_id, target, flow_id)
                self.agenda.append(copy.id)

    def clear_attachments(self, token: TokenRow) -> None:
        """Remove what waited on behalf of this token: tasks, jobs, subscriptions.

        The node says which of these can exist, so most steps query nothing here."""
        attachments = self.graph_of(self.instance_of(token)).attachments
        tasks, jobs, subs = attachments.get(token.element_id, (True, True, True))
        if tasks:
            for task in self.work.tasks_of(token.id):
                if task.state == "open":
                    task.state = "canceled"
                    task.completed_at = self.now
                    self.work.user_tasks.touch(task)
        if jobs:
            for job in self.work.jobs_of(token.id):
                self.work.jobs.delete(job)
        if subs:
            for sub in self.work.subscriptions_of(token.id):
                self.work.subscriptions.delete(sub)

    def resolve_incidents(self, token: TokenRow) -> None:
        if token.state != TokenState.INCIDENT:
            return
        for inc in self.work.incidents_of(token.id):
            if inc.state == "open":
                inc.state = "resolved"
                inc.resolved_at = self.now
                self.work.incidents.touch(inc)

    def consume(self, token: TokenRow) -> None:
        """The token ends here; its scope may be complete."""
        self.clear_attachments(token)
        self.drop_local_scope(token)
        self.resolve_incidents(token)
        self.work.tokens.delete(token)
        self.touched_scopes.add(token.scope_id)
        self.scope_maybe_done(token.scope_id)

    def cancel_token(self, token: TokenRow) -> None:
        """Withdraw a token without completing its element (interrupt, terminate)."""
        if token.local_scope_id is not None:
            self.cancel_scope_contents(token.local_scope_id)
        node = self.node_of(token)
        if not _is_join_wait(node, token):
            self.record(token, node, "cancel")
        if node.type == "callActivity":
            from civicflow.engine.behaviours import cancel_called_instances

            cancel_called_instances(self, token)
        self.clear_attachments(token)
        self.drop_local_scope(token)
        self.resolve_incidents(token)
        self.work.tokens.delete(token)

    def cancel_scope_contents(self, scope_id: str, *, keep_compensation: bool = False) -> None:
        """Cancel every token in a scope and in scopes below it.

        ``keep_compensation``: the scope goes on (an interrupting event subprocess, a
        cancelled transaction), so what its completed activities left for a later
        compensation stays."""
        scope = self.work.scope(scope_id)
        if scope is not None and scope.kind == "compensation":
            from civicflow.engine.compensation_called import runner_cancelled

            runner_cancelled(self, scope)  # it may wait for, or serve, another instance
        for token in list(self.work.tokens_in(scope_id)):
            self.cancel_token(token)
        for child in list(self.work.child_scopes(scope_id)):
            if keep_compensation and child.kind == "compensable":
                continue
            self.cancel_scope_contents(child.id)
            self.work.clear_scope_vars(child.id)
            self.work.clear_mi_values(child.id)
            self.work.scopes.delete(child)
        for sub in self.work.subscriptions_of(scope_id):  # event subprocess starts
            if keep_compensation and sub.kind == "compensate":
                continue
            self.work.subscriptions.delete(sub)
        for job in self.work.jobs_of(scope_id):
            self.work.jobs.delete(job)

    def scope_maybe_done(self, scope_id: str) -> None:
        """When the last token of a scope ends, the scope completes."""
        if self.work.tokens_in(scope_id):
            return
        scope = self.work.scope(scope_id)
        if scope is None:
            return
        if scope.data.get("items_open"):
            return
        from civicflow.engine.behaviours import scope_completed

        scope_completed(self, scope)

    def complete_instance(self, instance: InstanceRow, state: InstanceState) -> None:
        instance.state = state
        instance.ended_at = self.now
        self.work.instances.touch(instance)
        graph = self.graph_of(instance)
        if not graph.event_subprocesses and not graph.has_compensation:
            return  # nothing can be listening on behalf of the root scope
        # a called process's completed work stays for its caller's compensation
        keep = (graph.has_compensation and state == InstanceState.COMPLETED
                and instance.parent_token_id is not None)
        root = self.work.scope(instance.id)
        if root is not None:
            for sub in self.work.subscriptions_of(root.id):
                if not (keep and sub.kind == "compensate"):
                    self.work.subscriptions.delete(sub)
            for job in self.work.jobs_of(root.id):
                self.work.jobs.delete(job)
            if graph.has_compensation and not keep:
                from civicflow.engine.compensation import discard_kept_children

                discard_kept_children(self, root.id)


def _is_join_wait(node: Node, token: TokenRow) -> bool:
    return node.type in _GATEWAYS and len(node.incoming) > 1 and token.flow_id is not None
