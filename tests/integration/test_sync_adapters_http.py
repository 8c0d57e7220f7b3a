"""The CRM adapters and the Apollo search over real HTTP against the local CRM stub servers.

Sleeps are injected (recorded, not slept), so the backoff schedule is asserted exactly and the
tests stay fast; the stubs check each API's request shape and answer in its documented one.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from functions.common.config_models import IcpRuleSet
from functions.enrich.retry import RetryPolicy
from functions.sync.apollo_search import ApolloSearch, build_query
from functions.sync.http import SYNC_RETRY, SyncHttp
from functions.sync.hubspot import HubSpotAdapter
from functions.sync.outreach import OutreachAdapter
from functions.sync.ports import SyncAuthError, SyncError, SyncRecord
from functions.sync.salesforce import SalesforceAdapter
from tests.contracts.openapi_check import DESCRIPTIONS, check_exchanges, conforming_stub
from tests.stubs.crm_stub import APOLLO_REVEAL, APOLLO_SEARCH, CrmStub

T0 = datetime(2024, 1, 1, tzinfo=UTC)
CRMS = ["hubspot", "salesforce", "outreach"]
ALL = [*CRMS, "apollo"]
# one query that matches every sample person whose title has an "a" (3 in 4 of them)
ANYONE = IcpRuleSet.model_validate([{"name": "any", "tier": "A", "conditions": {"title_contains": ["a"]}}])


class Sleeps(list[float]):
    """A `sleep` that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def http(sleeps: Sleeps) -> Iterator[SyncHttp]:
    with SyncHttp(sleep=sleeps, rng=random.Random(7), timeout=httpx.Timeout(5.0, connect=2.0)) as client:
        yield client


@pytest.fixture(params=CRMS)
def crm(request: pytest.FixtureRequest) -> Iterator[CrmStub]:
    with conforming_stub(request.param) as stub:
        yield stub


@pytest.fixture(params=ALL)
def any_stub(request: pytest.FixtureRequest) -> Iterator[CrmStub]:
    with conforming_stub(request.param) as stub:
        yield stub


def adapter(stub: CrmStub, http: SyncHttp, token: str | None = None, **kwargs: Any) -> Any:
    secret = SecretStr(token or stub.token)
    if stub.provider == "hubspot":
        return HubSpotAdapter(secret, base_url=stub.base_url, http=http, **kwargs)
    if stub.provider == "salesforce":
        kwargs.setdefault("page_size", 200)
        return SalesforceAdapter(secret, instance_url=stub.instance_url, http=http, **kwargs)
    return OutreachAdapter(secret, base_url=stub.base_url, http=http, **kwargs)


def pull_all(stub: CrmStub, http: SyncHttp, since: datetime | None = None) -> list[SyncRecord]:
    """Everything the stub's provider yields (Apollo: one broad search, no max in reach)."""
    if stub.provider == "apollo":
        return list(
            ApolloSearch(SecretStr(stub.token), base_url=stub.base_url, http=http).search(
                build_query(ANYONE), 10**6
            )
        )
    return list(adapter(stub, http).pull(since))


def ids(records: list[SyncRecord]) -> list[str]:
    return [r.source_id for r in records]


def stamps_ascending(records: list[SyncRecord]) -> bool:
    return all(a.modified_at <= b.modified_at for a, b in itertools.pairwise(records))


# -- paging, order, since -----------------------------------------------------------------------


def test_each_crm_pages_to_the_end_oldest_first(crm: CrmStub, http: SyncHttp) -> None:
    expected = crm.add_many(450, start=T0, step=timedelta(seconds=1))
    records = pull_all(crm, http)
    assert ids(records) == expected
    assert stamps_ascending(records)
    # hubspot and outreach 100 a page, salesforce batches of 200: several pages each
    assert len(crm.requests) == {"hubspot": 5, "salesforce": 3, "outreach": 5}[crm.provider]
    assert records[0].contact["email"] == "ann.person0@company0.com"


def test_since_returns_records_at_or_after_the_watermark_only(crm: CrmStub, http: SyncHttp) -> None:
    crm.add_many(30, start=T0)
    watermark = T0 + timedelta(seconds=20)
    twins = [crm.add({}, modified_at=watermark) for _ in range(3)]
    records = pull_all(crm, http, since=watermark)
    assert all(r.modified_at >= watermark for r in records)
    assert set(twins) <= set(ids(records))  # the records sharing the watermark's stamp come back
    assert len(records) == 10 + 3  # seconds 20..29, and the three twins


def test_records_sharing_one_timestamp_across_page_breaks_are_all_returned(
    crm: CrmStub, http: SyncHttp
) -> None:
    crm.add_many(5, start=T0)
    same = crm.add_many(450, start=T0 + timedelta(hours=1), step=timedelta(0))
    crm.add_many(5, start=T0 + timedelta(hours=2))
    records = pull_all(crm, http, since=T0 + timedelta(hours=1))
    assert ids(records)[:450] == same and len(records) == 455
    assert len(set(ids(records))) == len(records)


def test_a_second_run_from_the_watermark_sees_changes_made_between_runs(crm: CrmStub, http: SyncHttp) -> None:
    first_ids = crm.add_many(20, start=T0)
    first = pull_all(crm, http)
    watermark = max(r.modified_at for r in first)
    crm.touch(first_ids[3], modified_at=watermark + timedelta(minutes=5), **_renamed(crm.provider))
    new = crm.add({}, modified_at=watermark + timedelta(minutes=6))
    second = pull_all(crm, http, since=watermark)
    assert ids(second) == [first_ids[-1], first_ids[3], new]
    assert second[1].contact["first_name"] == "Renamed"


def _renamed(provider: str) -> dict[str, str]:
    return {"hubspot": {"firstname": "Renamed"}, "salesforce": {"FirstName": "Renamed"}}.get(
        provider, {"firstName": "Renamed"}
    )


# -- rate limits, server errors, timeouts, malformed bodies ---------------------------------------


def test_429_waits_what_retry_after_asks_then_carries_on(
    any_stub: CrmStub, http: SyncHttp, sleeps: Sleeps
) -> None:
    any_stub.add_many(150, start=T0)
    expected = ids(pull_all(any_stub, http))
    any_stub.reset()
    any_stub.fail_next(429, retry_after=7, times=2)
    assert ids(pull_all(any_stub, http)) == expected
    assert len(sleeps) == 2
    # at least what the server asked, plus at most one base delay of jitter
    assert all(7.0 <= s <= 7.0 + SYNC_RETRY.base_delay for s in sleeps), sleeps
    first, second, third = any_stub.requests[:3]
    assert first.body == second.body == third.body and first.query == third.query  # the same page again


def test_server_errors_are_retried_with_growing_backoff(
    any_stub: CrmStub, http: SyncHttp, sleeps: Sleeps
) -> None:
    any_stub.add_many(10, start=T0)
    any_stub.fail_next(503, times=3)
    assert len(pull_all(any_stub, http)) > 0
    assert len(sleeps) == 3
    # full jitter: attempt n waits within [0, base * 2**(n-1)]
    assert all(0 <= s <= SYNC_RETRY.base_delay * 2**n for n, s in enumerate(sleeps)), sleeps


def test_rate_limiting_past_the_cap_is_a_sync_error_not_a_hang(crm: CrmStub, sleeps: Sleeps) -> None:
    crm.add_many(10, start=T0)
    crm.fail_next(429, retry_after=1, times=50)
    policy = RetryPolicy(max_attempts=4, base_delay=0.5, max_total_wait=60)
    with SyncHttp(sleep=sleeps, retry=policy) as client, pytest.raises(SyncError) as caught:
        pull_all(crm, client)
    assert not isinstance(caught.value, SyncAuthError)
    assert f"{crm.provider} kept failing" in str(caught.value) and "HTTP 429" in str(caught.value)
    assert len(crm.requests) == 4 and len(sleeps) == 3


def test_a_slow_answer_times_out_and_is_retried(crm: CrmStub, sleeps: Sleeps) -> None:
    crm.add_many(10, start=T0)
    crm.fail_next("slow", delay=1.0)
    with SyncHttp(sleep=sleeps, timeout=httpx.Timeout(0.3, connect=1.0)) as client:
        assert len(pull_all(crm, client)) == 10
    assert len(sleeps) == 1 and len(crm.requests) == 2


def test_a_truncated_body_is_retried_once(crm: CrmStub, http: SyncHttp) -> None:
    crm.add_many(10, start=T0)
    crm.fail_next("malformed")
    assert len(pull_all(crm, http)) == 10


def test_a_body_that_stays_malformed_is_a_sync_error_naming_provider_and_path(
    crm: CrmStub, http: SyncHttp
) -> None:
    crm.add_many(10, start=T0)
    crm.fail_next("malformed", times=2)
    with pytest.raises(
        SyncError, match=rf"^{crm.provider} returned a body that is not valid JSON for /"
    ) as caught:
        pull_all(crm, http)
    assert crm.token not in str(caught.value)


# -- the token ----------------------------------------------------------------------------------


def test_a_revoked_token_asks_the_user_to_reconnect_and_never_shows_the_token(
    any_stub: CrmStub, http: SyncHttp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    any_stub.add_many(5, start=T0)
    any_stub.fail_next(503)  # a retry first, so the retry log line is in the capture too
    any_stub.revoke()
    with pytest.raises(SyncAuthError) as caught:
        pull_all(any_stub, http)
    exc = caught.value
    assert str(exc) == (
        f"{any_stub.provider} rejected the token (expired or revoked): "
        f"reconnect with `contact-import sync connect {any_stub.provider}`"
    )
    shown = [str(exc), repr(exc), "".join(traceback.format_exception(exc)), caplog.text, repr(http)]
    assert all(any_stub.token not in text for text in shown)
    assert caplog.text  # httpx's request lines and our retry line were captured and checked
    for request in any_stub.requests:
        assert any_stub.token not in request.path + str(request.query)


def test_a_wrong_token_is_an_auth_error_after_one_request(
    crm: CrmStub, http: SyncHttp, sleeps: Sleeps
) -> None:
    crm.add_many(5, start=T0)
    with pytest.raises(SyncAuthError):
        list(adapter(crm, http, token="not-the-token").pull(None))
    assert len(crm.requests) == 1 and sleeps == []


def test_adapters_hold_the_token_secret(crm: CrmStub, http: SyncHttp) -> None:
    made = adapter(crm, http)
    assert crm.token not in repr(made) and crm.token not in str(vars(made))


# -- the vendors' descriptions ----------------------------------------------------------------


@pytest.mark.parametrize("provider", list(DESCRIPTIONS))
def test_every_stub_answer_conforms_to_the_vendors_published_description(
    provider: str, http: SyncHttp
) -> None:
    """The stubs answer as the vendors' own descriptions say (tests/contracts/): pages, the last
    page, an empty result, a refused token and, for HubSpot, its 400 past the search cap. Every
    adapter test checks its stub the same way on exit (`conforming_stub`), so a stub that drifts
    from the description fails the suite."""
    with CrmStub(provider, search_cap=300) as stub:
        stub.add_many(250, start=T0)
        assert len(pull_all(stub, http)) == 250
        assert pull_all(stub, http, since=T0 + timedelta(days=1)) == []
        if provider == "hubspot":
            stub.add_many(100, start=T0 + timedelta(hours=1))
            with pytest.raises(SyncError, match="HTTP 400"):
                list(HubSpotAdapter(SecretStr(stub.token), base_url=stub.base_url, http=http).pull(None))
        stub.revoke()
        with pytest.raises(SyncAuthError):
            pull_all(stub, http)
        statuses = {e.status for e in stub.exchanges}
        assert check_exchanges(stub) == len(stub.exchanges)
    assert statuses == ({200, 400, 401} if provider == "hubspot" else {200, 401})


# -- HubSpot -------------------------------------------------------------------------------------


def test_hubspot_search_request_has_the_documented_shape(http: SyncHttp) -> None:
    with conforming_stub("hubspot") as stub:
        stub.add_many(3, start=T0)
        list(HubSpotAdapter(SecretStr(stub.token), base_url=stub.base_url, http=http).pull(T0))
        (request,) = stub.requests
    assert request.method == "POST" and request.path == "/crm/v3/objects/contacts/search"
    assert request.headers["Authorization"] == f"Bearer {stub.token}"
    assert request.body["filterGroups"] == [
        {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1704067200000"}]}
    ]
    assert request.body["sorts"] == [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    assert request.body["limit"] == 100 and request.body["after"] == "0"
    assert {"email", "firstname", "jobtitle", "company", "lastmodifieddate"} <= set(
        request.body["properties"]
    )


def test_hubspot_restarts_at_the_10k_search_cap_without_gaps_or_repeats(http: SyncHttp) -> None:
    with conforming_stub("hubspot") as stub:
        before = stub.add_many(9_950, start=T0, step=timedelta(milliseconds=10))
        # 120 contacts share one millisecond across the 10,000th result
        shared_stamp = T0 + timedelta(hours=1)
        shared = stub.add_many(120, start=shared_stamp, step=timedelta(0))
        after = stub.add_many(1_930, start=T0 + timedelta(hours=2), step=timedelta(milliseconds=10))
        records = list(HubSpotAdapter(SecretStr(stub.token), base_url=stub.base_url, http=http).pull(None))
        requests = stub.requests
    assert ids(records) == before + shared + after
    assert stamps_ascending(records)
    restart = [r for r in requests if r.body["filterGroups"]]
    assert restart, "the pull never restarted its search"
    assert restart[0].body["filterGroups"][0]["filters"][0]["value"] == "1704070800000"  # shared_stamp
    assert restart[0].body["after"] == "0"
    assert max(int(r.body.get("after", 0)) for r in requests) < 10_000


def test_hubspot_refuses_to_loop_when_more_contacts_than_the_cap_share_a_stamp(http: SyncHttp) -> None:
    with conforming_stub("hubspot", search_cap=300) as stub:
        stub.add_many(400, start=T0, step=timedelta(0))
        adapter_ = HubSpotAdapter(SecretStr(stub.token), base_url=stub.base_url, http=http, search_cap=300)
        with pytest.raises(SyncError, match="more than 300 contacts share the modification time"):
            list(adapter_.pull(None))


# -- Salesforce ----------------------------------------------------------------------------------


def test_salesforce_merges_contacts_and_leads_by_modstamp_and_skips_converted_leads(http: SyncHttp) -> None:
    with conforming_stub("salesforce") as stub:
        contacts = stub.add_many(250, start=T0, step=timedelta(seconds=2))
        leads = stub.add_many(250, start=T0 + timedelta(seconds=1), step=timedelta(seconds=2), sobject="Lead")
        converted = stub.add({"IsConverted": True, "Email": "old@lead.com"}, sobject="Lead", modified_at=T0)
        both = SalesforceAdapter(
            SecretStr(stub.token),
            instance_url=stub.instance_url,
            objects=("Contact", "Lead"),
            page_size=200,
            http=http,
        )
        records = list(both.pull(None))
        queries = [r.query["q"] for r in stub.requests if "q" in r.query]
    assert ids(records) == [x for pair in zip(contacts, leads, strict=True) for x in pair]
    assert converted not in ids(records)
    assert stamps_ascending(records)
    assert {r.contact["custom_fields"]["salesforce_object"] for r in records} == {"Contact", "Lead"}
    lead_query = next(q for q in queries if " FROM Lead " in q)
    assert "IsConverted = false" in lead_query and "ORDER BY SystemModstamp ASC" in lead_query
    assert "Account.Name" in next(q for q in queries if " FROM Contact " in q)


def test_salesforce_field_a_object_lacks_is_a_sync_error_with_salesforces_words(http: SyncHttp) -> None:
    with conforming_stub("salesforce") as stub:
        stub.add_many(3, start=T0)
        bad = SalesforceAdapter(
            SecretStr(stub.token),
            instance_url=stub.instance_url,
            mapping={"Company": "company_name"},
            http=http,
        )
        with pytest.raises(SyncError, match="No such column 'Company' on entity 'Contact'"):
            list(bad.pull(None))


def test_salesforce_daily_request_limit_is_not_an_auth_error(http: SyncHttp) -> None:
    with conforming_stub("salesforce") as stub:
        stub.fail_next(403)
        with pytest.raises(SyncError, match="API request limit") as caught:
            list(adapter(stub, http).pull(None))
    assert not isinstance(caught.value, SyncAuthError)


# -- Outreach -------------------------------------------------------------------------------------


def test_outreach_sends_the_range_filter_and_follows_links_next(http: SyncHttp) -> None:
    with conforming_stub("outreach") as stub:
        expected = stub.add_many(230, start=T0)
        records = list(OutreachAdapter(SecretStr(stub.token), base_url=stub.base_url, http=http).pull(T0))
        first, *rest = stub.requests
    assert ids(records) == expected
    assert first.query == {
        "filter[updatedAt]": "2024-01-01T00:00:00.000Z..inf",
        "sort": "updatedAt",
        "page[size]": "100",
        "include": "stage,account",
    }
    assert first.headers["Accept"] == "application/vnd.api+json"
    assert len(rest) == 2 and all("page[after]" in r.query for r in rest)


def test_outreach_reads_stage_and_account_through_included_resources(http: SyncHttp) -> None:
    """Outreach's published API v2 description defines `stage` and `account` as prospect
    relationships (`prospectRelationships`), not attributes; JSON:API 1.0 ("Inclusion of Related
    Resources"), which Outreach implements (developers.outreach.io/api/making-requests), embeds
    them in `included` when asked with `include=`. The stage name lands in custom data and the
    account's name fills the company name only for a prospect without its own `company`."""
    with conforming_stub("outreach") as stub:
        stage = stub.add_resource("stage", {"name": "Qualified Lead", "order": 2})
        account = stub.add_resource("account", {"name": "Acme International", "domain": "acme.example"})
        bare = stub.add(
            {"emails": ["a@acme.example"]}, modified_at=T0, related={"stage": stage, "account": account}
        )
        own = stub.add(
            {"emails": ["b@acme.example"], "company": "Acme Labs"},
            modified_at=T0 + timedelta(seconds=1),
            related={"account": account},
        )
        lone = stub.add({"emails": ["c@solo.example"]}, modified_at=T0 + timedelta(seconds=2))
        records = {
            r.source_id: r.contact
            for r in OutreachAdapter(SecretStr(stub.token), base_url=stub.base_url, http=http).pull(None)
        }
        (exchange,) = stub.exchanges
    assert exchange.request.query["include"] == "stage,account"
    included = {(r["type"], str(r["id"])) for r in json.loads(exchange.body)["included"]}
    assert included == {("stage", stage), ("account", account)}  # each once, though shared
    assert records[bare]["custom_fields"]["outreach_stage"] == "Qualified Lead"
    assert (records[bare]["company_name"], records[bare]["company_domain"]) == (
        "Acme International",
        "acme.example",
    )
    assert (
        records[own]["company_name"] == "Acme Labs" and "outreach_stage" not in records[own]["custom_fields"]
    )
    assert "company_name" not in records[lone] and "outreach_stage" not in records[lone]["custom_fields"]


# -- Apollo ---------------------------------------------------------------------------------------


def apollo_people(stub: CrmStub) -> None:
    for i in range(300):
        stub.add(
            {
                "first_name": f"P{i}",
                "title": "VP Sales" if i % 3 == 0 else "Engineer",
                "seniority": "vp" if i % 3 == 0 else "senior",
                "email": "email_not_unlocked@domain.com" if i % 10 == 0 else f"p{i}@acme{i}.com",
                "city": "Austin",
                "state": "Texas",
                "country": "United States",
                "organization": {
                    "name": f"Acme {i}",
                    "primary_domain": f"acme{i}.com",
                    "estimated_num_employees": 40 + i,
                },
            }
        )


RULES = IcpRuleSet.model_validate(
    [
        {
            "name": "mid-market VPs",
            "tier": "A",
            "conditions": {"title_contains": ["VP"], "employee_count_min": 51, "employee_count_max": 200},
        },
        {"name": "Texans", "tier": "B", "conditions": {"state_in": ["Texas"]}},
        {"name": "rest", "tier": "C"},
    ]
)


def searches(stub: CrmStub) -> list[Any]:
    return [r for r in stub.requests if r.path == APOLLO_SEARCH]


def reveals(stub: CrmStub) -> list[Any]:
    return [r for r in stub.requests if r.path == APOLLO_REVEAL]


def test_apollo_runs_one_search_per_rule_deduplicated_and_stops_at_max(http: SyncHttp) -> None:
    with conforming_stub("apollo") as stub:
        apollo_people(stub)
        plan = build_query(RULES, per_page=25)
        records = list(
            ApolloSearch(SecretStr(stub.token), base_url=stub.base_url, http=http).search(plan, 120)
        )
        found, revealed = searches(stub), reveals(stub)
    assert len(records) == 120 and len(set(ids(records))) == 120
    # the tier-A search ran first and found every VP at 51..200 employees: i in 11..160, i % 3 == 0
    tier_a_people = records[:50]
    assert all(r.contact["title"] == "VP Sales" for r in tier_a_people)
    assert all(51 <= int(r.contact["custom_fields"]["apollo_employees"]) <= 200 for r in tier_a_people)
    mid_market_vps = [
        r
        for r in records
        if r.contact["title"] == "VP Sales"
        and 51 <= int(r.contact["custom_fields"]["apollo_employees"]) <= 200
    ]
    assert len(mid_market_vps) == 50
    tier_a = [r for r in found if r.body.get("person_titles")]
    assert [r.body["page"] for r in tier_a] == [1, 2]
    assert tier_a[0].body["organization_num_employees_ranges"] == ["51,200"]
    assert found[0].headers["X-Api-Key"] == stub.token and "Authorization" not in found[0].headers
    # Texans search: 70 more distinct people (the VPs it finds again are skipped), 4 pages of 25
    assert [r.body["page"] for r in found[len(tier_a) :]] == [1, 2, 3, 4]
    # each person is revealed once, ten a call, in the order found
    assert [d["id"] for r in revealed for d in r.body["details"]] == ids(records)
    assert all(len(r.body["details"]) <= 10 for r in revealed) and len(revealed) == 12
    locked = [r for r in records if "email" not in r.contact]
    assert locked and all(int(r.contact["first_name"][1:]) % 10 == 0 for r in locked)


def test_apollo_finds_people_free_with_api_search_and_pays_only_to_reveal_those_imported(
    http: SyncHttp,
) -> None:
    """Apollo's documentation: the People API Search endpoint, `POST /api/v1/mixed_people/api_search`,
    is the people search for API callers; it "is optimized for API usage and does not consume
    credits" and "does not return email addresses or phone numbers" — enrich with Bulk People
    Enrichment (docs.apollo.io/reference/people-api-search). `POST /api/v1/people/bulk_match`
    enriches up to 10 people a call and consumes credits per person enriched
    (docs.apollo.io/reference/bulk-people-enrichment). So the search spends nothing, and the
    workspace's key pays one credit for each person the import takes, never for the rest."""
    with conforming_stub("apollo") as stub:
        apollo_people(stub)
        searcher = ApolloSearch(SecretStr(stub.token), base_url=stub.base_url, http=http)
        records = list(searcher.search(build_query(RULES, tiers=["B"], per_page=100), 25))
        shown = [
            p for e in stub.exchanges if e.request.path == APOLLO_SEARCH for p in json.loads(e.body)["people"]
        ]
        revealed = reveals(stub)
        assert stub.credits_consumed == searcher.credits_consumed == 25
    assert len(records) == 25 and len(searches(stub)) == 1 and len(shown) == 100
    assert not any("email" in p or "last_name" in p for p in shown)  # the search shows no contact details
    assert all(
        r.query == {"reveal_personal_emails": "false", "reveal_phone_number": "false"} for r in revealed
    )
    assert [len(r.body["details"]) for r in revealed] == [10, 10, 5]
    assert all(r.headers["X-Api-Key"] == stub.token for r in revealed)
    assert records[1].contact["email"] == "p1@acme1.com"  # what the reveal gave


def test_apollo_stops_at_the_last_page_when_fewer_than_max_match(http: SyncHttp) -> None:
    with conforming_stub("apollo") as stub:
        apollo_people(stub)
        plan = build_query(RULES, tiers=["A"], per_page=100)
        records = list(
            ApolloSearch(SecretStr(stub.token), base_url=stub.base_url, http=http).search(plan, 10_000)
        )
        assert len(records) == 50 and len(searches(stub)) == 1 and len(reveals(stub)) == 5
