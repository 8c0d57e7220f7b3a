"""Imports over HTTP: a presigned upload posted as a browser posts it, the S3 event starting the
state machine, progress, reports, preview, resume, saved mappings."""

from __future__ import annotations

import csv
import io
import time
import uuid

import httpx
import pytest

from functions.api import trigger
from functions.common import jobs
from functions.common.aws import client as aws_client
from local.server import LocalApi
from tests.integration.test_api_support import (  # noqa: F401
    api,
    client,
    error_of,
    new_workspace,
    upload,
    wait_for_job,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def c(api: LocalApi) -> httpx.Client:  # noqa: F811
    return client(api, new_workspace())


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def _rows(content: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content)))


def test_presigned_upload_runs_the_import_and_reports_download(api: LocalApi, c: httpx.Client) -> None:  # noqa: F811
    tag = f"campaign_{uuid.uuid4().hex[:6]}"
    created = c.post("/api/v1/imports/", json={"filename": "Q2 leads (final).csv", "tags": [tag]})
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["status"] == "queued" and job["stage"] == "queued" and job["percent_done"] == 0
    form = job["upload"]
    assert form["url"].startswith(api.s3_endpoint)
    key = form["fields"]["key"]
    assert key == f"uploads/{job['workspace_id']}/{job['id']}/Q2_leads_final_.csv"
    assert {"policy", "x-amz-signature", "x-amz-credential"} <= set(form["fields"])

    content = _csv(
        [
            ["Work Email", "First Name", "Company"],
            ["ann@upload-example.com", "Ann", "Upload Co"],
            ["bob@upload-example.com", "Bob", "Upload Co"],
            ["not-an-email", "Nobody", "X"],
        ]
    )
    posted = upload(form, "Q2 leads (final).csv", content)
    assert posted.status_code in (200, 204), posted.text

    done = wait_for_job(c, job["id"])
    assert done["status"] == "complete", done
    assert done["counters"] == {
        "total": 3,
        "imported": 2,
        "updated": 0,
        "skipped": 0,
        "suppressed": 0,
        "errored": 1,
    }
    assert done["percent_done"] == 100 and done["reports_available"]
    assert [s["stage"] for s in done["stages"]][:2] == ["queued", "parsing"]
    assert [(m["header"], m["target"], m["how"]) for m in done["column_map"]] == [
        ("Work Email", "email", "synonym"),
        ("First Name", "first_name", "exact"),
        ("Company", "company_name", "synonym"),
    ]

    results = c.get(f"/api/v1/imports/{job['id']}/results/")
    assert results.status_code == 200, results.text
    table = _rows(httpx.get(results.json()["url"]).text)
    assert table[0][:4] == ["Work Email", "First Name", "Company", "Import Status"]
    assert [r[3] for r in table[1:]] == ["imported", "imported", "error"]
    errors = _rows(httpx.get(c.get(f"/api/v1/imports/{job['id']}/errors").json()["url"]).text)
    assert errors[0][-1] == "Reason" and len(errors) == 2 and errors[1][0] == "not-an-email"

    listed = c.get("/api/v1/contacts", params={"tag": tag}).json()
    assert sorted(x["email"] for x in listed["data"]) == ["ann@upload-example.com", "bob@upload-example.com"]
    assert c.get("/api/v1/imports").json()["data"][0]["id"] == job["id"]
    assert c.get("/api/v1/imports", params={"status": "failed"}).json()["data"] == []


def test_an_upload_event_delivered_twice_starts_one_execution(api: LocalApi, c: httpx.Client) -> None:  # noqa: F811
    job = c.post("/api/v1/imports", json={"filename": "twice.csv"}).json()
    upload(job["upload"], "twice.csv", _csv([["Email"], ["twice@upload-example.com"]]))
    wait_for_job(c, job["id"])
    record = jobs.get(job["id"])
    assert record is not None
    again = trigger.on_object_created("ignored", record.input_key or "")
    assert again == {"started": False, "reason": "job is complete"}
    trigger.start_import(record)  # same name: ExecutionAlreadyExists is success
    executions = aws_client("stepfunctions").list_executions(stateMachineArn=api.runtime.state_machine_arn)
    assert [e["name"] for e in executions["executions"]].count(job["id"]) == 1


def test_a_rejected_file_leaves_the_job_rejected_with_the_reason(c: httpx.Client) -> None:
    job = c.post("/api/v1/imports", json={"filename": "bad.csv"}).json()
    upload(job["upload"], "bad.csv", _csv([["Name", "Phone"], ["Ann", "1"]]))
    done = wait_for_job(c, job["id"])
    assert done["status"] == "rejected" and done["error"].startswith("NO_EMAIL_COLUMN")
    r = c.get(f"/api/v1/imports/{job['id']}/results")
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    assert c.post(f"/api/v1/imports/{job['id']}/resume").status_code == 409


def test_a_preview_import_waits_until_confirmed(c: httpx.Client) -> None:
    existing = f"known.{uuid.uuid4().hex[:6]}@preview-example.com"
    c.post("/api/v1/contacts", json={"email": existing})
    job = c.post("/api/v1/imports", json={"filename": "p.csv", "preview": True}).json()
    upload(job["upload"], "p.csv", _csv([["Email"], [existing], ["fresh@preview-example.com"], ["x"]]))
    time.sleep(1.0)
    assert c.get(f"/api/v1/imports/{job['id']}").json()["status"] == "queued"

    r = c.post("/api/v1/imports/preview", json={"job_id": job["id"]})
    assert r.status_code == 200, r.text
    assert [row["status"] for row in r.json()["rows"]] == ["updated", "imported", "error"]
    assert r.json()["predicted"] == {"updated": 1, "imported": 1, "error": 1}
    assert c.get("/api/v1/contacts", params={"search": "fresh@preview"}).json()["data"] == []

    started = c.post(f"/api/v1/imports/{job['id']}/resume")
    assert started.status_code == 202, started.text
    done = wait_for_job(c, job["id"])
    assert done["counters"]["imported"] == 1 and done["counters"]["updated"] == 1


def test_inline_preview_writes_nothing_and_reports_rejections(c: httpx.Client) -> None:
    r = c.post(
        "/api/v1/imports/preview", json={"content": "Email,Title\nnew.person@preview-example.com,CEO\n"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["rows"][0]["status"] == "imported" and r.json()["rows"][0]["icp_tier"]
    assert r.json()["column_map"] == [
        {"column": 1, "header": "Email", "samples": ["new.person@preview-example.com"], "target": "email",
         "how": "exact", "confidence": 1.0, "note": None},
        {"column": 2, "header": "Title", "samples": ["CEO"], "target": "title", "how": "exact", "confidence": 1.0, "note": None},
    ]  # fmt: skip
    assert c.get("/api/v1/contacts").json()["data"] == []
    r = c.post("/api/v1/imports/preview", json={"content": "Name\nAnn\n"})
    assert r.status_code == 400 and error_of(r)["message"].startswith("NO_EMAIL_COLUMN")
    assert c.post("/api/v1/imports/preview", json={}).status_code == 400


def test_resume_of_a_job_without_its_file_is_a_conflict(c: httpx.Client) -> None:
    job = c.post("/api/v1/imports", json={"filename": "never.csv"}).json()
    r = c.post(f"/api/v1/imports/{job['id']}/resume")
    assert r.status_code == 409 and "not been uploaded" in error_of(r)["message"]


def test_a_failed_import_resumes_from_where_it_stopped(api: LocalApi, c: httpx.Client) -> None:  # noqa: F811
    def crash(event: dict) -> None:
        raise RuntimeError("injected crash in commit")

    api.runtime.dispatcher.faults["Commit"] = crash
    try:
        job = c.post("/api/v1/imports", json={"filename": "crash.csv"}).json()
        upload(
            job["upload"],
            "crash.csv",
            _csv([["Email"], ["crash1@upload-example.com"], ["crash2@upload-example.com"]]),
        )
        failed = wait_for_job(c, job["id"])
    finally:
        api.runtime.dispatcher.faults.clear()
    assert failed["status"] == "failed" and "injected crash" in failed["error"]
    sfn = aws_client("stepfunctions")
    while any(
        e["name"] == job["id"] and e["status"] == "RUNNING"
        for e in sfn.list_executions(stateMachineArn=api.runtime.state_machine_arn)["executions"]
    ):
        time.sleep(0.1)  # the failed execution is still recording its failure

    resumed = c.post(f"/api/v1/imports/{job['id']}/resume")
    assert resumed.status_code == 202, resumed.text
    assert resumed.json()["status"] == "running" and resumed.json()["error"] is None
    done = wait_for_job(c, job["id"])
    assert done["status"] == "complete" and done["counters"]["imported"] == 2


def test_a_saved_field_mapping_is_applied(c: httpx.Client) -> None:
    mapping = c.post(
        "/api/v1/field-mappings/",
        json={
            "name": "old crm",
            "columns": {"Mail": "email", "Given": "first_name", "Notes": "custom:notes"},
        },
    )
    assert mapping.status_code == 201, mapping.text
    job = c.post(
        "/api/v1/imports", json={"filename": "m.csv", "field_mapping_id": mapping.json()["id"]}
    ).json()
    upload(
        job["upload"], "m.csv", _csv([["Mail", "Given", "Notes"], ["mapped@upload-example.com", "Mo", "vip"]])
    )
    assert wait_for_job(c, job["id"])["status"] == "complete"
    contact = c.get("/api/v1/contacts").json()["data"][0]
    assert (contact["email"], contact["first_name"], contact["custom_fields"]) == (
        "mapped@upload-example.com",
        "Mo",
        {"notes": "vip"},
    )
    r = c.post("/api/v1/imports", json={"filename": "m.csv", "field_mapping_id": "fm_nope"})
    assert r.status_code == 400 and error_of(r)["field"] == "field_mapping_id"
    bad = c.post("/api/v1/field-mappings", json={"name": "x", "columns": {"A": "shoe_size"}})
    assert bad.status_code == 400


def test_imports_list_pages_newest_first(c: httpx.Client) -> None:
    ids = [c.post("/api/v1/imports", json={"filename": f"{i}.csv"}).json()["id"] for i in range(5)]
    first = c.get("/api/v1/imports", params={"page_size": 3}).json()
    assert first["meta"]["has_more"]
    second = c.get("/api/v1/imports", params={"page_size": 3, "cursor": first["meta"]["next_cursor"]}).json()
    assert [j["id"] for j in first["data"] + second["data"]] == ids[::-1]
    assert not second["meta"]["has_more"]
