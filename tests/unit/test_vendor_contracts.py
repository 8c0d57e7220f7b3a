"""The vendored API descriptions, their errata, and the checker the CRM stub tests run through.

Every adapter test checks its stub's traffic against the descriptions (`conforming_stub`); these
tests show that the checker catches what it is there to catch, that each erratum is still needed
(the description alone rejects what the live API does) and that every default mapping reads only
what the vendor's own schema defines.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from functions.sync import hubspot, outreach
from tests.contracts.openapi_check import (
    CONTRACTS,
    DESCRIPTIONS,
    ERRATA,
    included_errors,
    raw_description,
    violations,
)
from tests.stubs.crm_stub import Exchange, RecordedRequest

T0 = datetime(2024, 1, 1, tzinfo=UTC)
JSON = "application/json;charset=UTF-8"
JSON_API = "application/vnd.api+json"


def exchange(
    method: str,
    path: str,
    *,
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    status: int = 200,
    answer: Any = None,
    content_type: str = JSON,
) -> Exchange:
    raw = json.dumps(body).encode() if body is not None else b""
    sent = {"Authorization": "Bearer pat-1", **({"Content-Type": "application/json"} if raw else {})}
    request = RecordedRequest(
        method,
        path,
        dict(query or {}),
        {**sent, **(headers or {})},
        body,
        0.0,
        tuple((query or {}).items()),
        raw,
    )
    payload = json.dumps(answer).encode()
    return Exchange(request, status, (("Content-Type", content_type),), payload, False)


def hubspot_search(body: Any = None, answer: Any = None, **kwargs: Any) -> Exchange:
    return exchange(
        "POST",
        hubspot.SEARCH_PATH,
        body=body if body is not None else hubspot.search_body(T0, ["email", "phone"], page_size=100),
        answer=answer if answer is not None else hubspot_page(),
        **kwargs,
    )


def hubspot_page(**properties: Any) -> dict[str, Any]:
    return {
        "total": 1,
        "results": [
            {
                "id": "501",
                "properties": {"email": "ann@acme.com", **properties},
                "createdAt": "2024-01-01T00:00:00.000Z",
                "updatedAt": "2024-01-02T00:00:00.000Z",
                "archived": False,
            }
        ],
    }


def prospects(attributes: dict[str, Any] | None = None, **doc: Any) -> Exchange:
    answer = {
        "data": [
            {
                "type": "prospect",
                "id": 42,
                "attributes": {
                    "emails": ["ann@acme.com"],
                    "updatedAt": "2024-01-01T00:00:00.000Z",
                    **(attributes or {}),
                },
                "relationships": {"stage": {"data": {"type": "stage", "id": 3}}, "account": {"data": None}},
            }
        ],
        **doc,
    }
    query = outreach.first_page_params(T0, 100)
    return exchange(
        "GET",
        outreach.PROSPECTS_PATH,
        query=query,
        headers={"Accept": JSON_API},
        answer=answer,
        content_type=JSON_API,
    )


# -- provenance -----------------------------------------------------------------------------------


def test_vendored_descriptions_match_the_checksums_their_readme_records() -> None:
    readme = (CONTRACTS / "README.md").read_text()
    for path, _, _ in DESCRIPTIONS.values():
        digest = hashlib.sha256((CONTRACTS / path).read_bytes()).hexdigest()
        assert re.search(rf"`{re.escape(path)}`.*\n(?:.*\n)*?.*{digest}", readme), (
            f"{path}: sha256 {digest} not recorded"
        )


# -- the checker catches drift ------------------------------------------------------------------


def test_what_the_adapters_send_and_the_stubs_answer_conforms() -> None:
    assert violations("hubspot", [hubspot_search(answer=hubspot_page(phone=None))]) == []
    included = [{"type": "stage", "id": 3, "attributes": {"name": "Replied"}}]
    assert violations("outreach", [prospects(included=included)]) == []


def test_a_hubspot_first_page_without_after_breaks_the_description() -> None:
    body = hubspot.search_body(T0, ["email"], page_size=100)
    assert body["after"] == hubspot.FIRST_PAGE == "0"  # the first page's cursor, an offset
    del body["after"]
    (error,) = violations("hubspot", [hubspot_search(body)])
    assert "'after' is a required property" in error


def test_a_hubspot_answer_missing_what_the_description_requires_is_caught() -> None:
    page = hubspot_page()
    del page["total"]
    del page["results"][0]["archived"]
    (error,) = violations("hubspot", [hubspot_search(answer=page)])
    assert "'total' is a required property" in error


def test_a_hubspot_request_without_a_bearer_token_is_caught() -> None:
    (error,) = violations("hubspot", [hubspot_search(headers={"Authorization": "pat-1"})])
    assert "Authorization: Bearer" in error


def test_an_outreach_attribute_the_description_lacks_is_caught() -> None:
    (error,) = violations("outreach", [prospects({"accountName": "Acme"})])
    assert "accountName" in error


def test_an_outreach_answer_in_plain_json_is_caught() -> None:
    drifted = prospects()
    plain = Exchange(drifted.request, 200, (("Content-Type", "application/json"),), drifted.body, False)
    assert violations("outreach", [plain])


def test_included_resources_are_held_to_their_own_schemas() -> None:
    assert included_errors({"included": [{"type": "account", "id": 7, "attributes": {"name": "Acme"}}]}) == []
    wrong = {
        "included": [
            {"type": "stage", "id": 3, "attributes": {"title": "Replied"}},
            {"type": "mystery", "id": 1},
        ]
    }
    errors = included_errors(wrong)
    assert len(errors) == 2 and "title" in errors[0] and "mystery" in errors[1]


# -- errata ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.pointer.rsplit("/", 2)[-2])
def test_each_erratum_names_its_evidence_and_is_still_needed(erratum: Any) -> None:
    assert erratum.sources and all(s.startswith("https://") for s in erratum.sources)
    node: Any = raw_description(erratum.vendor)
    for part in erratum.pointer.lstrip("/").split("/"):
        node = node[part]
    assert node != erratum.value  # the vendored description still says otherwise


def test_hubspot_sorts_are_sent_as_objects_the_form_the_live_api_honours() -> None:
    """HubSpot's description types `sorts` items as strings. What the live search API honours,
    on the evidence: `{propertyName, direction}` objects — HubSpot's search guide
    (developers.hubspot.com/docs/guides/api/crm/search#sort-search-results); a sort sent as a
    JSON-encoded string is ignored while the object sorts (github.com/HubSpot/hubspot-api-nodejs/
    issues/14, fixed by HubSpot's maintainer to send objects, hubspot-api-nodejs#391; the same in
    hubspot-api-ruby#257 and hubspot-api-python#236). HubSpot's Node client README also documents
    a bare property name ("createdate", "-createdate" descending). The adapter sends the object,
    direction spelled out; the erratum admits both documented forms and nothing else."""
    body = hubspot.search_body(T0, ["email"], page_size=100)
    assert body["sorts"] == [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    as_published = violations("hubspot", [hubspot_search(body)], errata=False)
    assert len(as_published) == 1 and "is not of type 'string'" in as_published[0]
    assert violations("hubspot", [hubspot_search(body)]) == []
    assert violations("hubspot", [hubspot_search({**body, "sorts": ["-lastmodifieddate"]})]) == []
    stringly = {**body, "sorts": [json.dumps(body["sorts"][0])]}
    assert violations("hubspot", [hubspot_search(stringly)])  # the form the live API ignores


def test_hubspot_null_property_values_are_an_erratum_not_a_stub_invention() -> None:
    page = hubspot_page(phone=None)
    assert violations("hubspot", [hubspot_search(answer=page)], errata=False)
    assert violations("hubspot", [hubspot_search(answer=page)]) == []


# -- mappings read only what the vendor defines ------------------------------------------------


def test_every_outreach_default_mapping_key_is_in_the_published_schemas() -> None:
    schemas = raw_description("outreach")["components"]["schemas"]
    relationships = schemas["prospectRelationships"]["properties"]
    for key in outreach.DEFAULT_MAPPING:
        relation, dot, attribute = key.partition(".")
        if not dot:
            assert key in schemas["prospect"]["properties"], f"prospect has no attribute {key!r}"
            continue
        assert relation in outreach.INCLUDES and relation in relationships, key
        assert attribute in schemas[relation]["properties"], f"{relation} has no attribute {attribute!r}"


def test_outreach_stage_and_account_are_relationships_in_the_description_not_attributes() -> None:
    schemas = raw_description("outreach")["components"]["schemas"]
    assert {"stage", "account"} <= set(schemas["prospectRelationships"]["properties"])
    assert not {"stage", "account", "accountName"} & set(schemas["prospect"]["properties"])


def test_the_trimmed_outreach_description_keeps_its_operation_whole(tmp_path: Path) -> None:
    from tests.contracts.trim import trim

    spec = raw_description("outreach")
    again = trim(spec, [("get", "/prospects")], ["stageResponse", "accountResponse"])
    assert again == spec  # trimming is idempotent: nothing the operation reaches was left out
