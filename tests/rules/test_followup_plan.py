"""Planning follow-ups: each delay after the send, moved into the client's business hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bidflow.config.followups import FollowUpRules
from rules.followups import client_zone, follow_up_zone, plan_follow_ups
from tests.factories import agency_config, make_job

NEW_YORK = ZoneInfo("America/New_York")


def _rules(**fields: Any) -> FollowUpRules:
    return FollowUpRules.model_validate({"after": ["2d", "5d"], **fields})


def _utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_follow_ups_are_off_until_delays_are_configured() -> None:
    assert plan_follow_ups(_utc(2026, 6, 1, 10), FollowUpRules(), UTC) == []


def test_a_due_time_within_business_hours_stays_and_a_weekend_moves_to_monday_opening() -> None:
    sent = _utc(2026, 6, 1, 10)  # Monday 10:00
    plan = plan_follow_ups(sent, _rules(), UTC)
    # Wednesday 10:00 is open; Saturday 10:00 is not: Monday's opening.
    assert plan == [_utc(2026, 6, 3, 10), _utc(2026, 6, 8, 9)]


def test_a_due_time_after_closing_moves_to_the_next_mornings_opening() -> None:
    sent = _utc(2026, 6, 1, 20)  # Monday 20:00
    assert plan_follow_ups(sent, _rules(after=["2d"]), UTC) == [_utc(2026, 6, 4, 9)]


def test_a_due_time_before_opening_moves_to_that_days_opening() -> None:
    sent = _utc(2026, 6, 1, 6)  # Monday 06:00
    assert plan_follow_ups(sent, _rules(after=["1d"]), UTC) == [_utc(2026, 6, 2, 9)]


def test_hours_are_the_clients_with_a_half_hour_utc_offset() -> None:
    india = follow_up_zone("UTC+5:30")
    # Monday 12:00 UTC is 17:30 in India: Wednesday 17:30 is closed there, Thursday 09:00 opens.
    plan = plan_follow_ups(_utc(2026, 6, 1, 12), _rules(after=["2d"]), india)
    assert plan == [_utc(2026, 6, 4, 3, 30)]
    # The same send in UTC would have been due as is, Wednesday 12:00.
    assert plan_follow_ups(_utc(2026, 6, 1, 12), _rules(after=["2d"]), UTC) == [
        _utc(2026, 6, 3, 12)
    ]


def test_weekend_is_the_clients_weekend_behind_utc() -> None:
    chicago_winter = follow_up_zone("utc-5")
    # Due Saturday 02:00 UTC, which is Friday 21:00 for the client: closed, next is Monday.
    plan = plan_follow_ups(_utc(2026, 6, 4, 2), _rules(after=["2d"]), chicago_winter)
    assert plan == [_utc(2026, 6, 8, 14)]  # Monday 09:00 at UTC-5


def test_openings_keep_local_wall_time_across_spring_forward() -> None:
    # Friday 16:30 EST; two days later is Sunday; the DST change happens that night.
    sent = datetime(2026, 3, 6, 16, 30, tzinfo=NEW_YORK)
    (due,) = plan_follow_ups(sent, _rules(after=["2d"]), NEW_YORK)
    assert due == _utc(2026, 3, 9, 13)  # Monday 09:00 EDT, not 09:00 EST (14:00 UTC)
    assert due.astimezone(NEW_YORK).time() == time(9)


def test_openings_keep_local_wall_time_across_fall_back() -> None:
    sent = datetime(2026, 10, 30, 16, tzinfo=NEW_YORK)  # Friday 16:00 EDT
    (due,) = plan_follow_ups(sent, _rules(after=["2d"]), NEW_YORK)
    assert due == _utc(2026, 11, 2, 14)  # Monday 09:00 EST


def test_delays_are_elapsed_time_across_a_dst_change() -> None:
    sent = datetime(2026, 3, 5, 10, tzinfo=NEW_YORK)  # Thursday 10:00 EST
    (due,) = plan_follow_ups(sent, _rules(after=["5d"]), NEW_YORK)
    # 120 hours later: Tuesday 11:00 EDT (the clock moved on an hour meanwhile), open as is.
    assert due == _utc(2026, 3, 10, 15)  # 15:00 UTC Thursday + 120 h
    assert due.astimezone(NEW_YORK).time() == time(11)


def test_a_window_that_dst_removes_is_skipped_to_the_next_business_day() -> None:
    rules = _rules(after=["1m"], business_hours="02:00-02:59", business_days=["sun"])
    sent = datetime(2026, 3, 8, 1, 59, tzinfo=NEW_YORK)  # 02:00-02:59 does not exist that day
    (due,) = plan_follow_ups(sent, rules, NEW_YORK)
    assert due == datetime(2026, 3, 15, 2, tzinfo=NEW_YORK)


def test_max_takes_the_first_delays_only() -> None:
    rules = _rules(after=["1d", "2d", "3d"], max=2)
    assert plan_follow_ups(_utc(2026, 6, 1, 10), rules, UTC) == [
        _utc(2026, 6, 2, 10),
        _utc(2026, 6, 3, 10),
    ]


def test_a_follow_up_pushed_by_a_weekend_keeps_its_gap_to_the_next() -> None:
    rules = _rules(after=["1d", "2d"])
    sent = _utc(2026, 6, 5, 10)  # Friday: both delays land on the weekend
    # Both would open Monday 09:00; the second keeps its one-day gap to the first.
    assert plan_follow_ups(sent, rules, UTC) == [_utc(2026, 6, 8, 9), _utc(2026, 6, 9, 9)]


def test_a_naive_send_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive send time"):
        plan_follow_ups(datetime(2026, 6, 1, 10), _rules(), UTC)


def test_the_clients_timezone_wins_then_the_bidders_then_the_agencys() -> None:
    assert follow_up_zone("UTC+05:30", "Europe/Berlin") == timezone(timedelta(hours=5.5))
    assert follow_up_zone(None, "Europe/Berlin", "UTC") == ZoneInfo("Europe/Berlin")
    assert follow_up_zone("somewhere odd", None, "Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    assert follow_up_zone(None, None, None) == UTC


def test_a_bidder_without_a_timezone_defers_to_the_agency() -> None:
    data_agency = {"name": "A", "timezone": "Asia/Tokyo"}
    agency = agency_config(agency=data_agency)
    ana, ben = agency.bidders
    berlin_ben = ben.model_copy(update={"timezone": "Europe/Berlin"})
    berlin_ben.model_fields_set.add("timezone")
    assert client_zone(make_job(client_timezone=None), ana, agency) == ZoneInfo("Asia/Tokyo")
    assert client_zone(make_job(client_timezone=None), berlin_ben, agency) == ZoneInfo(
        "Europe/Berlin"
    )
    assert client_zone(make_job(client_timezone="UTC-03:00"), berlin_ben, agency) == timezone(
        timedelta(hours=-3)
    )


# Properties over any cadence, business window, timezone and send time.

ZONES = [
    "UTC",
    "UTC+05:30",
    "UTC-09:30",
    "UTC+14:00",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # a half-hour DST change
    "America/Sao_Paulo",
    "Pacific/Apia",
    "Asia/Kolkata",
]
DELAYS = ["1m", "45m", "3h", "20h", "1d", "2d", "3d", "5d", "7d", "10d"]


@st.composite
def cadences(draw: st.DrawFn) -> FollowUpRules:
    delays = draw(st.lists(st.sampled_from(DELAYS), min_size=1, max_size=3, unique=True))
    delays.sort(key=DELAYS.index)
    start = draw(st.integers(min_value=0, max_value=22 * 60))
    end = draw(st.integers(min_value=start + 1, max_value=23 * 60 + 59))
    days = draw(
        st.lists(
            st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
            min_size=1,
            unique=True,
        )
    )
    limit = draw(st.none() | st.integers(min_value=1, max_value=len(delays)))
    return FollowUpRules.model_validate(
        {
            "after": delays,
            "business_hours": f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}",
            "business_days": days,
            "max": limit,
        }
    )


def _open(moment: datetime, rules: FollowUpRules, zone: tzinfo) -> bool:
    local = moment.astimezone(zone)
    day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][local.weekday()]
    hours = rules.business_hours
    return day in rules.business_days and hours.start <= local.time() < hours.end


@given(
    cadences(),
    st.sampled_from(ZONES),
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
)
def test_any_plan_is_capped_in_hours_increasing_and_never_early(
    rules: FollowUpRules, zone_name: str, sent: datetime
) -> None:
    zone = follow_up_zone(zone_name)
    plan = plan_follow_ups(sent, rules, zone)
    assert len(plan) == (rules.max or len(rules.after))
    assert all(_open(due, rules, zone) for due in plan)
    assert all(earlier < later for earlier, later in zip(plan, plan[1:], strict=False))
    assert all(due >= sent + delay for due, delay in zip(plan, rules.after, strict=False))
