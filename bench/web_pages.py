"""How long each web page takes to render on the server, over a demo population.

    python bench/web_pages.py [--subjects 2000] [--repeat 20]

Prepares (untimed) a SQLite ledger in a temporary folder with ``glasscredit demo``'s
population of ``--subjects`` subjects, scored and stored, an operator key and a signed
token for one subject. Then requests every page in-process (Starlette's TestClient, the
whole stack but the socket: sign-in check, use cases, templates) ``--repeat`` times and
prints the median and the slowest time per page, and the size of the HTML.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from glasscredit import app as uc
from glasscredit.api import create_app, issue_subject_token
from glasscredit.config import Settings, system_clock


def keypair(tmp: Path) -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    priv, pub = tmp / "idp.pem", tmp / "idp.pub.pem"
    priv.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return priv, pub


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        priv, pub = keypair(tmp)
        settings = Settings(
            database_url=f"sqlite:///{tmp / 'ledger.db'}",
            secret=secrets.token_urlsafe(32),
            jwt_private_key=priv,
            jwt_public_key=pub,
            rate_limit=1e6,
            rate_burst=1_000_000,
        )
        api = create_app(settings, clock=system_clock)
        with TestClient(api) as client:
            with api.state.services.context() as ctx:
                result = uc.demo(ctx, subjects=args.subjects)
                subject = result.example.subject
                operator = uc.create_key(ctx, name="bench", role="operator").token
            person = issue_subject_token(settings, subject, now_s=system_clock() // 1_000_000)
            pages = {
                "person": (person, f"/people/{subject}"),
                "person + what-if": (person, f"/people/{subject}?pay_on_time=6"),
                "what-if panel": (person, f"/people/{subject}/what-if?pay_on_time=6"),
                "console": (operator, "/console"),
                "console/disputes": (operator, "/console/disputes"),
                "console/reviews": (operator, "/console/reviews"),
                "console/sources": (operator, "/console/sources"),
                "console/model": (operator, "/console/model"),
            }
            print(f"{args.subjects} subjects; {args.repeat} requests per page (in-process)")
            print(f"{'page':<20} {'median ms':>10} {'max ms':>8} {'HTML KiB':>9}")
            for name, (token, path) in pages.items():
                client.cookies.set("gc_session", token)
                times, size = [], 0
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    r = client.get(path)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, (path, r.status_code)
                    size = len(r.content)
                print(
                    f"{name:<20} {statistics.median(times):>10.1f} {max(times):>8.1f} "
                    f"{size / 1024:>9.1f}"
                )


if __name__ == "__main__":
    main()
