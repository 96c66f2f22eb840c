"""The web pages: the person's own page and the operator's console (Jinja2, served by the API).

A thin adapter over :mod:`glasscredit.app`, like the REST service: each page calls use
cases and renders their typed results; a page signs in and authorises exactly as the API
does (:class:`WebServices` is the service's own check). Pages are server-rendered and
readable without JavaScript; charts are inline SVG with words for screen readers; the
one script (the what-if panel) only refreshes what a form already shows. Every asset
ships in this package; nothing is loaded from elsewhere. Needs the ``api`` extra.
"""

from glasscredit.web._core import WebServices
from glasscredit.web._install import install_pages

__all__ = ["WebServices", "install_pages"]
