"""The one-machine stand-in for the projector's event source mapping: a DynamoDB Streams poller.

DynamoDB Local serves the Contacts and Companies tables' streams through the `dynamodbstreams`
API. The poller reads every shard of each from its checkpoint (kept in the read model, so every local process that
shares the engines resumes where any of them stopped), hands batches in the Lambda event shape
to the same handler that runs on AWS, and moves the checkpoint only past what the handler
projected. `drain()` reads until the stream is empty: the runtime runs it in a background
thread, before every read-model query (read-your-writes on one machine) and at exit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import boto3
import orjson
from botocore.config import Config

from functions.common.observability import discard_metrics
from functions.query.db import Database
from local.dynamodb import LOCAL_CREDENTIALS
from local.tables import is_anchor

log = logging.getLogger(__name__)
BATCH = 1000
# the background thread's pause between drains, as the event source mapping's batching window
# on AWS (infra/constructs/read_model.py): a batch gathers what a second brings, so GetRecords,
# the Companies read and the SQL statements of a batch are shared by more records. Queries do
# not wait for it: they drain first (`functions.query.freshness`).
BATCHING_WINDOW_S = 1.0
# how long a stream's shard list is trusted without a new DescribeStream (a closed shard, or a
# stream that is gone, makes the poller look again at once)
SHARD_LIST_TTL_S = 30.0

Handler = Callable[[dict[str, Any]], dict[str, Any]]

_CHECKPOINT = """
INSERT INTO stream_checkpoints (shard_id, sequence_number, record_time, updated_at)
VALUES (:shard, :seq, to_timestamp(:at), now())
ON CONFLICT (shard_id) DO UPDATE
SET sequence_number = EXCLUDED.sequence_number, record_time = EXCLUDED.record_time, updated_at = now()
WHERE stream_checkpoints.sequence_number::numeric < EXCLUDED.sequence_number::numeric
"""


def _raw_records(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """GetRecords' records as the wire has them, which is what Lambda delivers: botocore's
    shape-by-shape parse of every attribute value cost the poller more than projecting them."""
    if response_dict.get("status_code") != 200:
        return
    doc = orjson.loads(response_dict["body"])
    customized_response_dict["Records"] = doc.pop("Records", [])
    response_dict["body"] = orjson.dumps(doc)


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it (creation time in epoch seconds)."""
    data = dict(record["dynamodb"])
    when = data.get("ApproximateCreationDateTime")
    if isinstance(when, datetime):
        data["ApproximateCreationDateTime"] = when.timestamp()
    return {
        **{k: v for k, v in record.items() if k != "dynamodb"},
        "dynamodb": data,
        "eventSourceARN": stream_arn,
    }


class StreamPoller:
    """Polls the streams of `tables` (the Contacts and Companies tables) in one thread, in turn."""

    def __init__(self, endpoint: str, tables: Sequence[str], db: Database, handler: Handler) -> None:
        self.tables, self.db, self.handler = tuple(tables), db, handler
        config = Config(retries={"max_attempts": 3}, connect_timeout=2, read_timeout=30)
        kwargs: dict[str, Any] = {"endpoint_url": endpoint, "region_name": "us-east-1", "config": config}
        self._ddb = boto3.client("dynamodb", **kwargs, **LOCAL_CREDENTIALS)
        self._streams = boto3.client("dynamodbstreams", **kwargs, **LOCAL_CREDENTIALS)
        self._streams.meta.events.register("before-parse.dynamodb-streams.GetRecords", _raw_records)
        self._lock = threading.Lock()
        self._iterators: dict[str, str | None] = {}  # shard -> next iterator (None: closed, done)
        self._started: set[str] = set()  # shards that have given at least one record
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.projected = 0
        self._arns: dict[str, str] = {}
        self._shards: dict[str, tuple[float, list[str]]] = {}  # stream ARN -> (described at, shard ids)

    def _stream_arn(self, table: str, *, refresh: bool = False) -> str:
        # cached: DescribeTable on DynamoDB Local costs time in proportion to the table's size
        if table not in self._arns or refresh:
            arn = self._ddb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
            if not arn:
                raise RuntimeError(f"table {table} has no stream")
            if arn != self._arns.get(table):
                self._iterators.clear()
                self._shards.clear()
            self._arns[table] = str(arn)
        return self._arns[table]

    def _checkpoints(self) -> dict[str, str]:
        rows = self.db.query("SELECT shard_id, sequence_number AS seq FROM stream_checkpoints")
        return {r["shard_id"]: r["seq"] for r in rows}

    def _describe(self, arn: str) -> list[str]:
        """The stream's shard ids, parents before children. Cached: DynamoDB Local answers
        DescribeStream on the one SQLite thread every request waits for, and shards only change
        when one closes, which `_drain` sees and answers with a new look."""
        cached = self._shards.get(arn)
        if cached is not None and time.monotonic() - cached[0] < SHARD_LIST_TTL_S:
            return cached[1]
        shards: list[str] = []
        request: dict[str, Any] = {"StreamArn": arn}
        while True:
            desc = self._streams.describe_stream(**request)["StreamDescription"]
            shards += [s["ShardId"] for s in desc.get("Shards", [])]
            if not desc.get("LastEvaluatedShardId"):
                break
            request["ExclusiveStartShardId"] = desc["LastEvaluatedShardId"]
        self._shards[arn] = (time.monotonic(), shards)
        return shards

    def _open_shards(self, arn: str) -> list[str]:
        shards = self._describe(arn)
        known = set(self._iterators)
        checkpoints = self._checkpoints() if any(s not in known for s in shards) else {}
        for shard_id in shards:  # parents are listed before their children
            if shard_id in known:
                continue
            after = checkpoints.get(shard_id)
            request = {"StreamArn": arn, "ShardId": shard_id}
            if after:
                request |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            else:
                request |= {"ShardIteratorType": "TRIM_HORIZON"}
            self._iterators[shard_id] = self._streams.get_shard_iterator(**request)["ShardIterator"]
        return shards

    def drain(self) -> int:
        """Project everything the streams hold now; the number of records handed to the handler."""
        with self._lock:
            count = sum(self._drain(table) for table in self.tables)
            self.projected += count
            return count

    def _drain(self, table: str) -> int:
        count = 0
        for attempt in range(3):
            arn = self._stream_arn(table)
            try:
                shards = self._open_shards(arn)
            except self._streams.exceptions.ResourceNotFoundException:
                arn = self._stream_arn(table, refresh=True)  # the table was made again: a new stream
                shards = self._open_shards(arn)
            try:
                drained, closed = self._drain_shards(arn, shards)
            except self._streams.exceptions.ResourceNotFoundException:
                if attempt == 2:
                    raise
                self._shards.pop(arn, None)  # the stream is gone: look again (a new ARN)
                continue
            count += drained
            if not closed:
                break
            # a shard closed while draining: its child, which holds the newer records, is drained too
            self._shards.pop(arn, None)
        return count

    def _drain_shards(self, arn: str, shards: Sequence[str]) -> tuple[int, bool]:
        """Records projected, and whether a shard reached its end (closed) meanwhile."""
        count, closed = 0, False
        for shard_id in shards:
            while (iterator := self._iterators.get(shard_id)) is not None:
                try:
                    resp = self._streams.get_records(ShardIterator=iterator, Limit=BATCH)
                except (
                    self._streams.exceptions.TrimmedDataAccessException,
                    self._streams.exceptions.ExpiredIteratorException,
                ):
                    # the shard moved on under a stale iterator: start it again from its oldest
                    # record (replayed records converge: the projector is idempotent)
                    self._iterators[shard_id] = self._streams.get_shard_iterator(
                        StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                    )["ShardIterator"]
                    resp = self._streams.get_records(ShardIterator=self._iterators[shard_id], Limit=BATCH)
                records = [lambda_record(r, arn) for r in resp.get("Records", [])]
                if records:
                    self._project(shard_id, records)
                    count += len(records)
                    self._started.add(shard_id)
                elif shard_id not in self._started and resp.get("NextShardIterator"):
                    # DynamoDB Local: the next iterator of an empty read from a shard's horizon
                    # skips the shard's first record once it comes, so a fresh store's first
                    # contact never reached the read model. Until a shard gives a record, open
                    # it again each round (from its horizon, or its checkpoint).
                    self._iterators.pop(shard_id, None)
                    break
                self._iterators[shard_id] = resp.get("NextShardIterator")
                if self._iterators[shard_id] is None:
                    closed = True
                if not records:
                    break
        return count, closed

    def _project(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        # the table's anchor records (`local.tables.anchor_stream`) are the engine's, not data
        wanted = [r for r in records if not is_anchor(r)]
        try:
            result = self.handler({"Records": wanted}) if wanted else {}
        finally:
            discard_metrics()
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
        if failed:
            # like the event source mapping: stop at the first failure, retry from there next time
            first = min(failed, key=int)
            self.last_error = f"record {first} of shard {shard_id} failed to project"
            self._iterators.pop(shard_id, None)
            done = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) < int(first)]
            if done:
                self._checkpoint(shard_id, done[-1])
            raise RuntimeError(self.last_error)
        self._checkpoint(shard_id, records[-1])

    def _checkpoint(self, shard_id: str, record: dict[str, Any]) -> None:
        data = record["dynamodb"]
        self.db.execute(
            _CHECKPOINT,
            {
                "shard": shard_id,
                "seq": str(data["SequenceNumber"]),
                "at": float(data.get("ApproximateCreationDateTime") or 0),
            },
        )

    # --- the background thread ----------------------------------------------------------------

    def start(self, interval_s: float = BATCHING_WINDOW_S) -> None:
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.drain()
                    self.last_error = None
                except Exception as exc:  # kept for `index status`; the next round retries
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("stream poller: %s", self.last_error)

        self._thread = threading.Thread(target=loop, name="contacts-stream-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None
