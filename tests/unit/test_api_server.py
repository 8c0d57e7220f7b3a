"""The local gateway's translation of HTTP requests into API Gateway events, and the upload
trigger's reading of object keys."""

from __future__ import annotations

import base64

from functions.api.imports import safe_filename
from functions.api.trigger import parse_key
from local.server import authorizer_event, http_event, s3_object_created


def test_a_request_becomes_a_payload_2_event() -> None:
    event = http_event(
        "GET",
        "/api/v1/contacts/?icp_tier=A&icp_tier=B&search=a%20b",
        {"host": "localhost:8080", "cookie": "a=1; b=2", "authorization": "Bearer k"},
        b"",
        "10.0.0.1",
    )
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/api/v1/contacts/"
    assert event["queryStringParameters"] == {
        "icp_tier": "A,B",
        "search": "a b",
    }  # repeats joined, as HTTP API does
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["cookies"] == ["a=1", "b=2"]
    assert "body" not in event and event["isBase64Encoded"] is False
    auth = authorizer_event(event)
    assert auth["type"] == "REQUEST" and auth["identitySource"] == ["Bearer k"]


def test_json_bodies_stay_text_and_binary_bodies_are_base64() -> None:
    text = http_event("POST", "/x", {"content-type": "application/json"}, b'{"a": 1}', "1")
    assert text["body"] == '{"a": 1}' and text["isBase64Encoded"] is False
    raw = http_event("POST", "/x", {"content-type": "application/octet-stream"}, b"\x00\xff", "1")
    assert raw["isBase64Encoded"] is True and base64.b64decode(raw["body"]) == b"\x00\xff"


def test_upload_keys_name_their_workspace_and_job() -> None:
    assert parse_key("uploads/ws_a/job_1/file.csv") == ("ws_a", "job_1")
    for key in ("imports/job_1/manifest.json", "uploads/ws_a/file.csv", "uploads/ws_a/job_1/x/y.csv"):
        assert parse_key(key) is None
    event = s3_object_created("bucket-x", "uploads/ws_a/job_1/file.csv", 10)
    assert event["detail-type"] == "Object Created" and event["detail"]["object"]["key"].endswith("file.csv")


def test_filenames_are_reduced_to_a_safe_last_segment() -> None:
    assert safe_filename("C:\\Users\\me\\Q2 leads (final).csv") == "Q2_leads_final_.csv"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("...") == "upload.csv"
    assert len(safe_filename("a" * 1000 + ".csv")) == 150
