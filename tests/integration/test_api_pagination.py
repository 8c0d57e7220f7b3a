"""Cursor pagination over more than a thousand contacts: every contact exactly once, in order."""

from __future__ import annotations

import httpx
import pytest

from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace, seed_contacts  # noqa: F401

pytestmark = pytest.mark.integration
COUNT = 1_100


@pytest.fixture(scope="module")
def seeded(api: LocalApi) -> tuple[httpx.Client, list[str]]:  # noqa: F811
    workspace = new_workspace()
    emails = seed_contacts(workspace, COUNT)
    return client(api, workspace), emails


def _walk(c: httpx.Client, **params: object) -> tuple[list[dict], list[dict]]:
    """Every page of a listing; returns the contacts and the meta of each page."""
    items: list[dict] = []
    metas: list[dict] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = c.get("/api/v1/contacts", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["data"]
        metas.append(body["meta"])
        if not body["meta"]["has_more"]:
            return items, metas
        cursor = body["meta"]["next_cursor"]
        assert cursor and len(body["data"]) == params.get("page_size", 50)


@pytest.mark.parametrize("sort", ["created_desc", "created_asc", "updated_desc", "lead_score_desc"])
def test_every_contact_is_listed_exactly_once_across_pages(
    seeded: tuple[httpx.Client, list[str]], sort: str
) -> None:
    c, emails = seeded
    items, metas = _walk(c, page_size=137, sort=sort)
    assert sorted(i["email"] for i in items) == sorted(emails)
    assert len(metas) == -(-COUNT // 137)
    assert all(m["total_count"] == COUNT for m in metas)
    assert metas[-1]["next_cursor"] is None
    created = [i["created_at"] for i in items]
    if sort == "created_desc":
        assert created == sorted(created, reverse=True)
    if sort == "created_asc":
        assert created == sorted(created)


def test_default_page_size_is_50_and_500_is_the_most(seeded: tuple[httpx.Client, list[str]]) -> None:
    c, _ = seeded
    assert len(c.get("/api/v1/contacts").json()["data"]) == 50
    assert len(c.get("/api/v1/contacts", params={"page_size": 500}).json()["data"]) == 500
    r = c.get("/api/v1/contacts", params={"page_size": 0})
    assert r.status_code == 400 and error_of(r)["field"] == "page_size"


def test_filtered_pages_are_full_until_the_last(seeded: tuple[httpx.Client, list[str]]) -> None:
    c, emails = seeded
    wanted = sorted(e for e in emails if e.startswith("seed003"))  # seed00300..seed00399
    items, metas = _walk(c, page_size=30, search="seed003")
    assert sorted(i["email"] for i in items) == wanted
    assert all(m["total_count"] == len(wanted) for m in metas)


def test_a_cursor_only_continues_its_own_query(seeded: tuple[httpx.Client, list[str]]) -> None:
    c, _ = seeded
    cursor = c.get("/api/v1/contacts", params={"page_size": 10}).json()["meta"]["next_cursor"]
    r = c.get("/api/v1/contacts", params={"page_size": 10, "cursor": cursor, "sort": "created_asc"})
    assert r.status_code == 400 and error_of(r)["field"] == "cursor"
    r = c.get("/api/v1/contacts", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert r.status_code == 400 and error_of(r)["field"] == "cursor"


def test_another_workspace_cannot_continue_a_cursor_into_this_one(
    api: LocalApi,  # noqa: F811
    seeded: tuple[httpx.Client, list[str]],
) -> None:
    c, _ = seeded
    cursor = c.get("/api/v1/contacts", params={"page_size": 10}).json()["meta"]["next_cursor"]
    other = client(api, new_workspace())
    r = other.get("/api/v1/contacts", params={"page_size": 10, "cursor": cursor})
    assert r.status_code == 400 and error_of(r)["field"] == "cursor"
