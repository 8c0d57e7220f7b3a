"""The read model's AWS wiring: the projector follows the Contacts, Companies and GlobalContacts
streams, each through an event source mapping with partial batch failures, bisect on error,
bounded retries and the projector's dead-letter queue; the Aurora cluster behind the Data API."""

from __future__ import annotations

from functions.registry import FUNCTIONS
from infra.constructs.read_model import PROJECTOR_BATCH, PROJECTOR_FUNCTION, PROJECTOR_RETRIES
from tests.infra.helpers import Synth, ref_id


def _projector_id(synth: Synth) -> str:
    handler = next(spec.handler for spec in FUNCTIONS if spec.name == PROJECTOR_FUNCTION)
    return next(
        k for k, r in synth.of_type("AWS::Lambda::Function").items() if r["Properties"]["Handler"] == handler
    )


def _table_id(synth: Synth, logical: str) -> str:
    return next(
        k
        for k, r in synth.of_type("AWS::DynamoDB::Table").items()
        if r["Properties"]["TableName"].endswith(f"-{logical}")
    )


def test_the_projector_follows_the_contacts_companies_and_global_contacts_streams(dev: Synth) -> None:
    projector = _projector_id(dev)
    mappings = [
        m["Properties"]
        for m in dev.of_type("AWS::Lambda::EventSourceMapping").values()
        if ref_id(m["Properties"]["FunctionName"]) == projector
    ]
    streams = {ref_id(m["EventSourceArn"]) for m in mappings}
    assert streams == {_table_id(dev, name) for name in ("Contacts", "Companies", "GlobalContacts")}
    dead_letters = {ref_id(m["DestinationConfig"]["OnFailure"]["Destination"]) for m in mappings}
    assert len(dead_letters) == 1
    for mapping in mappings:
        assert mapping["BatchSize"] == PROJECTOR_BATCH
        assert mapping["BisectBatchOnFunctionError"] is True
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["MaximumRetryAttempts"] == PROJECTOR_RETRIES
        assert mapping["StartingPosition"] == "TRIM_HORIZON"
    for name in ("Companies", "GlobalContacts"):
        table = dev.resources[_table_id(dev, name)]["Properties"]
        assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_the_cluster_is_encrypted_behind_the_data_api_and_protected_in_prod(dev: Synth, prod: Synth) -> None:
    ((_, cluster),) = dev.of_type("AWS::RDS::DBCluster").items()
    props = cluster["Properties"]
    assert props["StorageEncrypted"] is True and props["EnableHttpEndpoint"] is True
    assert props["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0
    assert not props.get("DeletionProtection")
    ((_, protected),) = prod.of_type("AWS::RDS::DBCluster").items()
    assert protected["Properties"]["DeletionProtection"] is True
