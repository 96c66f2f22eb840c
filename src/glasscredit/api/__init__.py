"""The REST service: a thin adapter over :mod:`glasscredit.app` (FastAPI, served by uvicorn).

Route handlers call one use case each and hold no domain logic and no SQL. Errors are
RFC 9457 problem details mapped from the one error tree in :mod:`._problems`; each
route declares its access rule once (:mod:`._routing`), which the authorisation
matrix test is generated from. Needs the ``api`` extra.
"""

from glasscredit.api._app import API_VERSION, create_app, create_app_from_env
from glasscredit.api._deps import ROUTE_RULES
from glasscredit.api._observe import MULTIPROC_ENV, JsonFormatter, configure_logging
from glasscredit.api._problems import STATUS, Problem
from glasscredit.api._routing import PUBLIC
from glasscredit.api._tokens import TokenVerifier, issue_subject_token

__all__ = [
    "API_VERSION",
    "MULTIPROC_ENV",
    "PUBLIC",
    "ROUTE_RULES",
    "STATUS",
    "JsonFormatter",
    "Problem",
    "TokenVerifier",
    "configure_logging",
    "create_app",
    "create_app_from_env",
    "issue_subject_token",
]
