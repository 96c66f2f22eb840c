"""The inputs digest of a score, versioned: what pins the events that counted.

Event content is immutable per id (a changed resend is a conflict), so the ids of the
events that count, plus the external values, pin a score's inputs exactly.

* version 1 (scores stored before version 2): ``sha256("<sorted ids, comma-joined>|<ext>")``
  as 64 hex digits. Sorting and joining id strings per subject cost more than all the
  features of a batch, so new scores use
* version 2 (scores stored before ids were per source): ``"v2"`` + the first 62 hex
  digits of ``sha256("<n>:<lo>:<hi>|<ext>")``, where ``n`` counts the ids and
  ``lo``/``hi`` sum the low and high 32 bits of each id's stable 64-bit hash
  (:mod:`glasscredit.store._idhash`): an order-free sum the batch kernel aggregates
  in its one ``group_by``. Since migration 0014 two sources may use the same id, and
  two events of one subject with one id would hash alike whichever of them counted, so
  new scores use
* version 3: as version 2, prefixed ``"v3"``, over the hash of each event's key
  (``source + "\x1f" + event_id``), which names exactly one event.

All fit the stored 64 characters; a version-1 digest is 64 hex digits, so it never
starts with ``v``. ``verify_score`` recomputes a stored digest in its own version. A
subject with no counted event and no external value has the digest ``""`` in all.
Versions 2 and 3 are integrity checks against changed inputs (a different set of
events collides with probability about 2**-64); unlike version 1 they do not resist
ids crafted to collide, since the per-event hash is not cryptographic.
"""

from __future__ import annotations

import hashlib

import polars as pl

from glasscredit.canonical import sha256_hex
from glasscredit.features import ID_SUMS, id_hash_sums

__all__ = [
    "V2",
    "V3",
    "batch_digests",
    "digest_v1",
    "digest_v2",
    "digest_v3",
    "ext_text",
    "external_text",
    "subject_digest",
]

V2 = "v2"
V3 = "v3"


def digest_v1(counted_ids: list[str], ext: str | None) -> str:
    """Version 1 of one subject (``counted_ids`` in any order)."""
    if not counted_ids and ext is None:
        return ""
    return sha256_hex(f"{','.join(sorted(counted_ids))}|{ext or ''}")


def digest_v2(n: int, lo: int, hi: int, ext: str | None) -> str:
    """Version 2 from the id count and hash sums of one subject."""
    if n == 0 and ext is None:
        return ""
    return V2 + sha256_hex(f"{n}:{lo}:{hi}|{ext or ''}")[:62]


def digest_v3(n: int, lo: int, hi: int, ext: str | None) -> str:
    """Version 3 from the event count and key hash sums of one subject."""
    if n == 0 and ext is None:
        return ""
    return V3 + sha256_hex(f"{n}:{lo}:{hi}|{ext or ''}")[:62]


def ext_text(external: pl.DataFrame) -> pl.DataFrame:
    """subject, ``_ext``: the external values as both versions spell them."""
    cols = [c for c in external.columns if c != "subject"]
    return external.select(
        "subject",
        pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in cols], separator=";").alias(
            "_ext"
        ),
    )


def external_text(subject: str, external: pl.DataFrame | None) -> str | None:
    """One subject's external values as the digest spells them (None: no row)."""
    if external is None or external.height == 0:
        return None
    if external.height == 1:  # one subject's read (explain): no filter to run
        if external.get_column("subject")[0] != subject:
            return None
        text: str | None = ext_text(external).get_column("_ext")[0]
        return text
    mine = ext_text(external).filter(pl.col("subject") == subject)
    return mine["_ext"][0] if mine.height else None


def subject_digest(subject: str, counted_keys: list[str], external: pl.DataFrame | None) -> str:
    """Version 3 of one subject from the keys (source and id) of its counted events."""
    n, lo, hi = id_hash_sums(counted_keys)
    return digest_v3(n, lo, hi, external_text(subject, external))


def batch_digests(sums: pl.DataFrame, external: pl.DataFrame | None) -> pl.DataFrame:
    """subject, inputs_digest (version 3) from subject and the kernel's ``ID_SUMS``.

    Null sums (no counted event) count as zero.
    """
    n, lo, hi = ID_SUMS
    if external is not None and external.height:
        sums = sums.join(ext_text(external), on="subject", how="left")
    else:
        sums = sums.with_columns(pl.lit(None, dtype=pl.String).alias("_ext"))
    n0, lo0, hi0 = (pl.col(c).fill_null(0) for c in (n, lo, hi))
    # the text digest_v3 hashes, built column-wise; null where there is nothing to pin
    text = (
        pl.when((n0 == 0) & pl.col("_ext").is_null())
        .then(None)
        .otherwise(
            pl.concat_str(
                [n0, pl.lit(":"), lo0, pl.lit(":"), hi0, pl.lit("|"), pl.col("_ext").fill_null("")]
            )
        )
    )
    texts = sums.select(text.alias("t"))["t"].to_list()
    sha = hashlib.sha256  # sha256_hex's primitive, called directly: a million subjects
    digests = ["" if x is None else V3 + sha(x.encode()).hexdigest()[:62] for x in texts]
    return sums.select("subject").with_columns(pl.Series("inputs_digest", digests, dtype=pl.String))
