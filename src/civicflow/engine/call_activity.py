"""Call activities: start a child instance of another process and wait for it to end."""

from __future__ import annotations

from typing import Any

from civicflow.engine import binding
from civicflow.engine.graph import Node
from civicflow.engine.rows import InstanceRow, InstanceState, ScopeRow, TokenRow
from civicflow.engine.runtime import IncidentError, Runtime, new_id


def create_instance(rt: Runtime, deployment_id: str, variables: dict[str, Any],
                    business_key: str | None, parent: TokenRow | None,
                    start_id: str | None = None) -> InstanceRow:
    """Create an instance row, its root scope (id = instance id) and the start token."""
    graph = rt.graphs(deployment_id)
    inst = rt.work.instances.add(
        InstanceRow(
            id=new_id(),
            deployment_id=deployment_id,
            process_id=graph.process_id,
            version=rt.work.port.deployment_version(deployment_id),
            business_key=business_key,
            state=InstanceState.ACTIVE,
            started_at=rt.now,
            ended_at=None,
            parent_instance_id=parent.instance_id if parent is not None else None,
            parent_token_id=parent.id if parent is not None else None,
            lock_version=0,
        )
    )
    rt.work.add_scope(ScopeRow(id=inst.id, instance_id=inst.id, parent_id=None, token_id=None,
                               element_id=graph.process_id, kind="process"))
    for name, value in variables.items():
        rt.work.set_var(inst.id, inst.id, name, value)
    from civicflow.engine.events import open_event_subprocesses

    open_event_subprocesses(rt, inst.id, inst.id, graph.event_subprocesses)
    starts = [start_id] if start_id else [
        s for s in graph.starts
        if graph.node(s).event is None or graph.node(s).event.kind == "none"  # type: ignore[union-attr]
    ]
    if not starts:
        starts = list(graph.starts[:1])
    if not starts:
        from civicflow.engine.errors import InvalidCommandError

        raise InvalidCommandError(f"Process '{graph.process_id}' has no start event to start from.")
    token = rt.new_token(inst.id, inst.id, starts[0])
    rt.agenda.append(token.id)
    return inst


def start_child(rt: Runtime, token: TokenRow, node: Node) -> None:
    assert node.called_element is not None
    process_id = str(rt.eval_in(token, node.called_element))
    inst = rt.instance_of(token)
    port = rt.work.port
    deployment_id = binding.choose(
        node.called_binding, lambda: port.deployments_of(process_id),
        together=lambda: port.deployed_together(process_id, inst.deployment_id),
        tag=node.called_version_tag, tag_of=lambda dep: rt.graphs(dep).version_tag)
    if deployment_id is None:
        deployed = bool(port.deployments_of(process_id))
        raise IncidentError("called_element", binding.not_found(
            f"Call activity '{node.id}'", "call activity", f"process '{process_id}'",
            node.called_binding, deployed=deployed, tag=node.called_version_tag, version=None,
            deploy_hint="Deploy it"))
    variables = rt.context(rt.var_scope(token)) if node.propagate_all_parent else (
        dict(rt.work.local_vars(token.local_scope_id)) if token.local_scope_id else {}
    )
    create_instance(rt, deployment_id, variables, inst.business_key, token)


def child_ended(rt: Runtime, instance_id: str, *, terminated: bool) -> None:
    """A called instance ended: its variables flow back and the call activity completes."""
    child = rt.work.instance(instance_id)
    if child is None or child.parent_token_id is None:
        return
    parent = rt.work.token(child.parent_token_id)
    if parent is None:
        return
    rt.work.instance(parent.instance_id)  # takes the parent's optimistic lock
    node = rt.node_of(parent)
    if not terminated and rt.graph_of(child).has_compensation:
        from civicflow.engine.compensation_called import called_process_completed

        called_process_completed(rt, parent, node, child)  # its work stays compensable
    values = dict(rt.work.local_vars(child.id))
    if node.propagate_all_child:
        rt.apply_result(parent, node, values)
    elif node.outputs:
        local = rt.ensure_local_scope(parent)
        for name, value in values.items():
            rt.set_local(local, parent.instance_id, name, value)
    try:
        rt.leave(parent, node)
    except IncidentError as exc:
        rt.raise_incident(parent, exc)


def cancel_children(rt: Runtime, token: TokenRow) -> None:
    """The call activity was interrupted: terminate the instances it started."""
    ids = list(rt.work.port.child_instances(token.id))
    ids += [i.id for i in rt.work.instances.rows.values()
            if i.parent_token_id == token.id and i.id not in ids]  # started by this command
    for child_id in ids:
        child = rt.work.instance(child_id)
        if child is None or child.state != InstanceState.ACTIVE:
            continue
        rt.cancel_scope_contents(child.id)
        rt.complete_instance(child, InstanceState.TERMINATED)

