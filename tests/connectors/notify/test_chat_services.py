"""Reply alerts through apprise's Slack, Teams (Workflows), Discord and Telegram plugins, which
talk HTTPS to the services' real hostnames: HTTPS_PROXY points them at a local proxy that fakes
those services (and refuses every other host), REQUESTS_CA_BUNDLE makes them trust its
certificate. Each test reads what the service received: the reply, the job, the time since
sending, the inbox link, and a hostile reply defused for that service's markup and mentions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from tests.connectors.notify.chat_proxy import (
    DISCORD,
    SLACK,
    TEAMS,
    TELEGRAM,
    Answer,
    ChatProxy,
    Received,
    chat_proxy,
)
from tests.connectors.notify.conftest import ANA_AM, ANA_JOB, T0, Agency, recipients

SLACK_URL = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
TEAMS_URL = f"workflows://{TEAMS}:443/a1b2c3d4e5f6/sIgNaTuRe_123"
# The trigger URL as Teams' Workflows app shows it, which apprise reads as well.
TEAMS_NATIVE_URL = (
    f"https://{TEAMS}:443/workflows/a1b2c3d4e5f6/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=sIgNaTuRe_123"
)
DISCORD_URL = "discord://417429632418316298/JHMHI8qBe7bk2ZwO5U711o3dV_js"
TELEGRAM_URL = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890"
# Every service's mention and markup syntax, in a client's reply.
HOSTILE = (
    "Can we talk? <script>alert(1)</script> <!channel> @everyone <at>everyone</at> <@1234>"
    " [click](http://evil.test)"
)
INBOX = "https://desk.agency.test/inbox"
ZWSP = "\u200b"


@pytest.fixture
def proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatProxy]:
    with chat_proxy(tmp_path) as running:
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, running.url)
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.ca_bundle))
        yield running


def _alert_through(agency: Agency, proxy: ChatProxy, url: str, host: str) -> Received:
    """Ana's client replies; her account manager's one channel is ``url``; returns the one
    request the service at ``host`` received."""
    notifier = agency.notifier({"recipients": recipients(ANA_AM="CHAT")}, {"CHAT": url})
    agency.reply("Ana", HOSTILE, at=T0)

    summary = agency.run(notifier, T0)

    assert summary.sent == 1, agency.events("alert_retrying")
    assert proxy.refused == []
    (request,) = proxy.to(host)
    assert request.method == "POST"
    return request


def test_slack_gets_the_reply_as_mrkdwn_that_pings_nobody(agency: Agency, proxy: ChatProxy) -> None:
    request = _alert_through(agency, proxy, SLACK_URL, SLACK)

    assert request.path == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    payload = request.json()
    (attachment,) = payload["attachments"]
    assert attachment["title"] == "Client reply"
    text = attachment["text"]
    assert f'Client replied on "{ANA_JOB}" (Ana), 3 h after sending:' in text
    assert f"<{INBOX}|Open the inbox>" in text  # Slack's own link syntax: ours only
    # Slack reads <!channel>, <@U…> and <url|label> as commands: the client's arrive as text.
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<@" not in text and f"&lt;@{ZWSP}1234&gt;" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "@everyone" not in text and f"@{ZWSP}everyone" in text
    assert re.findall(r"<([^>]*)>", text) == [f"{INBOX}|Open the inbox"]


@pytest.mark.parametrize("url", [TEAMS_URL, TEAMS_NATIVE_URL], ids=["workflows", "https"])
def test_teams_gets_an_adaptive_card_that_mentions_nobody(
    agency: Agency, proxy: ChatProxy, url: str
) -> None:
    request = _alert_through(agency, proxy, url, TEAMS)

    assert request.path == "/workflows/a1b2c3d4e5f6/triggers/manual/paths/invoke"
    assert request.query["sig"] == ["sIgNaTuRe_123"]
    (attachment,) = request.json()["attachments"]
    card = attachment["content"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    title, body = (block["text"] for block in card["body"] if block["type"] == "TextBlock")
    assert title == "Client reply"
    assert ANA_JOB in body and "3 h after sending" in body and "Can we talk?" in body
    assert f"[Open the inbox](<{INBOX}>)" in body
    # <at>…</at> is how a card mentions someone: the client's is escaped, no entity is made.
    assert card["msteams"] == {"width": "full"}
    assert "<at>" not in body and r"\<at\>everyone\</at\>" in body
    assert "<script>" not in body and r"\<script\>" in body
    assert "@everyone" not in body and f"@{ZWSP}everyone" in body
    assert "[click](http://evil.test)" not in body


def test_discord_gets_plain_text_that_pings_and_links_nothing(
    agency: Agency, proxy: ChatProxy
) -> None:
    request = _alert_through(agency, proxy, DISCORD_URL, DISCORD)

    assert request.path == "/api/webhooks/417429632418316298/JHMHI8qBe7bk2ZwO5U711o3dV_js"
    payload = request.json()
    assert "allowed_mentions" not in payload and "embeds" not in payload
    content = payload["content"]
    assert content.startswith("Client reply\r\n")
    assert f'Client replied on "{ANA_JOB}" (Ana), 3 h after sending:' in content
    assert content.endswith(f"Inbox: {INBOX}")
    # Discord reads @everyone, <@id> and [label](url) in plain text: each is broken up.
    assert "@everyone" not in content and f"@{ZWSP}everyone" in content
    assert "<@1234>" not in content and f"<{ZWSP}@{ZWSP}1234>" in content
    assert "<!channel>" not in content and "<script>" not in content
    assert "](" not in content and f"[click]{ZWSP}(http://evil.test)" in content


def test_telegram_gets_html_with_only_the_tags_it_allows(agency: Agency, proxy: ChatProxy) -> None:
    request = _alert_through(agency, proxy, TELEGRAM_URL, TELEGRAM)

    assert request.path == "/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"
    sent = request.json()
    assert (sent["chat_id"], sent["parse_mode"]) == (-1001234567890, "HTML")
    text = sent["text"]
    assert text.startswith("<b>Client reply</b>")
    assert f'Client replied on "{ANA_JOB}" (Ana), 3 h after sending:' in text
    assert f'<a href="{INBOX}">Open the inbox</a>' in text
    assert set(re.findall(r"</?([a-z-]+)", text)) <= {"b", "i", "a", "blockquote"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "@everyone" not in text and f"@{ZWSP}everyone" in text


def test_one_person_on_every_chat_service_gets_each_alert_once(
    agency: Agency, proxy: ChatProxy
) -> None:
    urls = {"SLACK": SLACK_URL, "TEAMS": TEAMS_URL, "DISCORD": DISCORD_URL, "TG": TELEGRAM_URL}
    person = {"email": ANA_AM, "channels": list(urls)}
    notifier = agency.notifier({"recipients": [person]}, urls)
    agency.reply("Ana", "Could you start on Monday?", at=T0)

    agency.run(notifier, T0)
    agency.run(notifier, T0.replace(minute=5))

    assert sorted(request.host for request in proxy.received) == sorted(
        [SLACK, TEAMS, DISCORD, TELEGRAM]
    )
    assert agency.events("alert_sent")[0].data["channels"] == list(urls)


def test_a_slack_outage_delays_the_alert_to_a_later_run(agency: Agency, proxy: ChatProxy) -> None:
    proxy.trouble[SLACK] = [Answer(503, b"service_unavailable", "text/plain")] * 2
    notifier = agency.notifier(
        {"recipients": recipients(ANA_AM="CHAT"), "retry": {"attempts": 2}}, {"CHAT": SLACK_URL}
    )
    agency.reply("Ana", "Could you start on Monday?", at=T0)

    first = agency.run(notifier, T0)
    (waiting,) = agency.alerts()
    later = agency.run(notifier, T0 + timedelta(minutes=1))

    assert (first.retrying, later.sent) == (1, 1)
    assert waiting.last_error is not None and "503" in waiting.last_error
    assert len(proxy.to(SLACK)) == 3  # two tries in the first run, one in the next


def test_the_proxy_lets_nothing_reach_the_internet(proxy: ChatProxy) -> None:
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://example.com/", timeout=5)
    assert requests.get("http://example.com/", timeout=5).status_code == 403
    assert proxy.refused == ["CONNECT example.com:443", "GET http://example.com/"]
    assert proxy.received == []
