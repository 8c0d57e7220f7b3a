"""CRM records -> webhook-batch contacts, and ICP rules -> Apollo queries: pure, no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from functions.api.webhooks import batch_csv
from functions.common.config_models import IcpRuleSet
from functions.sync import apollo_search, hubspot, outreach, salesforce
from functions.sync.adapters import make_adapter
from functions.sync.http import (
    CONTACT_FIELDS,
    SyncHttp,
    build_contact,
    epoch_ms,
    interpret,
    join_url,
    merge_mapping,
    parse_instant,
)
from functions.sync.ports import SyncAuthError, SyncError

STAMP = datetime(2024, 3, 5, 10, 30, 15, 250000, tzinfo=UTC)


# -- HubSpot ------------------------------------------------------------------------------------


def hubspot_raw(**properties: str | None) -> dict:
    return {
        "id": "501",
        "properties": {"lastmodifieddate": "2024-03-05T10:30:15.250Z", "hs_object_id": "501", **properties},
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-03-05T10:30:15.250Z",
        "archived": False,
    }


def test_hubspot_default_mapping_fills_the_contact_and_keeps_the_record_id() -> None:
    raw = hubspot_raw(
        email="ann@acme.com",
        firstname="Ann",
        lastname="Lee",
        jobtitle="VP Sales",
        company="Acme",
        website="https://www.acme.com",
        mobilephone="+1 512 555 0100",
        lifecyclestage="lead",
        city="  ",
    )
    record = hubspot.to_record(raw)
    assert record is not None
    assert record.source_id == "501"
    assert record.modified_at == STAMP
    assert record.contact == {
        "email": "ann@acme.com",
        "first_name": "Ann",
        "last_name": "Lee",
        "title": "VP Sales",
        "company_name": "Acme",
        "company_domain": "https://www.acme.com",
        "mobile": "+1 512 555 0100",
        "custom_fields": {"lifecyclestage": "lead", "hubspot_id": "501"},
    }


def test_a_record_without_email_is_still_a_record() -> None:
    # the import turns it into a MISSING_EMAIL row; dropping it here would hide it from the report
    record = hubspot.to_record(hubspot_raw(firstname="Ann", email=None))
    assert record is not None and "email" not in record.contact


@pytest.mark.parametrize(
    "raw",
    [
        {"properties": {"lastmodifieddate": "2024-03-05T10:30:15Z"}},
        {"id": "7", "properties": {"email": "a@b.com"}},
        {"id": "7", "properties": {"lastmodifieddate": "not a date"}},
        "not an object",
    ],
)
def test_hubspot_record_without_id_or_stamp_is_none(raw: object) -> None:
    assert hubspot.to_record(raw) is None


def test_hubspot_stamp_falls_back_to_updated_at_and_reads_epoch_millis() -> None:
    raw = {"id": "9", "properties": {}, "updatedAt": "2024-03-05T10:30:15.250Z"}
    assert hubspot.to_record(raw).modified_at == STAMP  # type: ignore[union-attr]
    raw = {"id": "9", "properties": {"lastmodifieddate": str(epoch_ms(STAMP))}}
    assert hubspot.to_record(raw).modified_at == STAMP  # type: ignore[union-attr]


def test_hubspot_search_body_filters_gte_the_watermark_in_epoch_millis_ascending() -> None:
    body = hubspot.search_body(STAMP + timedelta(microseconds=999), ["email"], page_size=100, after="200")
    assert body == {
        "filterGroups": [
            {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1709634615250"}]}
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["email"],
        "limit": 100,
        "after": "200",
    }
    assert hubspot.search_body(None, ["email"], page_size=10)["filterGroups"] == []


def test_mapping_override_adds_and_drops_properties_on_top_of_the_defaults() -> None:
    mapping = merge_mapping(hubspot.DEFAULT_MAPPING, {"company": "", "lead_score": "custom:lead_score"})
    record = hubspot.to_record(hubspot_raw(company="Acme", lead_score="87"), mapping)
    assert record is not None
    assert "company_name" not in record.contact
    assert record.contact["custom_fields"]["lead_score"] == "87"


@pytest.mark.parametrize("target", ["firstname", "custom:", "Email", "custom_fields"])
def test_a_mapping_to_an_unknown_field_is_refused_when_configured(target: str) -> None:
    with pytest.raises(ValueError, match="must be a contact field"):
        merge_mapping(hubspot.DEFAULT_MAPPING, {"x": target})


def test_mapped_contacts_are_accepted_by_the_webhook_batch_shape() -> None:
    contacts = [
        hubspot.to_record(hubspot_raw(email="a@b.com", lifecyclestage="lead")).contact,  # type: ignore[union-attr]
        outreach.to_record(outreach_raw()).contact,  # type: ignore[union-attr]
    ]
    body, mapping = batch_csv(contacts)
    assert b"a@b.com" in body and "custom.outreach_id" in mapping["columns"]


# -- Salesforce ---------------------------------------------------------------------------------


def test_salesforce_contact_reads_account_relationship_and_mailing_address() -> None:
    raw = {
        "attributes": {"type": "Contact", "url": "/services/data/v60.0/sobjects/Contact/003A"},
        "Id": "003A",
        "SystemModstamp": "2024-03-05T10:30:15.000+0000",
        "Email": "ann@acme.com",
        "FirstName": "Ann",
        "Account": {"attributes": {"type": "Account"}, "Name": "Acme", "Website": "acme.com"},
        "MailingCity": "Austin",
        "City": "must not be read for a Contact",
    }
    record = salesforce.to_record(raw)
    assert record is not None
    assert record.modified_at == STAMP.replace(microsecond=0)
    assert record.contact["company_name"] == "Acme"
    assert record.contact["company_domain"] == "acme.com"
    assert record.contact["city"] == "Austin"
    assert record.contact["custom_fields"] == {"salesforce_id": "003A", "salesforce_object": "Contact"}


def test_salesforce_lead_reads_company_and_city() -> None:
    raw = {
        "attributes": {"type": "Lead"},
        "Id": "00QA",
        "SystemModstamp": "2024-03-05T10:30:15.000+0000",
        "Company": "Initech",
        "City": "Dallas",
        "Status": "Open - Not Contacted",
        "Account": None,
    }
    contact = salesforce.to_record(raw).contact  # type: ignore[union-attr]
    assert contact["company_name"] == "Initech" and contact["city"] == "Dallas"
    assert contact["custom_fields"]["LeadStatus"] == "Open - Not Contacted"


def test_salesforce_object_scoped_mapping_applies_to_that_object_only() -> None:
    mapping = merge_mapping(salesforce.DEFAULT_MAPPING, {"Lead:Industry": "custom:industry"})
    assert salesforce.mapping_for(mapping, "Lead")["Industry"] == "custom:industry"
    assert "Industry" not in salesforce.mapping_for(mapping, "Contact")
    assert "Company" not in salesforce.mapping_for(mapping, "Contact")
    assert "Account.Name" not in salesforce.mapping_for(mapping, "Lead")


def test_soql_filters_from_the_watermark_second_and_leaves_converted_leads_out() -> None:
    query = salesforce.soql("Lead", ["Email", "Company"], STAMP)
    assert query == (
        "SELECT Id, SystemModstamp, Company, Email FROM Lead "
        "WHERE SystemModstamp >= 2024-03-05T10:30:15Z AND IsConverted = false "
        "ORDER BY SystemModstamp ASC, Id ASC"
    )
    assert "WHERE" not in salesforce.soql("Contact", ["Email"], None)


# -- Outreach -----------------------------------------------------------------------------------


def outreach_raw() -> dict:
    return {
        "type": "prospect",
        "id": 42,
        "attributes": {
            "emails": ["ann@acme.com", "ann.lee@gmail.com"],
            "firstName": "Ann",
            "lastName": "Lee",
            "title": None,
            "occupation": "Head of Growth",
            "linkedInUrl": "https://www.linkedin.com/in/annlee",
            "addressCity": "Austin",
            "addressState": "TX",
            "addressCountry": "US",
            "workPhones": [],
            "homePhones": ["+1 512 555 0101"],
            "mobilePhones": ["+1 512 555 0100", "+1 512 555 0199"],
            "tags": ["webinar", "", "webinar", "vip"],
            "updatedAt": "2024-03-05T10:30:15.250Z",
        },
        "relationships": {
            "account": {"data": {"type": "account", "id": 7}},
            "stage": {"data": {"type": "stage", "id": 3}},
            "owner": {"data": None},
        },
    }


OUTREACH_INCLUDED = {
    "data": [],
    "included": [
        {"type": "stage", "id": 3, "attributes": {"name": "Replied"}},
        {"type": "account", "id": 7, "attributes": {"name": "Acme", "domain": "acme.com"}},
    ],
}


def test_outreach_prospect_takes_first_email_and_phones_and_keeps_the_rest_visible() -> None:
    record = outreach.to_record(outreach_raw(), included=outreach.index_included(OUTREACH_INCLUDED))
    assert record is not None
    assert record.source_id == "42" and record.modified_at == STAMP
    c = record.contact
    assert (c["email"], c["title"], c["company_name"]) == ("ann@acme.com", "Head of Growth", "Acme")
    assert c["company_domain"] == "acme.com"
    assert (c["phone"], c["mobile"]) == ("+1 512 555 0101", "+1 512 555 0100")
    assert c["tags"] == ["webinar", "vip"]
    assert c["custom_fields"] == {
        "outreach_id": "42",
        "outreach_other_emails": "ann.lee@gmail.com",
        "outreach_stage": "Replied",
    }


def test_outreach_relationships_not_in_the_document_leave_the_fields_empty() -> None:
    record = outreach.to_record(outreach_raw())  # no `included`: nothing to resolve against
    assert record is not None
    assert "company_name" not in record.contact and "outreach_stage" not in record.contact["custom_fields"]
    raw = outreach_raw()
    raw["attributes"]["company"] = "Acme Holdings"  # the prospect's own company wins
    own = outreach.to_record(raw, included=outreach.index_included(OUTREACH_INCLUDED))
    assert own is not None and own.contact["company_name"] == "Acme Holdings"


def test_outreach_first_page_params_use_an_open_range_and_sort_by_updated_at() -> None:
    assert outreach.first_page_params(STAMP, 100) == {
        "sort": "updatedAt",
        "page[size]": "100",
        "filter[updatedAt]": "2024-03-05T10:30:15.250Z..inf",
        "include": "stage,account",
    }
    assert "filter[updatedAt]" not in outreach.first_page_params(None, 100)


# -- shared wire helpers -------------------------------------------------------------------------


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_epoch_millis_round_down_so_a_gte_filter_never_skips_the_watermark(moment: datetime) -> None:
    back = parse_instant(str(epoch_ms(moment)))
    assert back is not None
    assert back <= moment < back + timedelta(milliseconds=1)


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05T10:30:15.250Z",
        "2024-03-05T10:30:15.250+00:00",
        "2024-03-05T11:30:15.250+0100",
        "1709634615250",
    ],
)
def test_instants_in_every_crm_spelling_parse_to_utc(text: str) -> None:
    assert parse_instant(text) == STAMP


values = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.integers(),
    st.lists(st.one_of(st.none(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


@given(st.dictionaries(st.sampled_from(sorted(outreach.DEFAULT_MAPPING)), values))
def test_built_contacts_only_ever_hold_batch_fields_with_text_values(source: dict) -> None:
    contact = build_contact(source, outreach.DEFAULT_MAPPING, {"outreach_id": "1"})
    assert set(contact) <= CONTACT_FIELDS | {"custom_fields"}
    for name, value in contact.items():
        if name == "tags":
            assert value and all(isinstance(t, str) and t.strip() == t and t for t in value)
        elif name == "custom_fields":
            assert all(isinstance(v, str) and v for v in value.values())
        else:
            assert isinstance(value, str) and value and value == value.strip()


def test_a_next_link_to_another_host_is_refused_so_the_token_stays_home() -> None:
    base = "https://api.outreach.io"
    assert join_url(base, "/api/v2/prospects") == "https://api.outreach.io/api/v2/prospects"
    assert join_url(base, f"{base}/api/v2/prospects?page[after]=x").endswith("page[after]=x")
    with pytest.raises(SyncError, match="refusing to send the token"):
        join_url(base, "https://evil.example/api/v2/prospects")
    with pytest.raises(SyncError):
        join_url(base, "http://api.outreach.io/api/v2/prospects")  # a downgrade is another origin


def response(status: int, body: bytes = b"{}") -> httpx.Response:
    return httpx.Response(
        status, content=body, request=httpx.Request("GET", "https://x.test/api/v2/prospects?q=1")
    )


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_means_reconnect(status: int) -> None:
    with pytest.raises(SyncAuthError, match=r"reconnect with `contact-import sync connect outreach`"):
        interpret("outreach", response(status))


def test_salesforce_request_limit_403_is_not_an_auth_error() -> None:
    body = b'[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]'
    with pytest.raises(SyncError) as caught:
        interpret("salesforce", response(403, body))
    assert not isinstance(caught.value, SyncAuthError)


def test_other_client_errors_quote_the_server_and_the_path_but_not_the_query() -> None:
    body = b'[{"message":"No such column \'Foo\' on entity \'Contact\'.","errorCode":"INVALID_FIELD"}]'
    with pytest.raises(SyncError, match=r"HTTP 400 for /api/v2/prospects: No such column 'Foo'") as caught:
        interpret("salesforce", response(400, body))
    assert "q=1" not in str(caught.value)


# -- Apollo -------------------------------------------------------------------------------------


RULES = IcpRuleSet.model_validate(
    [
        {
            "name": "Enterprise sales leaders",
            "tier": "A",
            "conditions": {
                "title_contains": ["VP Sales", "Head of Sales"],
                "seniority_in": ["VP", "head"],
                "department_in": ["sales", "bizdev"],
                "employee_count_min": 51,
                "employee_count_max": 200,
                "industry_in": ["Computer Software"],
                "tech_stack_any": ["Salesforce", "Google Analytics"],
                "country_in": ["US", "Canada"],
            },
        },
        {"name": "Data people", "tier": "B", "conditions": {"department_in": ["data", "engineering"]}},
        {"name": "Texans", "tier": "B", "conditions": {"state_in": ["Texas"], "country_in": ["US"]}},
        {"name": "Everyone else", "tier": "D"},
    ]
)


def test_icp_rule_translates_to_apollo_filters() -> None:
    plan = apollo_search.build_query(RULES, tiers=["a"], per_page=50)
    (search,) = plan["searches"]
    assert search["rule"] == "Enterprise sales leaders" and search["not_sent"] == []
    assert search["body"] == {
        "person_titles": ["VP Sales", "Head of Sales"],
        "include_similar_titles": False,
        "person_seniorities": ["vp", "head"],
        "person_department_or_subdepartments": ["sales"],
        "organization_num_employees_ranges": ["51,200"],
        "q_organization_keyword_tags": ["computer software"],
        "currently_using_any_of_technology_uids": ["salesforce", "google_analytics"],
        "person_locations": ["United States", "Canada"],
        "page": 1,
        "per_page": 50,
    }
    assert plan["endpoint"] == "/api/v1/mixed_people/api_search"
    assert plan["reveal"] == "/api/v1/people/bulk_match"
    json.dumps(plan)  # printable for --dry-run and storable in the job's options


def test_conditions_apollo_cannot_express_are_left_out_and_named_never_narrowed() -> None:
    plan = apollo_search.build_query(RULES, tiers=["B"])
    data, texans = plan["searches"]
    # "data" has no Apollo department: sending only "engineering" would lose the data people
    assert "person_department_or_subdepartments" not in data["body"]
    assert data["not_sent"] == ["department_in"]
    assert texans["body"]["person_locations"] == ["Texas"] and texans["not_sent"] == ["country_in"]


def test_catch_all_rules_are_skipped_not_searched() -> None:
    plan = apollo_search.build_query(RULES)
    assert [s["rule"] for s in plan["searches"]] == ["Enterprise sales leaders", "Data people", "Texans"]
    assert plan["skipped"][0]["rule"] == "Everyone else"


@given(st.one_of(st.none(), st.integers(0, 10**6)), st.one_of(st.none(), st.integers(0, 10**6)))
def test_employee_ranges_are_min_comma_max_and_never_narrower_than_the_rule(
    low: int | None, high: int | None
) -> None:
    lo, hi = (int(x) for x in apollo_search.employee_range(low, high).split(","))
    assert lo <= max(low or 0, 1) and (high is None or hi == high)


def test_per_page_is_bounded_by_apollo() -> None:
    with pytest.raises(ValueError):
        apollo_search.build_query(RULES, per_page=101)


def test_locked_apollo_emails_become_no_email() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    raw = {
        "id": "p1",
        "email": "email_not_unlocked@domain.com",
        "first_name": "Ann",
        "departments": ["master_sales"],
    }
    record = apollo_search.to_record(raw, now)
    assert record is not None and record.modified_at == now
    assert "email" not in record.contact
    assert record.contact["department"] == "sales"
    assert record.contact["custom_fields"]["apollo_id"] == "p1"
    # a contact already saved in the account carries the person id it shares with `people`
    saved = apollo_search.to_record({"id": "c9", "person_id": "p1", "email": "ann@acme.com"}, now)
    assert saved is not None and saved.source_id == "p1" and saved.contact["email"] == "ann@acme.com"


def test_a_person_apollo_cannot_reveal_stays_a_contact_without_email_and_costs_nothing() -> None:
    """bulk_match answers `null` in `matches` for a person it cannot enrich and charges only for
    the ones it did (docs.apollo.io/reference/bulk-people-enrichment)."""
    sent: list[httpx.Request] = []

    def apollo(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == apollo_search.SEARCH_PATH:
            people = [
                {
                    "id": "p1",
                    "first_name": "Ann",
                    "title": "CTO",
                    "has_email": True,
                    "organization": {"name": "Acme"},
                },
                {
                    "id": "p2",
                    "first_name": "Bo",
                    "title": "VP Sales",
                    "has_email": False,
                    "organization": {"name": "Bolt"},
                },
            ]
            return httpx.Response(200, json={"total_entries": 2, "people": people})
        match = {"id": "p1", "first_name": "Ann", "email": "ann@acme.com", "organization": {"name": "Acme"}}
        return httpx.Response(200, json={"matches": [match, None], "credits_consumed": 1})

    plan = apollo_search.build_query(RULES, tiers=["A"])
    with SyncHttp(client=httpx.Client(transport=httpx.MockTransport(apollo))) as http:
        searcher = apollo_search.ApolloSearch(SecretStr("k3y"), base_url="https://api.apollo.test", http=http)
        ann, bo = searcher.search(plan, 10)
    assert ann.contact["email"] == "ann@acme.com"
    assert "email" not in bo.contact and (bo.contact["first_name"], bo.contact["company_name"]) == (
        "Bo",
        "Bolt",
    )
    assert searcher.credits_consumed == 1
    reveal = sent[-1]
    assert reveal.url.path == "/api/v1/people/bulk_match" and reveal.headers["X-Api-Key"] == "k3y"
    assert dict(reveal.url.params) == {"reveal_personal_emails": "false", "reveal_phone_number": "false"}
    assert json.loads(reveal.content) == {"details": [{"id": "p1"}, {"id": "p2"}]}


# -- the factory --------------------------------------------------------------------------------


def test_make_adapter_builds_each_provider_and_refuses_options_that_do_not_apply() -> None:
    token = SecretStr("t0ken-value")
    assert make_adapter("hubspot", token).provider == "hubspot"
    assert make_adapter("outreach", token, base_url="http://127.0.0.1:9").provider == "outreach"
    made = make_adapter(
        "salesforce", token, instance_url="https://acme.my.salesforce.com", objects=("Contact", "Lead")
    )
    assert made.provider == "salesforce" and "t0ken-value" not in repr(made)
    with pytest.raises(ValueError, match="salesforce only"):
        make_adapter("hubspot", token, objects=("Lead",))
    with pytest.raises(ValueError, match="instance_url is required"):
        make_adapter("salesforce", token)
    with pytest.raises(ValueError, match="objects must be"):
        make_adapter("salesforce", token, instance_url="https://x.test", objects=("Account",))
    with pytest.raises(ValueError, match="unknown CRM provider 'pipedrive'"):
        make_adapter("pipedrive", token)


def test_a_blank_token_is_an_auth_error_before_any_request() -> None:
    with pytest.raises(SyncAuthError, match="reconnect with `contact-import sync connect hubspot`"):
        make_adapter("hubspot", SecretStr("  "))
