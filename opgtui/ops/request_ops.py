"""Production request operations: the workflow decisions of :mod:`opgtui.domain.requests` applied to the store.

Shared by `opgtui request` and the Requests screens. Every change is saved with its audit entry (who, when,
field diffs) in one transaction; a refused attempt on a stored request is recorded too, then re-raised.
A stale version raises :class:`opgtui.store.RequestConflict` and overwrites nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from opgtui.config import Config, Roles
from opgtui.core.model import Job, ProductionRequest
from opgtui.domain import requests
from opgtui.domain.requests import (
    Progress,
    Refused,
    TeamRoles,
    check_edit,
    check_priority,
    check_transition,
    diff,
    missing,
    problems,
    snapshot,
    summarize_jobs,
    with_changes,
)
from opgtui.store import Store


def actor(store: Store, cfg: Config) -> tuple[str, Roles]:
    """Who acts and the workflow roles to check them against. SQLite: the process's user and the config's
    ``roles``. PostgreSQL: the database user, and approver when the database makes them a member of the team's
    approver or admin role, never because the config lists them (the config's operators still count; a store
    whose roles were never applied falls back to the config, as the database then refuses nothing either)."""
    if store.dialect == "sqlite":
        return requests.whoami(), cfg.roles
    who, held = store.actor()
    if held is None:
        return who, cfg.roles
    approver = held.get("approver", ("", False))[1] or held.get("admin", ("", False))[1]
    return who, TeamRoles(
        operators=list(cfg.roles.operators),
        approvers=[who] if approver else [],
        approver_role=held.get("approver", ("opgtui_approver", False))[0],
    )


def _acting(store: Store, cfg: Config, who: str) -> tuple[str, Roles]:
    """``who`` (as the caller names them) and the config's roles on SQLite; :func:`actor` on PostgreSQL."""
    return (who, cfg.roles) if store.dialect == "sqlite" else actor(store, cfg)


def _refuse(
    store: Store, req: ProductionRequest, who: str, action: str, exc: Refused, now: float | None = None
) -> Refused:
    if req.id is not None:
        store.audit_request(req.id, who, f"refused {action}", {"reason": str(exc)}, now)
    return exc


def _check_values(req: ProductionRequest, cfg: Config) -> None:
    found = problems(req, cfg)
    if found:
        name, message = next(iter(found.items()))
        raise ValueError(f"{name}: {message}")


def create(
    store: Store,
    cfg: Config,
    who: str,
    experiment: str,
    title: str,
    fields: Mapping[str, Any],
    *,
    action: str = "create",
    note: str = "",
    now: float | None = None,
) -> ProductionRequest:
    """A new draft by ``who``; ValueError when a value makes no sense here (unknown experiment, service)."""
    who = actor(store, cfg)[0] if store.dialect != "sqlite" else who  # the database stamps its own user anyway
    req = with_changes(ProductionRequest(experiment.strip(), " ".join(title.split()), who), fields=fields)
    _check_values(req, cfg)
    changes: dict[str, Any] = {k: [None, v] for k, v in snapshot(req).items() if k != "status" and v not in (None, "")}
    if note:
        changes["source"] = note
    return store.save_request(req, who, action, changes, now)


def edit(
    store: Store,
    cfg: Config,
    req: ProductionRequest,
    who: str,
    *,
    title: str | None = None,
    experiment: str | None = None,
    fields: Mapping[str, Any] | None = None,
    action: str = "edit",
    now: float | None = None,
) -> ProductionRequest:
    """Save an edit of ``req`` (as read, at its version); returns the saved request, or ``req`` if nothing changed."""
    new = with_changes(req, title=title, experiment=experiment, fields=fields)
    changes = diff(req, new)
    if not changes:
        return req
    who, roles = _acting(store, cfg, who)
    try:
        check_edit(req, who, roles, changes)
    except Refused as exc:
        raise _refuse(store, req, who, action, exc, now) from None
    _check_values(new, cfg)
    return store.save_request(new, who, action, changes, now)


def transition(
    store: Store,
    cfg: Config,
    req: ProductionRequest,
    action: str,
    who: str,
    reason: str = "",
    priority: int | None = None,
    now: float | None = None,
) -> ProductionRequest:
    """Move ``req`` along the workflow; approving may set the priority (default: the requested one)."""
    who, roles = _acting(store, cfg, who)
    try:
        t = check_transition(req, action, who, roles, reason, missing(req, cfg) if action == "submit" else ())
        if action == "approve":
            wanted = req.fields.get("requested_priority")
            priority = priority if priority is not None else (req.priority or (int(wanted) if wanted else None))
            if priority is not None:
                check_priority(req, who, roles, priority)
    except Refused as exc:
        raise _refuse(store, req, who, action, exc, now) from None
    new = replace(
        req,
        status=t.target,
        fields=dict(req.fields),
        priority=priority if action == "approve" and priority is not None else req.priority,
    )
    changes: dict[str, Any] = diff(req, new)
    if reason.strip():
        changes["reason"] = reason.strip()
    return store.save_request(new, who, action, changes, now)


def set_priority(store: Store, cfg: Config, req: ProductionRequest, who: str, priority: int) -> ProductionRequest:
    who, roles = _acting(store, cfg, who)
    try:
        check_priority(req, who, roles, priority)
    except Refused as exc:
        raise _refuse(store, req, who, "priority", exc) from None
    new = replace(req, priority=priority, fields=dict(req.fields))
    changes = diff(req, new)
    return store.save_request(new, who, "priority", changes) if changes else req


def link_attribute(cfg: Config, req: ProductionRequest) -> str:
    """The job attribute that names this request's batches (the experiment's request_link)."""
    exp = cfg.experiment(req.experiment)
    return exp.request_link if exp else "JobBatchName"


def linked_jobs(store: Store, cfg: Config, req: ProductionRequest) -> tuple[list[Job], Progress]:
    """The jobs of the request's linked batches and their summary."""
    batches = list(req.fields.get("batches") or ())
    jobs = store.request_jobs(batches, link_attribute(cfg, req))
    verdicts = store.verdict_summaries() if jobs else {}
    return jobs, summarize_jobs(jobs, verdicts)
