"""Mounting the pages and their static files on the service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from glasscredit.web import _console, _person, _reports, _signin
from glasscredit.web._core import HERE

__all__ = ["install_pages"]


def install_pages(app: FastAPI) -> None:
    """Serve the pages at ``/``, ``/signin``, ``/people/...``, ``/console/...`` and ``/static``.

    ``app.state.services`` must be a :class:`~glasscredit.web.WebServices` (the API's).
    """
    for router in (_signin.router, _person.router, _console.router, _reports.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
