"""Declaring a route: its path, its access rule (once) and its documented problems.

:func:`route` registers the rule in :data:`~glasscredit.api._deps.ROUTE_RULES` (the
authorisation matrix test is generated from it), publishes it in the OpenAPI schema
(``x-access``) and installs the dependency that enforces it. :func:`public` is for the
few routes anyone may call (health, readiness).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter

from glasscredit.api._deps import ROUTE_RULES, access
from glasscredit.api._problems import PROBLEM_RESPONSES
from glasscredit.app import AccessRule, Role

__all__ = ["PUBLIC", "public", "quick_route", "route", "rule"]

F = TypeVar("F", bound=Callable[..., Any])
#: the marker of a public route in ROUTE_RULES
PUBLIC = AccessRule(roles=())


def rule(*roles: Role, subject_file: bool = False, reads: str | None = None) -> AccessRule:
    return AccessRule(roles=roles, subject_file=subject_file, reads=reads)


def route(
    router: APIRouter, method: str, path: str, access_rule: AccessRule, **kwargs: Any
) -> Callable[[F], F]:
    """``router.api_route`` with the access rule enforced, registered and published."""
    full = (router.prefix or "") + path
    ROUTE_RULES[(method, full)] = access_rule
    extra = {"x-access": access_rule.as_json(), **kwargs.pop("openapi_extra", {})}
    return router.api_route(
        path,
        methods=[method],
        dependencies=[access(access_rule)],
        responses=PROBLEM_RESPONSES,
        openapi_extra=extra,
        **kwargs,
    )


def quick_route(
    router: APIRouter, method: str, path: str, access_rule: AccessRule, **kwargs: Any
) -> Callable[[F], F]:
    """A route that enforces ``access_rule`` itself (:func:`~glasscredit.api._deps.
    authorize_quickly`) instead of through the dependency chain: registered and published
    exactly like :func:`route`, for the hot reads whose every microsecond counts."""
    full = (router.prefix or "") + path
    ROUTE_RULES[(method, full)] = access_rule
    return router.api_route(
        path,
        methods=[method],
        responses=PROBLEM_RESPONSES,
        openapi_extra={"x-access": access_rule.as_json()},
        **kwargs,
    )


def public(router: APIRouter, method: str, path: str, **kwargs: Any) -> Callable[[F], F]:
    ROUTE_RULES[(method, (router.prefix or "") + path)] = PUBLIC
    return router.api_route(path, methods=[method], **kwargs)
