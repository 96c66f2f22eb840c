"""The quick lane: ``GET /v1/subjects/{subject}/score`` answered before FastAPI's routing.

FastAPI matches a request against every route in turn and solves its parameters and
dependencies; for the read partners and people make most, that costs more CPU than the
read itself. This plain ASGI middleware answers a well-formed score read (a subject of
1 to 64 characters, no query but an optional ``purpose``, a bearer credential) through
the very function the route calls (:func:`._deps.stored_score_body`). Anything else,
and any refusal (bad credential, another's file, no purpose, no score, a rate limit),
goes on to the route, so every answer that is not a plain success is the route's own
problem document. The request id, metrics and log (:mod:`._observe`) wrap both.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from glasscredit.api._deps import SCORE_ROUTE, Services, stored_score_body
from glasscredit.exceptions import GlasscreditError

__all__ = ["QuickLane"]

_PATH = re.compile(r"/v1/subjects/([^/]{1,64})/score")
_QUERY = re.compile(rb"purpose=([a-z_]{1,32})")
_HEADERS = [(b"content-type", b"application/json")]
_ROUTE = SimpleNamespace(path=SCORE_ROUTE)


class QuickLane:
    """Answers plain score reads; hands every other request to ``app``."""

    def __init__(self, app: ASGIApp, api: Any) -> None:
        self.app = app
        self.api = api  # the application: its services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            body = await self._answer(scope)
            if body is not None:
                scope["route"] = _ROUTE  # the metrics' and the log's route label
                headers = [*_HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope) -> bytes | None:
        path = _PATH.fullmatch(scope["path"])
        if path is None:
            return None
        purpose = None
        if scope["query_string"]:
            query = _QUERY.fullmatch(scope["query_string"])
            if query is None:
                return None
            purpose = query.group(1).decode()
        token = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, cred = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and cred:
                    token = cred
                break
        if token is None:
            return None
        try:
            services: Services = self.api.state.services
            return await stored_score_body(services, path.group(1), token, purpose)
        except GlasscreditError:  # the route answers it, as a problem document
            return None
