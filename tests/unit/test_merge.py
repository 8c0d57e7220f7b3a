"""Update semantics: overwrite, blank never erases, no_overwrite, tags, DNT, owner, custom data."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from functions.dedup.merge import is_blank, merge_contact, split_tags, union_tags

STORED: dict[str, Any] = {
    "fields": {"first_name": "Bob", "title": "Manager", "company_domain": "acme.com", "phone": "+15550100"},
    "custom_fields": {"region": "East", "score_override": 0},
    "tags": ["vip", "Q2"],
    "dnt": False,
}


# --- new contacts --------------------------------------------------------------------------------


def test_new_contact_takes_non_blank_fields_and_all_tags() -> None:
    r = merge_contact(
        None,
        {"email": "bob@acme.com", "contact_id": "x", "first_name": "Bob", "title": "", "tags": ["a", "b"]},
        incoming_custom={"region": "East", "empty": " "},
        import_tags=["import:job1"],
    )
    assert r.fields == {"first_name": "Bob", "verification_status": "unverified"}
    assert r.custom_fields == {"region": "East"}
    assert r.tags == ["a", "b", "import:job1"]
    assert r.changed is True
    assert r.warnings == []


def test_identity_is_never_a_merged_field() -> None:
    r = merge_contact(STORED, {"email": "other@x.com", "contact_id": "cont_9"})
    assert "email" not in r.fields and "contact_id" not in r.fields


# --- overwrite, blanks, no_overwrite -------------------------------------------------------------


def test_import_values_overwrite_stored_values() -> None:
    r = merge_contact(STORED, {"title": "Director"})
    assert r.fields["title"] == "Director"
    assert r.changed is True


def test_blank_cells_never_erase() -> None:
    r = merge_contact(STORED, {"title": "", "phone": None, "first_name": "   ", "company_domain": []})
    assert r.fields == STORED["fields"]
    assert r.changed is False


def test_no_overwrite_fills_only_empty_fields() -> None:
    stored = {**STORED, "fields": {**STORED["fields"], "city": ""}}
    r = merge_contact(stored, {"title": "Director", "city": "Boston", "country": "US"}, no_overwrite=True)
    assert r.fields["title"] == "Manager"
    assert r.fields["city"] == "Boston"
    assert r.fields["country"] == "US"


def test_zero_and_false_are_values_not_blanks() -> None:
    r = merge_contact(STORED, {}, incoming_custom={"score_override": 5, "opted_in": False})
    assert r.custom_fields["score_override"] == 5
    assert r.custom_fields["opted_in"] is False
    assert not is_blank(0) and not is_blank(False)


def test_custom_data_merges_by_the_same_rules() -> None:
    r = merge_contact(STORED, {}, incoming_custom={"region": "", "stage": "trial"})
    assert r.custom_fields == {"region": "East", "score_override": 0, "stage": "trial"}
    kept = merge_contact(STORED, {}, incoming_custom={"region": "West"}, no_overwrite=True)
    assert kept.custom_fields["region"] == "East"


def test_merging_what_is_already_stored_changes_nothing() -> None:
    r = merge_contact(STORED, {"first_name": "Bob", "tags": ["VIP"]}, incoming_custom={"region": "East"})
    assert r.changed is False


# --- tags ----------------------------------------------------------------------------------------


def test_tags_are_unioned_with_the_import_tag() -> None:
    r = merge_contact(STORED, {"tags": ["new"]}, import_tags=["import:job7", "event-2026"])
    assert r.tags == ["vip", "Q2", "new", "import:job7", "event-2026"]


def test_tags_are_never_removed_even_with_no_overwrite() -> None:
    r = merge_contact(STORED, {"tags": ["other"]}, no_overwrite=True)
    assert r.tags == ["vip", "Q2", "other"]


def test_tag_comparison_ignores_case_and_the_stored_spelling_wins() -> None:
    assert merge_contact(STORED, {"tags": ["VIP", "q2"]}).tags == ["vip", "Q2"]


def test_tags_may_arrive_as_one_cell() -> None:
    assert split_tags("a, b; c ,, ") == ["a", "b", "c"]
    assert merge_contact(None, {"tags": "x, y"}).tags == ["x", "y"]


def test_union_tags_skips_blanks() -> None:
    assert union_tags(["a"], ["", "  ", "b"]) == ["a", "b"]


# --- company domain conflict ---------------------------------------------------------------------


def test_different_company_domain_is_logged_and_the_row_still_updates() -> None:
    r = merge_contact(STORED, {"company_domain": "acme.io"})
    assert r.company_domain == "acme.io"
    assert r.warnings == ["CONFLICT_COMPANY_DOMAIN: stored acme.com, file acme.io; updated"]


def test_conflicting_domain_is_logged_but_kept_with_no_overwrite() -> None:
    r = merge_contact(STORED, {"company_domain": "acme.io"}, no_overwrite=True)
    assert r.company_domain == "acme.com"
    assert r.warnings == ["CONFLICT_COMPANY_DOMAIN: stored acme.com, file acme.io; kept (no_overwrite)"]


def test_same_domain_in_another_spelling_is_not_a_conflict() -> None:
    assert merge_contact(STORED, {"company_domain": "WWW.Acme.com"}).warnings == []


def test_no_conflict_when_either_domain_is_missing() -> None:
    assert merge_contact(STORED, {"company_domain": ""}).warnings == []
    assert merge_contact({"fields": {}}, {"company_domain": "acme.io"}).warnings == []


# --- DNT and owner -------------------------------------------------------------------------------


def test_dnt_flags_the_contact_do_not_touch() -> None:
    r = merge_contact(STORED, {}, dnt=True)
    assert (r.dnt, r.changed) == (True, True)


def test_an_import_never_clears_dnt() -> None:
    assert merge_contact({**STORED, "dnt": True}, {}, dnt=False).dnt is True


def test_owner_email_in_the_file_sets_the_owner() -> None:
    stored = {**STORED, "fields": {**STORED["fields"], "owner_email": "old@agency.com"}}
    assert merge_contact(stored, {"owner_email": "new@agency.com"}).owner_email == "new@agency.com"


def test_default_owner_fills_only_a_missing_owner() -> None:
    assert merge_contact(None, {}, default_owner="uploader@agency.com").owner_email == "uploader@agency.com"
    assert (
        merge_contact(
            None, {"owner_email": "rep@agency.com"}, default_owner="uploader@agency.com"
        ).owner_email
        == "rep@agency.com"
    )


def test_as_item_has_the_contacts_table_shape() -> None:
    item = merge_contact(STORED, {"title": "VP"}).as_item()
    assert set(item) == {"fields", "custom_fields", "tags", "dnt", "company_domain"}
    assert item["company_domain"] == "acme.com"


def test_merge_does_not_mutate_its_inputs() -> None:
    stored = {"fields": {"a": "1"}, "custom_fields": {}, "tags": ["t"], "dnt": False}
    incoming = {"a": "2", "tags": ["u"]}
    merge_contact(stored, incoming, import_tags=["i"])
    assert stored == {"fields": {"a": "1"}, "custom_fields": {}, "tags": ["t"], "dnt": False}
    assert incoming == {"a": "2", "tags": ["u"]}


# --- properties ----------------------------------------------------------------------------------

KEYS = ["first_name", "title", "city", "company_domain", "owner_email"]
values = st.one_of(st.none(), st.sampled_from(["", "  "]), st.text(min_size=1, max_size=8))
field_maps = st.dictionaries(st.sampled_from(KEYS), values, max_size=5)
custom_maps = st.dictionaries(
    st.sampled_from(["region", "stage", "n"]), st.one_of(values, st.integers()), max_size=3
)
tag_lists = st.lists(st.sampled_from(["a", "A", "b", "import:1", " ", "c"]), max_size=5)
stored_contacts = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"fields": field_maps, "custom_fields": custom_maps, "tags": tag_lists, "dnt": st.booleans()}
    ),
)
options = st.fixed_dictionaries(
    {"no_overwrite": st.booleans(), "import_tags": tag_lists, "dnt": st.booleans()}
)


@given(stored_contacts, field_maps, custom_maps, tag_lists, options)
def test_property_blank_never_erases(
    stored: dict[str, Any] | None,
    incoming: dict[str, Any],
    custom: dict[str, Any],
    tags: list[str],
    opts: dict,
) -> None:
    r = merge_contact(stored, {**incoming, "tags": tags}, incoming_custom=custom, **opts)
    old = (stored or {}).get("fields", {})
    for key, value in old.items():
        if not is_blank(value):
            assert not is_blank(r.fields.get(key)), key
    old_custom = (stored or {}).get("custom_fields", {})
    for key, value in old_custom.items():
        if not is_blank(value):
            assert not is_blank(r.custom_fields.get(key)), key


@given(stored_contacts, field_maps, custom_maps, tag_lists, options)
def test_property_no_overwrite_never_changes_a_non_empty_field(
    stored: dict[str, Any] | None,
    incoming: dict[str, Any],
    custom: dict[str, Any],
    tags: list[str],
    opts: dict,
) -> None:
    r = merge_contact(
        stored, {**incoming, "tags": tags}, incoming_custom=custom, **{**opts, "no_overwrite": True}
    )
    for key, value in (stored or {}).get("fields", {}).items():
        if not is_blank(value):
            assert r.fields[key] == value
    for key, value in (stored or {}).get("custom_fields", {}).items():
        if not is_blank(value):
            assert r.custom_fields[key] == value


@given(stored_contacts, field_maps, tag_lists, options)
def test_property_tags_only_grow(
    stored: dict[str, Any] | None, incoming: dict[str, Any], tags: list[str], opts: dict
) -> None:
    r = merge_contact(stored, {**incoming, "tags": tags}, **opts)
    old_tags = (stored or {}).get("tags", [])
    assert r.tags[: len(old_tags)] == old_tags
    folded = {t.casefold() for t in r.tags}
    for t in [*tags, *opts["import_tags"]]:
        assert not t.strip() or t.strip().casefold() in folded


@given(stored_contacts, field_maps, custom_maps, tag_lists, options)
def test_property_merge_is_idempotent(
    stored: dict[str, Any] | None,
    incoming: dict[str, Any],
    custom: dict[str, Any],
    tags: list[str],
    opts: dict,
) -> None:
    row = {**incoming, "tags": tags}
    once = merge_contact(stored, row, incoming_custom=custom, **opts)
    twice = merge_contact(once.as_item(), row, incoming_custom=custom, **opts)
    assert (twice.fields, twice.custom_fields, twice.tags, twice.dnt) == (
        once.fields,
        once.custom_fields,
        once.tags,
        once.dnt,
    )
    assert twice.changed is False


@given(stored_contacts, options)
def test_property_dnt_is_never_cleared(stored: dict[str, Any] | None, opts: dict) -> None:
    r = merge_contact(stored, {}, **opts)
    assert r.dnt == (bool((stored or {}).get("dnt")) or opts["dnt"])


# --- lead source and verification status ---------------------------------------------------------


def test_new_contact_gets_the_import_source_as_lead_source() -> None:
    r = merge_contact(None, {"first_name": "Bob"}, default_lead_source="csv_import_20261203")
    assert r.fields["lead_source"] == "csv_import_20261203"
    assert r.fields["verification_status"] == "unverified"


def test_later_import_keeps_the_first_lead_source() -> None:
    stored = {"fields": {"first_name": "Bob", "lead_source": "csv_import_20260101"}}
    r = merge_contact(stored, {"first_name": "Bob"}, default_lead_source="webhook")
    assert r.fields["lead_source"] == "csv_import_20260101"
    assert r.changed is False


def test_file_lead_source_overwrites_unless_no_overwrite() -> None:
    stored = {"fields": {"lead_source": "csv_import_20260101"}}
    assert merge_contact(stored, {"lead_source": "Trade show"}).fields["lead_source"] == "Trade show"
    kept = merge_contact(stored, {"lead_source": "Trade show"}, no_overwrite=True)
    assert kept.fields["lead_source"] == "csv_import_20260101"


def test_reported_verification_status_replaces_unverified() -> None:
    stored = {"fields": {"verification_status": "unverified"}}
    assert merge_contact(stored, {"verification_status": "valid"}).fields["verification_status"] == "valid"
