"""`contact-import webhooks deliver`: send the contact webhooks that are due, once.

The same worker the delivery function runs on AWS and `contact-import serve` runs in a
background thread: an import's queued marker becomes per-contact events, then each due delivery
is attempted (and retried later with backoff if the receiver fails). Exit 0 whatever the
receivers answered (their outcomes are in the deliveries), 1 when the store failed.
"""

from __future__ import annotations

from pathlib import Path

import click

from local import runtime
from local.cli_common import DATA_DIR_OPTION
from local.cli_common import emit as _emit


def drain(*, rounds: int = 50) -> dict[str, int]:
    """Run sweeps until one finds nothing left to send now (or `rounds` have run)."""
    from functions.events import delivery

    totals = {"delivered": 0, "failed": 0, "dead_lettered": 0, "queued": 0}
    for _ in range(rounds):
        sweep = delivery.run_once().as_dict()
        for k in totals:
            totals[k] += sweep[k]
        if not any(sweep.values()):
            break
    return totals


@click.group()
def webhooks() -> None:
    """Outbound contact webhooks (subscriptions are managed over the HTTP API)."""


@webhooks.command("deliver")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def webhooks_deliver(data_dir: Path, as_json: bool) -> None:
    """Queue finished imports' contact events and send every delivery that is due, once."""
    with runtime.Runtime(data_dir):
        doc = drain()
    _emit(
        doc,
        as_json,
        f"{doc['queued']} events queued, {doc['delivered']} delivered, {doc['failed']} failed "
        f"(retried later), {doc['dead_lettered']} dead-lettered",
    )
