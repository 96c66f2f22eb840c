"""The scoring engine over a ledger: explain one subject, score many, store and verify.

Single subject and batch run the same kernel (:func:`compute_features`) and the same
points; a test checks they agree exactly. Batch work goes by chunks of subjects, each
chunk holding all of its subjects' events, which is also how a distributed runner
partitions the population.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from glasscredit.exceptions import NotFoundError
from glasscredit.features import (
    ID_HASH,
    ID_SUMS,
    FeatureFrame,
    attribute_event_types,
    compute_features,
    countable_events,
    id_sum_aggregates,
    key_hashes,
    subject_pass,
)
from glasscredit.policy import EXTERNAL_FEATURES, PointsTable, Policy
from glasscredit.scoring._digest import batch_digests, digest_v3, external_text, subject_digest
from glasscredit.scoring._explain import Explanation, explain_row
from glasscredit.scoring._probation_lines import probation_lines
from glasscredit.scoring._provisional import with_disputes
from glasscredit.scoring._scorecard import ScoredFrame, score_frame, table_in_force
from glasscredit.store import Store

__all__ = ["EXTERNAL_SNAPSHOTS", "Scorer", "inputs_digests", "score_events", "subject_digest"]

#: external feature -> the kind of stored snapshot its values come from (the policy's list)
EXTERNAL_SNAPSHOTS = {name: e.snapshot for name, e in EXTERNAL_FEATURES.items()}


def inputs_digests(
    events: pl.DataFrame,
    scorer: Scorer,
    as_of_us: int,
    exclusions: pl.DataFrame,
    external: pl.DataFrame | None,
) -> pl.DataFrame:
    """Per subject: the (version-3) digest of the events that count and external values.

    See :mod:`._digest`; a stored score is checked by recomputing its digest.
    """
    df = (
        events
        if ID_HASH in events.columns
        else events.with_columns(pl.Series(ID_HASH, key_hashes(events)))
    )
    lf = countable_events(df, scorer.policy, as_of_us, exclusions, ordered=False)
    sums = lf.group_by("subject").agg(id_sum_aggregates()).collect()
    if external is not None and external.height:
        sums = sums.join(external.select("subject"), on="subject", how="full", coalesce=True)
    return batch_digests(sums, external)


def score_events(
    events: pl.DataFrame,
    policy: Policy,
    table: PointsTable,
    as_of_us: int,
    *,
    subjects: list[str],
    exclusions: pl.DataFrame,
    external: pl.DataFrame | None,
    ledger_us: int | None = None,
) -> tuple[ScoredFrame, pl.DataFrame]:
    """Points and inputs digests of ``subjects`` from their events: pure, no I/O.

    The one batch computation: :meth:`Scorer.score_chunk` calls it on a chunk read from
    the ledger, the Spark runner (``glasscredit.batch``) on each partition.
    """
    both = compute_features(
        events,
        policy,
        as_of_us,
        exclusions=exclusions,
        external=external,
        subjects=subjects,
        with_ids=True,
        ledger_us=ledger_us,
    )  # digests: same pass
    ff = FeatureFrame(as_of_us, both.frame.drop(ID_SUMS))
    scored = score_frame(ff, policy, table)
    return scored, batch_digests(both.frame.select("subject", *ID_SUMS), external)


_MIRROR_MIN_SUBJECTS = 20_000  # below this, a named subject list reads SQL by index


@dataclass(slots=True)
class ChunkResult:
    scored: ScoredFrame
    digests: pl.DataFrame
    events: pl.DataFrame
    exclusions: pl.DataFrame
    last_seq: pl.DataFrame  # subject, last_seq: the newest event each score has seen
    #: kind -> the snapshot version read (each stored score pins them in its detail);
    #: None where the reader does not know them (the Spark runner's rows)
    versions: dict[str, int] | None = None


def last_seqs(events: pl.DataFrame) -> pl.DataFrame:
    """subject, last_seq: each subject's newest event seq (the scoring cursor's mark).

    Rows come in subject order when the events do (a range scan of one mirror segment),
    in no particular order otherwise.
    """
    subject, seq = events.get_column("subject"), events.get_column("seq")
    # a mirror segment is sorted by subject, so a subject's events come in a few runs
    # (one per segment its events are in): each run's maximum first, without hashing
    # the 7M subject strings nor copying them into one chunk; then a group_by of the
    # runs only when a subject has more than one. For 7M events: 0.4-0.7 -> 0.05-0.1
    # CPU s in one segment, 0.5 -> 0.2 in nine
    starts = subject.ne_missing(subject.shift(1)).arg_true()
    if seq.null_count() or 2 * starts.len() > events.height:  # few runs of one subject
        # the two columns in one chunk first: cheaper to group (rechunk included)
        two = events.select("subject", "seq").rechunk()
        return two.group_by("subject").agg(pl.col("seq").max().alias("last_seq"))
    runs = pl.DataFrame(
        {
            "subject": subject.gather(starts),
            "last_seq": pl.Series(
                np.maximum.reduceat(seq.to_numpy(), starts.to_numpy()), dtype=pl.Int64
            ),
        }
    )
    if runs.get_column("subject").is_sorted():  # adjacent runs differ: each subject once
        return runs
    return runs.group_by("subject").agg(pl.col("last_seq").max())


class Scorer:
    """Scores subjects of one ledger under its policy (or a given points table)."""

    def __init__(
        self, ledger: Store, *, table: PointsTable | None = None, use_mirror: bool = True
    ) -> None:
        self.ledger = ledger
        self.use_mirror = use_mirror  # batch reads from the ledger's columnar mirror
        self.policy = ledger.policy
        self.table = table_in_force(ledger.policy, table)
        #: the hash of the points table in force, stored with each score as ``model_hash``
        self.table_hash = self.table.hash
        self._attribute_types = attribute_event_types(self.policy)
        self._external = [
            (f.name, EXTERNAL_SNAPSHOTS[f.name])
            for f in self.policy.features
            if f.agg == "external" and f.name in EXTERNAL_SNAPSHOTS
        ]
        self._reader = ledger.subject_reader(self._attribute_types, self._external)

    def close(self) -> None:
        """Close the connection kept for single-subject reads (reopened on next use)."""
        self._reader.close()

    # -- inputs ---------------------------------------------------------------------
    def exclusions(self, subjects_in: list[str] | None = None) -> pl.DataFrame:
        return self.ledger.exclusions.frame(subjects_in)

    @property
    def external_kinds(self) -> list[str]:
        """The kinds of snapshot the policy's external features read."""
        return sorted({kind for _, kind in self._external})

    def snapshot_versions(self, as_of_us: int) -> dict[str, int]:
        """Kind -> the snapshot version a read as of ``as_of_us`` takes now (the newest
        made); kinds with no snapshot are left out. A stored score pins these."""
        chosen = {k: self.ledger.snapshots.chosen(k, as_of_us) for k in self.external_kinds}
        return {k: v for k, v in chosen.items() if v is not None}

    def external(
        self,
        as_of_us: int,
        subjects_in: list[str] | None = None,
        *,
        made_by_us: int | None = None,
        versions: dict[str, int] | None = None,
    ) -> pl.DataFrame | None:
        """External features from the newest snapshot at or before ``as_of_us``.

        ``trust`` comes from the ``trust`` snapshots, ``corroborated_reports`` from the
        ``reports`` ones; each kind's snapshot is chosen on its own, so a time with no
        snapshot of one kind leaves that feature missing. ``made_by_us``: only snapshot
        versions made by then (None: the newest), as a stored score was computed with;
        ``versions``: exactly these (kind -> version), as a stored score pinned them.
        """
        if not self._external:
            return None
        return self.ledger.snapshots.external(
            self._external, as_of_us, subjects_in, made_by_us=made_by_us, versions=versions
        )

    def events(
        self,
        subjects_in: list[str] | None,
        as_of_us: int,
        *,
        subject_range: tuple[str, str] | None = None,
    ) -> pl.DataFrame:
        """Events recorded by ``as_of_us``; attributes only where a feature reads them."""
        df = pl.from_arrow(
            self.ledger.event_table(
                subjects_in=subjects_in,
                subject_range=subject_range,
                recorded_by_us=as_of_us,
                attribute_types=attribute_event_types(self.policy),
            )
        )
        assert isinstance(df, pl.DataFrame)
        return df

    # -- one subject ------------------------------------------------------------------
    def explain(
        self,
        subject: str,
        as_of_us: int,
        *,
        made_by_us: int | None = None,
        versions: dict[str, int] | None = None,
        max_seq: int | None = None,
        ledger_us: int | None = None,
    ) -> Explanation:
        """The exact explanation of one subject's score as of a time.

        Three raw queries (events, exclusions, external values) on the store's subject
        reader and one kernel pass that yields features, provenance and digest
        together; the kernel and points are the batch path's (a property test checks
        single == batch). ``made_by_us``: read only snapshot versions made by then (a
        stored score's computation time reproduces it). ``versions`` and ``max_seq``: the
        snapshot versions and the newest event a stored score pinned (what it read, even
        when more was written in the same microsecond). ``ledger_us``: the ledger position
        (default ``as_of_us``): a past time read over what the ledger knows later. The
        subject's disputes are read too: what each open one does, in plain words, and
        perks resting on one are marked provisional (a second kernel pass, only while a
        frozen dispute is open; ``scoring._provisional``).
        """
        inputs = self._reader.read(
            subject,
            as_of_us,
            made_by_us=made_by_us,
            versions=versions,
            recorded_by_us=ledger_us,
        )
        if not inputs.known:
            raise NotFoundError(f"subject {subject!r} is not in the ledger")
        events = inputs.events
        if max_seq is not None:
            events = events.filter(pl.col("seq") <= max_seq)
        one = subject_pass(
            events,
            self.policy,
            as_of_us,
            subject,
            exclusions=inputs.exclusions,
            external=inputs.external,
            ledger_us=ledger_us,
        )
        exp = explain_row(
            self.policy,
            self.table,
            subject,
            as_of_us,
            one.values,
            one.provenance,
            # the kernel's key hash sums: subject_digest without building the key strings
            inputs_digest=digest_v3(*one.key_sums, external_text(subject, inputs.external)),
            table_hash=self.table_hash,
            late=one.late,
        )
        if inputs.exclusions.height:  # records a probation holds, in plain words
            exp.held = probation_lines(self.ledger, subject, events, as_of_us)
        # what open disputes do, in plain words; perks resting on one are provisional
        return with_disputes(
            self.ledger,
            self.table,
            exp,
            events,
            inputs.exclusions,
            inputs.external,
            ledger_us=ledger_us,
        )

    # -- many subjects ------------------------------------------------------------------
    def score_chunk(
        self,
        subjects_in: list[str],
        as_of_us: int,
        events: pl.DataFrame | None = None,
        last_seq: pl.DataFrame | None = None,
        ledger_us: int | None = None,
    ) -> ChunkResult:
        """Features, points and digests for a list of subjects (a partition).

        ``last_seq`` is :func:`last_seqs` of ``events`` when the caller has it already.
        """
        c = as_of_us if ledger_us is None else ledger_us
        ev = events if events is not None else self.events(subjects_in, c)
        # a long IN list would pass SQLite's 32,766 parameters: read all, keep the chunk's
        few = len(subjects_in) <= 20_000
        excl = self.exclusions(subjects_in if few else None)
        versions = self.snapshot_versions(as_of_us)
        ext = self.external(as_of_us, subjects_in if few else None, versions=versions)
        if ext is not None and not few:
            ext = ext.filter(pl.col("subject").is_in(subjects_in))
        scored, digests = score_events(
            ev,
            self.policy,
            self.table,
            as_of_us,
            subjects=subjects_in,
            exclusions=excl,
            external=ext,
            ledger_us=ledger_us,
        )
        return ChunkResult(
            scored,
            digests,
            ev,
            excl,
            last_seq if last_seq is not None else last_seqs(ev),
            versions,
        )

    def all_subjects(self) -> list[str]:
        """Every subject, sorted."""
        return self.ledger.all_subjects()

    def iter_chunks(
        self,
        as_of_us: int,
        subjects_in: list[str] | None = None,
        chunk_subjects: int = 100_000,
        progress: Callable[[int, int], None] | None = None,
        ledger_us: int | None = None,
    ) -> Iterator[ChunkResult]:
        everyone = subjects_in is None
        who = self.all_subjects() if subjects_in is None else subjects_in
        parts = [who[i : i + chunk_subjects] for i in range(0, len(who), chunk_subjects)]

        # a few named subjects are cheaper by the SQL index than by scanning the mirror
        large = everyone or len(who) > _MIRROR_MIN_SUBJECTS
        mirror = self.ledger.mirror if self.use_mirror and large else None
        if mirror is not None:
            mirror.sync()  # two small queries when nothing is new

        c = as_of_us if ledger_us is None else ledger_us

        def read(part: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
            # the whole population in subject order: one range scan per chunk; a subject
            # list: its events by id (split to respect SQLite's parameter limit)
            rng = (part[0], part[-1]) if everyone else None
            if mirror is not None:
                ev = mirror.scan(
                    subject_range=rng,
                    subjects_in=None if everyone else part,
                    recorded_by_us=c,
                    attribute_types=self._attribute_types,
                    with_id_hash=True,
                )
            elif everyone:
                ev = self.events(None, c, subject_range=rng)
            else:
                ev = self.events(part, c)
            return ev, last_seqs(ev)  # the cursor marks, off the kernel's thread

        done = 0
        # read chunk n+1 (and its cursor marks) while chunk n computes: the SQLite
        # driver and polars both release the GIL, so the two cores overlap I/O with the
        # kernel
        with ThreadPoolExecutor(max_workers=1) as pool:
            ahead = pool.submit(read, parts[0]) if parts else None
            for n, part in enumerate(parts):
                assert ahead is not None
                ev, marks = ahead.result()
                ahead = pool.submit(read, parts[n + 1]) if n + 1 < len(parts) else None
                yield self.score_chunk(part, as_of_us, ev, marks, ledger_us)
                done += len(part)
                if progress:
                    progress(done, len(who))
