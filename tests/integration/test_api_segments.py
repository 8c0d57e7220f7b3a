"""Segments over real HTTP on the read model: a dynamic segment picks up a new contact as soon as
it is written, a static one holds exactly its members (by ids or by a filter, this workspace's
only), `segment_id` narrows list and search, counts are exact, a contact's detail lists its
segments."""

from __future__ import annotations

import uuid

import httpx
import pytest

from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration


@pytest.fixture
def c(api: LocalApi) -> httpx.Client:  # noqa: F811
    return client(api, new_workspace())


def _add(c: httpx.Client, title: str, tags: list[str]) -> str:
    r = c.post(
        "/api/v1/contacts",
        json={"email": f"s.{uuid.uuid4().hex[:8]}@segments-example.com", "title": title, "tags": tags},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _ids(r: httpx.Response) -> set[str]:
    assert r.status_code == 200, r.text
    return {x["id"] for x in r.json()["data"]}


def test_a_dynamic_segment_is_its_filter_evaluated_on_every_read(c: httpx.Client) -> None:
    hot_vp = _add(c, "VP Sales", ["hot"])
    _add(c, "Engineer", ["hot"])
    body = {
        "name": "Hot leaders",
        "type": "dynamic",
        "filter": {
            "filters": [
                {"field": "has_tag", "op": "eq", "value": "hot"},
                {
                    "filters_logic": "OR",
                    "filters": [
                        {"field": "title", "op": "starts_with", "value": "vp"},
                        {"field": "title", "op": "contains", "value": "chief"},
                    ],
                },
            ]
        },
    }
    created = c.post("/api/v1/segments", json=body)
    assert created.status_code == 201, created.text
    seg = created.json()
    assert seg["contact_count"] == 1 and seg["type"] == "dynamic"
    later = _add(c, "Chief Revenue Officer", ["HOT"])  # appears without touching the segment
    assert _ids(c.get("/api/v1/contacts", params={"segment_id": seg["id"]})) == {hot_vp, later}
    searched = c.post(
        "/api/v1/contacts/search",
        json={"segment_id": seg["id"], "filters": [{"field": "title", "op": "contains", "value": "chief"}]},
    )
    assert _ids(searched) == {later}
    assert c.get(f"/api/v1/segments/{seg['id']}").json()["contact_count"] == 2
    assert c.get(f"/api/v1/contacts/{later}").json()["segments"] == [seg["id"]]
    renamed = c.patch(f"/api/v1/segments/{seg['id']}", json={"name": "Leaders", "filter": {"filters": []}})
    assert renamed.status_code == 200 and renamed.json()["contact_count"] == 3
    assert [s["name"] for s in c.get("/api/v1/segments").json()["data"]] == ["Leaders"]
    assert c.delete(f"/api/v1/segments/{seg['id']}").status_code == 200
    assert c.get(f"/api/v1/segments/{seg['id']}").status_code == 404
    assert error_of(c.get("/api/v1/contacts", params={"segment_id": seg["id"]}))["code"] == "not_found"


def test_a_static_segment_holds_exactly_its_members(c: httpx.Client, api: LocalApi) -> None:  # noqa: F811
    a, b, d = _add(c, "A", ["x"]), _add(c, "B", ["y"]), _add(c, "C", ["y"])
    outsider = _add(client(api, new_workspace()), "Other", ["y"])
    seg = c.post("/api/v1/segments", json={"name": "Picked", "type": "static"}).json()
    assert seg["contact_count"] == 0
    r = c.post(f"/api/v1/segments/{seg['id']}/members", json={"add": [a, outsider, "cont_nope"]})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "added": 1,
        "removed": 0,
        "not_found": sorted([outsider, "cont_nope"]),
        "member_count": 1,
    }
    by_filter = c.post(
        f"/api/v1/segments/{seg['id']}/members",
        json={"add_filter": {"filters": [{"field": "has_tag", "op": "eq", "value": "y"}]}},
    ).json()
    assert by_filter["added"] == 2 and by_filter["member_count"] == 3  # the outsider's "y" is not ours
    _add(c, "D", ["y"])  # a static segment does not grow by itself
    assert _ids(c.get("/api/v1/contacts", params={"segment_id": seg["id"]})) == {a, b, d}
    c.post(f"/api/v1/segments/{seg['id']}/members", json={"remove": [b]})
    assert _ids(c.get("/api/v1/contacts", params={"segment_id": seg["id"], "tag": "y"})) == {d}
    assert c.get(f"/api/v1/contacts/{b}").json()["segments"] == []


def test_segments_refuse_bad_definitions_and_other_workspaces(c: httpx.Client, api: LocalApi) -> None:  # noqa: F811
    bad = c.post(
        "/api/v1/segments",
        json={"name": "x", "filter": {"filters": [{"field": "workspace_id", "op": "eq", "value": "w"}]}},
    )
    assert bad.status_code == 400 and error_of(bad)["field"] == "filter.filters.0.field"
    assert c.post("/api/v1/segments", json={"name": "x"}).status_code == 400
    static_with_filter = c.post(
        "/api/v1/segments", json={"name": "x", "type": "static", "filter": {"filters": []}}
    )
    assert static_with_filter.status_code == 400
    dynamic = c.post("/api/v1/segments", json={"name": "all", "filter": {"filters": []}}).json()
    members = c.post(f"/api/v1/segments/{dynamic['id']}/members", json={"add": ["x"]})
    assert members.status_code == 400
    other = client(api, new_workspace())
    assert other.get(f"/api/v1/segments/{dynamic['id']}").status_code == 404
    assert other.get("/api/v1/contacts", params={"segment_id": dynamic["id"]}).status_code == 404
