"""The agency the scale-out test runs: 1,000 varied jobs on the fake Upwork, three bidders whose
caps (hourly, daily, weekly Connects) all bind well before the routed jobs run out, and a
connected Upwork feed whose token file each worker machine gets a copy of."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bidflow.config import load_agency_config
from connectors.feeds.registry import build_source
from connectors.feeds.upwork_api import UpworkApiSource
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.nodes import iso, make_node, money
from tests.connectors.upwork.support import connect_feed

JOBS = 1_000
FEED = "upwork"
CONNECTS_PER_JOB = 16

# (title, skills) of the kinds of work the agency sees; the last kind fits no bidder.
_KINDS = (
    ("Django REST API for {what}", ["Python", "Django", "PostgreSQL", "REST API"]),
    ("FastAPI and Pandas pipeline for {what}", ["Python", "FastAPI", "Pandas", "ETL"]),
    ("Shopify store rebuild for {what}", ["Shopify", "Shopify Liquid", "JavaScript"]),
    ("Next.js storefront for {what}", ["React", "Next.js", "TypeScript", "Stripe"]),
    ("Flutter app for {what}", ["Flutter", "Dart", "Firebase", "iOS", "Android"]),
    ("Logo and brand kit for {what}", ["Adobe Illustrator", "Logo Design"]),
)
_WHAT = ("a clinic", "a bakery chain", "a yoga studio", "a law firm", "a bike shop", "a charity")
_COUNTRIES = ("United States", "Canada", "Germany", "Australia", "Portugal", "India")

BIDDERS: list[dict[str, Any]] = [
    {
        "name": "Ana Ribeiro",
        "title": "Python and data engineer",
        "skills": ["Python", "Django", "FastAPI", "PostgreSQL", "Pandas", "ETL", "REST API"],
        "hourly_rate": 65,
        "caps": {"per_hour": 30, "per_day": 60, "per_week": 200},  # the hourly cap binds
    },
    {
        "name": "Marcus Chen",
        "title": "E-commerce developer",
        "skills": ["Shopify", "Shopify Liquid", "JavaScript", "React", "Next.js", "Stripe"],
        "hourly_rate": 55,
        "caps": {"per_hour": 25, "per_day": 25, "per_week": 200},  # hourly and daily bind
    },
    {
        "name": "Priya Nair",
        "title": "Mobile developer",
        "skills": ["Flutter", "Dart", "Firebase", "iOS", "Android"],
        "hourly_rate": 60,
        # 320 Connects a week at 16 a job: 20 jobs, fewer than any count cap allows.
        "caps": {"per_hour": 40, "per_day": 60, "per_week": 200, "connects_per_week": 320},
    },
]


def upwork_nodes(now: datetime, seed: int = 7) -> list[dict[str, Any]]:
    """``JOBS`` search result nodes, newest first, posted over the last two hours. Clients are
    distinct except every 40th job, which is its predecessor's client again (another kind of
    work, so usually another bidder): client cooldown must hold across workers too."""
    rng = random.Random(seed)
    nodes = []
    for n in range(JOBS):
        title, skills = _KINDS[n % len(_KINDS)]
        posted = now - timedelta(minutes=120 * (n + 1) / JOBS)
        client_n = n - 1 if n % 40 == 39 else n
        hourly = rng.random() < 0.3
        node = make_node(
            hourly=hourly,
            title=f"{title.format(what=rng.choice(_WHAT))} (job {n})",
            description=f"Job {n}: we need {', '.join(skills)} work, done well and on time.",
            skills=[{"name": s.lower(), "prettyName": s} for s in skills],
            amount=money("0.0" if hourly else str(rng.choice((150, 400, 900, 2500)))),
            totalApplicants=rng.choice((2, 8, 14, 30, 60)),
            publishedDateTime=iso(posted),
            createdDateTime=iso(posted),
        )
        node["client"] = node["client"] | {
            "totalFeedback": rng.choice((3.6, 4.4, 4.9)),
            "location": {"country": _COUNTRIES[client_n % len(_COUNTRIES)]},
            "memberSinceDateTime": iso(
                datetime(2015, 1, 1, tzinfo=UTC) + timedelta(hours=client_n)
            ),
        }
        nodes.append(node)
    return nodes


@dataclass(frozen=True)
class Agency:
    config: Path
    token_file: Path  # copy it into each worker's $BIDFLOW_HOME/secrets/


def write_agency(folder: Path, fake: FakeUpwork) -> Agency:
    """The agency config (feed on ``fake``) and the feed's tokens, as `bidflow connect` saves
    them under ``folder/connect-home``."""
    feed = {
        "name": FEED,
        "kind": "upwork_api",
        "client_id": fake.client_id,
        "redirect_uri": fake.redirect_uri,
        "api_url": fake.api_url,
        "token_url": fake.token_url,
        "authorize_url": fake.authorize_url,
        "searches": [{"name": "everything"}],
        "page_size": 50,
        "max_pages": JOBS // 50,
        "poll_every": "1m",
    }
    config = {
        "agency": {"name": "Scale Test Agency", "connects_per_job": CONNECTS_PER_JOB},
        "bidders": BIDDERS,
        "feeds": [feed],
        "rulesets": {
            "default": {
                "budget": {"fixed_min": 300, "hourly_min": 20, "unknown": "score"},
                "client": {"payment_verified": True, "min_feedback": 4.0, "unknown": "score"},
                "competition": {"max_proposals": "20 to 50", "unknown": "score"},
                "fit": {"min_skill_overlap": 2},
                "threshold": 0.5,
            }
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "agency.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    agency = load_agency_config(path)
    source = build_source(agency.feeds[0], agency)
    assert isinstance(source, UpworkApiSource)
    home = folder / "connect-home"
    store = connect_feed(fake, source, home)
    return Agency(config=path, token_file=store.path)


def install_tokens(agency: Agency, home: Path) -> None:
    """Give a worker machine the feed's tokens (as copying the secrets folder would)."""
    secrets = home / "secrets"
    secrets.mkdir(parents=True, exist_ok=True)
    shutil.copy2(agency.token_file, secrets / agency.token_file.name)
