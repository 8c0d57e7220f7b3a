"""A real HTTP server on 127.0.0.1 that speaks Apollo's and People Data Labs' enrichment APIs.

Routes: `POST /api/v1/people/match` (Apollo) and `GET|POST /v5/person/enrich` (PDL), and the
organisation searches `POST /api/v1/mixed_companies/search` (Apollo) and
`GET|POST /v5/company/enrich` (PDL), scripted by company name (`script_org`). Each
request is authenticated by `X-Api-Key`, recorded (headers, body, arrival time), and answered by
the behaviour scripted for its email — found, not found, 429 with Retry-After, 5xx, slow,
malformed JSON, quota exhausted, invalid key — in the provider's documented shape. The stub
also tracks how many requests were in flight at once.

    with EnrichmentStub() as stub:
        stub.script("ann@acme.com", rate_limited("1"), found())
        provider = ApolloProvider("stub-key", base_url=stub.url)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

APOLLO_PATH = "/api/v1/people/match"
PDL_PATH = "/v5/person/enrich"
APOLLO_ORG_PATH = "/api/v1/mixed_companies/search"
PDL_ORG_PATH = "/v5/company/enrich"
_PATHS = {
    APOLLO_PATH: "apollo",
    PDL_PATH: "peopledatalabs",
    APOLLO_ORG_PATH: "apollo",
    PDL_ORG_PATH: "peopledatalabs",
}


@dataclass(frozen=True, slots=True)
class Behaviour:
    kind: str
    delay: float = 0.0
    status: int | None = None
    retry_after: str | None = None
    profile: Mapping[str, Any] | None = None


def found(profile: Mapping[str, Any] | None = None, *, delay: float = 0.0) -> Behaviour:
    """A match; without `profile`, one is made up from the email."""
    return Behaviour("found", delay=delay, profile=profile)


def not_found(*, delay: float = 0.0) -> Behaviour:
    return Behaviour("not_found", delay=delay)


def rate_limited(retry_after: str | None = "1") -> Behaviour:
    """A per-minute rate limit (transient), with a Retry-After header unless None."""
    return Behaviour("rate_limited", retry_after=retry_after)


def server_error(status: int = 503, retry_after: str | None = None) -> Behaviour:
    return Behaviour("server_error", status=status, retry_after=retry_after)


def slow(seconds: float) -> Behaviour:
    """A match that takes `seconds` to arrive (beyond a client's read timeout, it is a timeout)."""
    return Behaviour("found", delay=seconds)


def malformed() -> Behaviour:
    """A 200 whose JSON body is cut off mid-way."""
    return Behaviour("malformed")


def quota_exhausted() -> Behaviour:
    return Behaviour("quota")


def daily_limit() -> Behaviour:
    """Apollo's 429 for the per-day window, which no short wait fixes."""
    return Behaviour("daily_limit")


def invalid_key() -> Behaviour:
    return Behaviour("invalid_key")


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    provider: str
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    email: str | None
    at: float  # time.monotonic() on arrival
    org_name: str | None = None  # an organisation search's company name


def profile_for(email: str) -> dict[str, Any]:
    """A plausible, deterministic profile for any email (used when none is scripted)."""
    local, _, domain = email.partition("@")
    first, _, last = local.partition(".")
    digest = int(hashlib.sha256(email.encode()).hexdigest()[:8], 16)
    titles = [
        ("VP of Sales", "vp", ["master_sales"]),
        ("Director of Marketing", "director", ["master_marketing"]),
        ("Chief Technology Officer", "c_suite", ["c_suite", "master_engineering_technical"]),
        ("Senior Software Engineer", "senior", ["master_engineering_technical"]),
        ("Head of Operations", "head", ["master_operations"]),
    ]
    title, seniority, departments = titles[digest % len(titles)]
    company = domain.split(".")[0].replace("-", " ").title()
    return {
        "first_name": first.title() or "Alex",
        "last_name": last.title() or "Doe",
        "title": title,
        "seniority": seniority,
        "departments": departments,
        "linkedin_handle": f"{first}-{last}-{digest % 1000}".strip("-"),
        "city": "Austin",
        "state": "Texas",
        "country": "United States",
        "company_name": company,
        "domain": domain,
        "industry": "computer software",
        "employees": 50 + digest % 950,
        "annual_revenue": float(1_000_000 * (5 + digest % 200)),
        "technologies": ["Salesforce", "HubSpot", "Amazon AWS"][: 1 + digest % 3],
    }


def _printed(amount: float) -> str:
    for suffix, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if amount >= size:
            return f"{amount / size:g}{suffix}"
    return f"{amount:g}"


def apollo_person(email: str, p: Mapping[str, Any]) -> dict[str, Any]:
    """Apollo's documented people/match `person` object (a representative subset of fields)."""
    org_id = hashlib.md5(p["domain"].encode()).hexdigest()[:24]
    return {
        "id": hashlib.md5(email.encode()).hexdigest()[:24],
        "first_name": p["first_name"],
        "last_name": p["last_name"],
        "name": f"{p['first_name']} {p['last_name']}",
        "linkedin_url": f"http://www.linkedin.com/in/{p['linkedin_handle']}",
        "title": p["title"],
        "email_status": "verified",
        "photo_url": None,
        "twitter_url": None,
        "github_url": None,
        "facebook_url": None,
        "headline": f"{p['title']} at {p['company_name']}",
        "email": email,
        "organization_id": org_id,
        "employment_history": [
            {"organization_name": p["company_name"], "title": p["title"], "current": True}
        ],
        "state": p["state"],
        "city": p["city"],
        "country": p["country"],
        "seniority": p["seniority"],
        "departments": p["departments"],
        "subdepartments": [],
        "functions": [],
        "organization": apollo_organization(p),
    }


def apollo_organization(p: Mapping[str, Any]) -> dict[str, Any]:
    """Apollo's documented organization object (people/match's `organization`, a search hit)."""
    return {
        "id": hashlib.md5(p["domain"].encode()).hexdigest()[:24],
        "name": p["company_name"],
        "website_url": f"http://www.{p['domain']}",
        "linkedin_url": f"http://www.linkedin.com/company/{p['domain'].split('.')[0]}",
        "primary_domain": p["domain"],
        "industry": p["industry"],
        "estimated_num_employees": p["employees"],
        "annual_revenue": p["annual_revenue"],
        "annual_revenue_printed": _printed(p["annual_revenue"]),
        "technology_names": list(p["technologies"]),
        "current_technologies": [
            {"uid": t.lower().replace(" ", "_"), "name": t, "category": "Other"} for t in p["technologies"]
        ],
        "keywords": [],
    }


def org_profile(name: str, domain: str | None = None, **extra: Any) -> dict[str, Any]:
    """A company as `found(...)` takes it for an organisation search (domain made up from the name)."""
    slug = "".join(c for c in name.lower() if c.isalnum()) or "company"
    digest = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    return {
        "company_name": name,
        "domain": domain or f"{slug}.example",
        "industry": "computer software",
        "employees": 50 + digest % 950,
        "annual_revenue": float(1_000_000 * (5 + digest % 200)),
        "technologies": ["Salesforce"],
        **extra,
    }


def render_org(provider: str, behaviour: Behaviour, name: str) -> tuple[int, dict[str, str], bytes]:
    """An organisation search's answer: Apollo's `organizations` list, PDL's top-level company."""
    if behaviour.kind == "found":
        profiles = behaviour.profile.get("many") if behaviour.profile else None
        many = list(profiles) if profiles else [behaviour.profile or org_profile(name)]
        if provider == "apollo":
            doc: Any = {
                "organizations": [apollo_organization(p) for p in many],
                "accounts": [],
                "pagination": {"page": 1, "per_page": 10, "total_entries": len(many), "total_pages": 1},
            }
        else:
            p = many[0]
            band = next((b for upper, b in _PDL_BANDS if p["annual_revenue"] < upper), "$1B-$10B")
            doc = {
                "status": 200,
                "likelihood": 8,
                "name": p["company_name"].lower(),
                "display_name": p["company_name"],
                "website": p["domain"],
                "industry": p["industry"],
                "employee_count": p["employees"],
                "inferred_revenue": band,
            }
        return 200, {}, json.dumps(doc).encode()
    if behaviour.kind == "not_found" and provider == "apollo":
        return 200, {}, b'{"organizations": [], "accounts": [], "pagination": {"total_entries": 0}}'
    return render(provider, behaviour, "unknown@example.com")


_PDL_LEVEL = {"c_suite": "cxo", "founder": "owner", "head": "director", "intern": "training"}
_PDL_BANDS = (
    (1e6, "$0-$1M"),
    (1e7, "$1M-$10M"),
    (2.5e7, "$10M-$25M"),
    (5e7, "$25M-$50M"),
    (1e8, "$50M-$100M"),
    (2.5e8, "$100M-$250M"),
    (5e8, "$250M-$500M"),
    (1e9, "$500M-$1B"),
)


def pdl_person(email: str, p: Mapping[str, Any]) -> dict[str, Any]:
    """PDL's documented person record (a representative subset; PDL lowercases its values)."""
    band = next((b for upper, b in _PDL_BANDS if p["annual_revenue"] < upper), "$1B-$10B")
    role = p["departments"][-1].removeprefix("master_") if p["departments"] else None
    return {
        "id": hashlib.md5(email.encode()).hexdigest()[:22] + "_0000",
        "full_name": f"{p['first_name']} {p['last_name']}".lower(),
        "first_name": p["first_name"].lower(),
        "last_name": p["last_name"].lower(),
        "linkedin_url": f"linkedin.com/in/{p['linkedin_handle']}",
        "linkedin_username": p["linkedin_handle"],
        "work_email": email,
        "industry": p["industry"],
        "job_title": p["title"].lower(),
        "job_title_role": role,
        "job_title_sub_role": None,
        "job_title_class": None,
        "job_title_levels": [_PDL_LEVEL.get(p["seniority"], p["seniority"])],
        "job_company_name": p["company_name"].lower(),
        "job_company_website": p["domain"],
        "job_company_size": "51-200",
        "job_company_employee_count": p["employees"],
        "job_company_industry": p["industry"],
        "job_company_inferred_revenue": band,
        "location_name": f"{p['city']}, {p['state']}, {p['country']}".lower(),
        "location_locality": p["city"].lower(),
        "location_region": p["state"].lower(),
        "location_country": p["country"].lower(),
    }


def _pdl_error(status: int, type_: str, message: str) -> dict[str, Any]:
    return {"status": status, "error": {"type": type_, "message": message}}


def render(provider: str, behaviour: Behaviour, email: str) -> tuple[int, dict[str, str], bytes]:
    """(status, extra headers, body) for one behaviour in one provider's dialect."""
    apollo = provider == "apollo"
    headers: dict[str, str] = {}
    if behaviour.retry_after is not None:
        headers["Retry-After"] = behaviour.retry_after
    kind = behaviour.kind
    if kind == "found":
        profile = behaviour.profile or profile_for(email)
        if apollo:
            doc: Any = {"person": apollo_person(email, profile)}
        else:
            doc = {"status": 200, "likelihood": 9, "data": pdl_person(email, profile)}
        return 200, headers, json.dumps(doc).encode()
    if kind == "malformed":
        doc = (
            {"person": apollo_person(email, profile_for(email))}
            if apollo
            else {"status": 200, "likelihood": 9, "data": pdl_person(email, profile_for(email))}
        )
        text = json.dumps(doc)
        return 200, headers, text[: len(text) // 2].encode()
    if kind == "not_found":
        if apollo:
            return 200, headers, b'{"person": null}'
        body = _pdl_error(404, "not_found", "No records were found matching your request")
        return 404, headers, json.dumps(body).encode()
    if kind == "rate_limited":
        if apollo:
            body = {
                "message": "The maximum number of api calls allowed for api/v1/people/match is "
                "200 times per minute. Please upgrade your plan from "
                "https://app.apollo.io/#/settings/plans/upgrade."
            }
        else:
            body = _pdl_error(
                429, "rate_limit_error", "An error occurred due to requests hitting the API too quick"
            )
        return 429, headers, json.dumps(body).encode()
    if kind == "daily_limit":
        body = {
            "message": "The maximum number of api calls allowed for api/v1/people/match is "
            "2000 times per day. Please upgrade your plan from "
            "https://app.apollo.io/#/settings/plans/upgrade."
        }
        return 429, {**headers, "x-daily-requests-left": "0"}, json.dumps(body).encode()
    if kind == "server_error":
        return behaviour.status or 503, headers, b"<html><body>503 Service Unavailable</body></html>"
    if kind == "quota":
        if apollo:
            return 422, headers, b'{"error": "Insufficient credits. Please upgrade your plan."}'
        body = _pdl_error(
            402,
            "payment_required",
            "You have hit your account maximum for person enrichment (all matches used)",
        )
        return 402, headers, json.dumps(body).encode()
    if kind == "invalid_key":
        if apollo:
            return 401, headers, b'{"error": "Invalid access credentials."}'
        return 401, headers, json.dumps(_pdl_error(401, "authentication_error", "Invalid API Key")).encode()
    raise ValueError(f"unknown behaviour {kind!r}")


@dataclass
class _State:
    api_key: str
    default: Behaviour | None
    scripts: dict[str, list[Behaviour]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def match_key(body: Mapping[str, Any]) -> str:
    """How a request without an email (a match by profile or name + domain) is scripted: by its
    LinkedIn URL as sent, else `first|last|domain`. A `found` profile's `email` is the answer."""

    def one(name: str) -> str:
        value = body.get(name)
        return str(value[0] if isinstance(value, list) and value else value or "")

    url = one("linkedin_url") or one("profile")
    return url or "|".join((one("first_name"), one("last_name"), one("domain") or one("company")))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection pool is exercised
    # headers and body go out in two writes; with Nagle on, the second waits for the client's
    # delayed ACK (~40 ms per request), which would make the stub, not the client, the bottleneck
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        state = self.server.state
        arrived = time.monotonic()
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        provider = _PATHS.get(split.path)
        if provider is None or (provider == "apollo" and self.command != "POST"):
            self._send(404, {}, b'{"error": "not found"}')
            return
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        if self.command == "GET":
            body = {k: v[-1] for k, v in parse_qs(split.query).items()}
        email = body.get("email")
        if isinstance(email, list):  # PDL's JSON bodies carry lists
            email = email[0] if email else None
        org = split.path in (APOLLO_ORG_PATH, PDL_ORG_PATH)
        org_name = str(body.get("q_organization_name") or body.get("name") or "") if org else None
        with state.lock:
            state.requests.append(
                RecordedRequest(
                    provider,
                    self.command,
                    split.path,
                    dict(self.headers.items()),
                    body,
                    email,
                    arrived,
                    org_name,
                )
            )
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            if org_name is not None:
                queue = state.scripts.get("org:" + org_name.lower())
                behaviour = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else not_found()
            else:
                behaviour = self._next_behaviour(email or match_key(body))
        try:
            if self.headers.get("X-Api-Key") != state.api_key:
                behaviour = invalid_key()
            if behaviour.delay:
                time.sleep(behaviour.delay)
            found_email = email or (behaviour.profile or {}).get("email")
            if org_name is not None:
                status, headers, payload = render_org(provider, behaviour, org_name)
            else:
                status, headers, payload = render(provider, behaviour, found_email or "unknown@example.com")
        finally:
            # before the answer goes out: once the client has it, it may send its next request,
            # and that one must not find this one still counted
            with state.lock:
                state.in_flight -= 1
        # the client may have given up (a timeout test): nothing to answer then
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(status, headers, payload)

    def _next_behaviour(self, email: str | None) -> Behaviour:
        state = self.server.state
        queue = state.scripts.get(email or "")
        if queue:
            return queue.pop(0) if len(queue) > 1 else queue[0]
        return state.default or not_found()

    def _send(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    state: _State


class EnrichmentStub:
    """Start with `with EnrichmentStub() as stub:` (or start()/stop()); `stub.url` is the base URL."""

    def __init__(self, *, api_key: str = "stub-key", default: Behaviour | None = None) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(api_key=api_key, default=default)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="enrichment-stub", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> EnrichmentStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> EnrichmentStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, email: str, *behaviours: Behaviour) -> None:
        """Answer `email`'s requests with these behaviours in order; the last one repeats."""
        with self._server.state.lock:
            self._server.state.scripts[email] = list(behaviours)

    def script_org(self, name: str, *behaviours: Behaviour) -> None:
        """Answer organisation searches for `name` (as sent, any case) with these behaviours in
        order, the last one repeating; unscripted names are not found. `found(org_profile(...))`
        answers one company, `found({"many": [profiles]})` several."""
        with self._server.state.lock:
            self._server.state.scripts["org:" + name.lower()] = list(behaviours)

    def org_calls(self, name: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.org_name is not None and (name is None or r.org_name.lower() == name.lower())
        ]

    def set_default(self, behaviour: Behaviour | None) -> None:
        """The answer for unscripted emails (None: not found)."""
        self._server.state.default = behaviour

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    def calls(self, email: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if email is None or r.email == email]

    @property
    def max_in_flight(self) -> int:
        return self._server.state.max_in_flight

    def reset(self, *, idle_timeout: float = 5.0) -> None:
        """Forget requests, scripts and the in-flight peak, after waiting (up to `idle_timeout`)
        for answers still being prepared, e.g. a slow one whose client already timed out."""
        deadline = time.monotonic() + idle_timeout
        while self._server.state.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._server.state.lock:
            state = self._server.state
            state.requests.clear()
            state.scripts.clear()
            state.max_in_flight = state.in_flight
