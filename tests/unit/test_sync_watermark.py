"""The sync watermark: overlap window, dropping re-pulled records, pending batches.

The property tests drive a model CRM (records whose stamps may share a second and that become
visible to searches a little late) through arbitrary runs, caps and failed imports, and check
that no version is ever lost or imported twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.sync import watermark as wm
from functions.sync.ports import SyncRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OVERLAP = timedelta(seconds=5)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def rec(source_id: str, seconds: float) -> SyncRecord:
    return SyncRecord(source_id, at(seconds), {"email": f"{source_id}@example.com"})


def test_the_first_run_pulls_everything_and_the_watermark_is_the_newest_stamp() -> None:
    state = wm.SyncState()
    assert wm.since(state, OVERLAP) is None
    batch = wm.select(state, [rec("a", 1), rec("b", 3), rec("c", 3)], overlap=OVERLAP, max_records=100)
    assert [r.source_id for r in batch.records] == ["a", "b", "c"]
    assert batch.watermark == at(3)
    assert set(batch.seen) == {"a", "b", "c"}


def test_the_next_run_reads_behind_the_watermark_and_drops_what_it_already_imported() -> None:
    state = wm.SyncState(watermark=at(10), seen={"a": at(10), "b": at(7)})
    assert wm.since(state, OVERLAP) == at(5)
    pulled = [rec("b", 7), rec("late", 8), rec("a", 10), rec("same_stamp", 10), rec("a", 12)]
    batch = wm.select(state, pulled, overlap=OVERLAP, max_records=100)
    assert [(r.source_id, r.modified_at) for r in batch.records] == [
        ("late", at(8)),
        ("same_stamp", at(10)),
        ("a", at(12)),
    ]
    assert batch.watermark == at(12)
    # only stamps inside the next run's window are kept
    assert batch.seen == {"b": at(7), "late": at(8), "same_stamp": at(10), "a": at(12)}


def test_a_pull_of_only_known_records_is_empty_and_keeps_the_watermark() -> None:
    state = wm.SyncState(watermark=at(10), seen={"a": at(10)})
    batch = wm.select(state, [rec("a", 10)], overlap=OVERLAP, max_records=100)
    assert batch.records == [] and batch.watermark == at(10) and batch.pulled == 1


def test_the_cap_stops_at_max_new_records_and_the_rest_comes_next_run() -> None:
    pulled = [rec(f"r{i}", 10) for i in range(5)]
    first = wm.select(wm.SyncState(), pulled, overlap=OVERLAP, max_records=3)
    assert len(first.records) == 3 and first.capped and first.watermark == at(10)
    state = wm.resolve(wm.begin(wm.SyncState(), first, "job_1"), "complete").state
    second = wm.select(state, pulled, overlap=OVERLAP, max_records=3)
    assert [r.source_id for r in second.records] == ["r3", "r4"] and not second.capped


def test_one_record_pulled_twice_becomes_one_row_with_its_newest_version() -> None:
    batch = wm.select(wm.SyncState(), [rec("a", 1), rec("a", 2)], overlap=OVERLAP, max_records=1)
    assert [(r.source_id, r.modified_at) for r in batch.records] == [("a", at(2))]
    assert not batch.capped


@pytest.mark.parametrize(
    "status,outcome,watermark",
    [
        ("complete", "committed", at(9)),
        ("failed", "discarded", at(4)),
        ("rejected", "discarded", at(4)),
        (None, "discarded", at(4)),
        ("running", "running", at(4)),
        ("queued", "running", at(4)),
    ],
)
def test_the_pending_batch_moves_the_watermark_only_when_its_job_completes(
    status: str | None, outcome: str, watermark: datetime
) -> None:
    state = wm.SyncState(watermark=at(4), seen={"x": at(4)})
    batch = wm.select(state, [rec("y", 9)], overlap=OVERLAP, max_records=10)
    pending = wm.begin(state, batch, "job_9")
    assert pending.watermark == at(4) and pending.pending is not None
    resolution = wm.resolve(pending, status)
    assert resolution.outcome == outcome
    assert resolution.state.watermark == watermark
    assert (resolution.state.pending is None) == (outcome != "running")
    if outcome == "discarded":
        assert resolution.state.seen == {"x": at(4)}
        assert resolution.state.generation == 1


def test_the_state_survives_its_stored_form() -> None:
    state = wm.begin(
        wm.SyncState(watermark=at(4), seen={"x": at(4)}, generation=3),
        wm.select(wm.SyncState(), [rec("y", 9.000123)], overlap=OVERLAP, max_records=10),
        "job_1",
    )
    assert wm.SyncState.from_doc(state.to_doc()) == state


# --- properties --------------------------------------------------------------------------------

write = st.tuples(
    st.just("write"),
    st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    st.sampled_from([0, 0, 0, 1, 2]),  # clock advance: 0 gives records sharing one stamp
    st.integers(0, 4),  # seconds before the version becomes visible to searches (< overlap)
)
run = st.tuples(
    st.just("run"),
    st.integers(1, 4),  # per-run cap
    st.sampled_from(["complete", "complete", "failed", "rejected"]),
    st.sampled_from([0, 1, 3]),  # clock advance before the run
)


class ModelCrm:
    def __init__(self) -> None:
        self.clock = 0
        self.versions: dict[str, list[tuple[int, int]]] = {}  # id -> [(stamp, visible_at)]

    def write(self, source_id: str, advance: int, lag: int) -> None:
        self.clock += advance
        self.versions.setdefault(source_id, []).append((self.clock, self.clock + lag))

    def pull(self, since: datetime | None) -> list[SyncRecord]:
        out = []
        for source_id, versions in self.versions.items():
            visible = [stamp for stamp, seen_at in versions if seen_at <= self.clock]
            if visible and (since is None or at(max(visible)) >= since):
                out.append(rec(source_id, max(visible)))
        return sorted(out, key=lambda r: (r.modified_at, r.source_id))

    def latest(self) -> dict[str, datetime]:
        return {k: at(max(s for s, _ in v)) for k, v in self.versions.items()}


def _sync(
    state: wm.SyncState, crm: ModelCrm, cap: int, outcome: str, imported: list[tuple[str, datetime]]
) -> tuple[wm.SyncState, int]:
    batch = wm.select(state, crm.pull(wm.since(state, OVERLAP)), overlap=OVERLAP, max_records=cap)
    if not batch.records:
        return state, 0
    pending = wm.begin(state, batch, f"job_{state.generation}")
    if outcome == "complete":
        imported.extend((r.source_id, r.modified_at) for r in batch.records)
    return wm.resolve(pending, outcome).state, len(batch.records)


@settings(max_examples=400, deadline=None)
@given(steps=st.lists(st.one_of(write, run), max_size=40))
def test_no_version_is_lost_or_imported_twice_across_runs(steps: list[tuple]) -> None:
    crm = ModelCrm()
    state = wm.SyncState()
    imported: list[tuple[str, datetime]] = []
    for step in steps:
        if step[0] == "write":
            crm.write(step[1], step[2], step[3])
        else:
            crm.clock += step[3]
            state, _ = _sync(state, crm, step[1], step[2], imported)
    # everything becomes visible; runs that succeed catch up
    crm.clock += 10
    for _ in range(50):
        state, n = _sync(state, crm, 2, "complete", imported)
        if n == 0:
            break
    assert len(imported) == len(set(imported)), "a version was imported twice"
    last: dict[str, datetime] = {}
    for source_id, stamp in imported:
        assert source_id not in last or stamp > last[source_id], "an older version after a newer one"
        last[source_id] = stamp
    assert last == crm.latest(), "a record's newest version was never imported"
    assert state.pending is None


@settings(max_examples=200, deadline=None)
@given(
    stamps=st.lists(st.integers(0, 3), min_size=1, max_size=30),
    cap=st.integers(1, 5),
    boundaries=st.lists(st.integers(0, 30), max_size=6),
)
def test_records_sharing_stamps_survive_any_cap_and_run_boundary(
    stamps: list[int], cap: int, boundaries: list[int]
) -> None:
    """Records land one by one (many on the same second); runs happen after arbitrary prefixes."""
    crm = ModelCrm()
    state = wm.SyncState()
    imported: list[tuple[str, datetime]] = []
    cuts = set(boundaries)
    for i, stamp in enumerate(sorted(stamps)):
        crm.clock = stamp
        crm.versions[f"r{i}"] = [(stamp, stamp)]
        if i in cuts:
            state, _ = _sync(state, crm, cap, "complete", imported)
    for _ in range(40):
        state, n = _sync(state, crm, cap, "complete", imported)
        if n == 0:
            break
    assert sorted(imported) == sorted(crm.latest().items())
