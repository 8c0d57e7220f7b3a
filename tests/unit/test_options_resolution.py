"""The one options object: how it resolves to the pipeline's options, and the OpenAPI it documents."""

from __future__ import annotations

from typing import Any

import pytest

from functions.api import options as api_options
from functions.api.app import openapi_document
from functions.api.errors import BadRequest
from functions.api.models import ImportCreate, ImportOptions


def resolve(where: str = "import create", not_here: tuple[str, ...] = (), **given: Any) -> dict[str, Any]:
    return api_options.resolve(ImportOptions.model_validate(given), where=where, not_here=not_here)


@pytest.mark.parametrize(
    ("behaviour", "purpose", "no_overwrite"),
    [("update", "upsert", False), ("fill_empty", "upsert", True), ("skip", "create", False)],
)
def test_dedup_behavior_is_shorthand_for_purpose_and_no_overwrite(
    behaviour: str, purpose: str, no_overwrite: bool
) -> None:
    out = resolve(dedup_behavior=behaviour)
    assert (out["purpose"], out["no_overwrite"]) == (purpose, no_overwrite)
    assert resolve(dedup_behavior=behaviour, purpose=purpose)["purpose"] == purpose  # agreeing is fine


def test_dedup_behavior_contradicting_purpose_is_400() -> None:
    with pytest.raises(BadRequest) as err:
        resolve(dedup_behavior="skip", purpose="upsert")
    assert err.value.field == "options.dedup_behavior" and "create" in err.value.message


def test_client_id_is_the_old_name_of_client() -> None:
    assert resolve(client_id="acme")["client"] == "acme"
    assert resolve(client="acme", client_id="acme")["client"] == "acme"
    with pytest.raises(BadRequest):
        resolve(client="acme", client_id="other")


def test_an_option_that_cannot_apply_here_is_400_naming_it() -> None:
    with pytest.raises(BadRequest) as err:
        resolve(where="bulk create", not_here=api_options.FILE_ONLY, mapping={"columns": {"A": "email"}})
    assert err.value.field == "options.mapping" and "bulk create" in err.value.message
    # left at its default it is not "given": the same object with preview false passes everywhere
    assert resolve(where="bulk create", not_here=api_options.FILE_ONLY, preview=False)["preview"] is False


def test_trigger_enrichment_turns_enrichment_on() -> None:
    assert resolve(trigger_enrichment=True)["enrich"] is True
    assert resolve()["enrich"] is False


def test_flat_options_are_the_top_level_ones_given() -> None:
    body = ImportCreate.model_validate({"filename": "a.csv", "purpose": "create", "tags": None})
    assert body.flat_options() == {"purpose": "create"}
    assert (
        ImportCreate.model_validate({"filename": "a.csv", "options": {"purpose": "create"}}).flat_options()
        == {}
    )


def _ref(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"])
    return next(str(s["$ref"]) for s in schema.get("anyOf", []) if "$ref" in s)


def test_openapi_shares_one_options_schema_and_marks_the_flat_form_deprecated() -> None:
    doc = openapi_document()
    schemas = doc["components"]["schemas"]
    options_ref = "#/components/schemas/ImportOptions"
    for name in ("ImportCreate", "PreviewRequest", "BulkRequest", "WebhookBatch"):
        assert _ref(schemas[name]["properties"]["options"]) == options_ref, name
    create = schemas["ImportCreate"]["properties"]
    flat = set(create) - {"filename", "options"}
    assert flat >= {"purpose", "tags", "client", "field_mapping_id", "mapping", "preview"}
    assert all(create[name].get("deprecated") is True for name in flat)
    assert "deprecated" not in create["options"] and "deprecated" not in create["filename"]
    operation = doc["paths"]["/api/v1/imports"]["post"]
    assert "Deprecation" in operation["description"]


def test_deprecation_headers_follow_the_rfcs() -> None:
    headers = api_options.deprecation_headers()
    assert headers["Deprecation"].startswith("@") and headers["Deprecation"][1:].isdigit()
    assert headers["Sunset"].endswith(" GMT")
    assert 'rel="deprecation"' in headers["Link"]
