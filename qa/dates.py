"""The dates a question is about: "this week", "in August", "on August 21", "in 2023", ...,
resolved against the day it is asked (`as_of`)."""

from __future__ import annotations

import calendar
import datetime
import re

Window = tuple[datetime.date, datetime.date]  # first and last day, inclusive

MONTHS = {name: n for n, name in enumerate(calendar.month_name) if name}
MONTHS |= {name: n for n, name in enumerate(calendar.month_abbr) if name}
MONTHS["Sept"] = 9
WEEKDAYS = [name.lower() for name in calendar.day_name]  # Monday first, as date.weekday()
# Capitalised, as in news questions: "in May", not "may".
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
timedelta = datetime.timedelta

RELATIVE = [  # (pattern, days back from as_of to the window's start, to its end)
    (r"\btoday\b|\bthis morning\b|\btonight\b", 0, 0),
    (r"\byesterday\b", 1, 1),
    (r"\b(this|past) week(end)?\b|\bthis past week\b|\bin recent days\b", 6, 0),
    (r"\blast week(end)?\b", 13, 7),
    (r"\b(past|last) (two|2) weeks\b", 13, 0),
    (r"\b(past|last) (few|several) days\b", 6, 0),
]


def question_window(question: str, as_of: datetime.date) -> Window | None:
    """The window a question's own date words name, or None when it names none."""
    text = question.lower()
    for pattern, start, end in RELATIVE:
        if re.search(pattern, text):
            return as_of - timedelta(days=start), as_of - timedelta(days=end)
    weekday = re.search(rf"\b(?:on|last|this past) ({'|'.join(WEEKDAYS)})\b", text)
    if weekday:
        day = _latest_weekday(WEEKDAYS.index(weekday.group(1)), as_of)
        return day, min(day + timedelta(days=1), as_of)  # stories run a day late
    if re.search(r"\b(over|during|on) the weekend\b", text):
        saturday = _latest_weekday(calendar.SATURDAY, as_of)
        return saturday, min(saturday + timedelta(days=2), as_of)  # Monday's stories too
    if re.search(r"\bthis year\b", text):
        return as_of.replace(month=1, day=1), as_of
    if re.search(r"\blast year\b", text):
        return datetime.date(as_of.year - 1, 1, 1), datetime.date(as_of.year - 1, 12, 31)
    if re.search(r"\bthis month\b", text):
        return as_of.replace(day=1), as_of
    if re.search(r"\blast month\b", text):
        last = as_of.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    day = re.search(rf"\b{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (\d{{4}}))?", question)
    first = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_MONTH}(?:,? (\d{{4}}))?\b",
                      question)  # "21 August", "21st of August 2023"
    if day or first:
        if day:
            month, number, named_year = MONTHS[day.group(1)], int(day.group(2)), day.group(3)
        else:
            month, number, named_year = MONTHS[first.group(2)], int(first.group(1)), \
                first.group(3)
        year = int(named_year) if named_year else _latest_year(month, number, as_of)
        try:
            date = datetime.date(year, month, number)
        except ValueError:
            return None
        return date - timedelta(days=1), date + timedelta(days=1)  # stories run a day late
    month = re.search(rf"\b(?i:in) {_MONTH}(?: (\d{{4}}))?\b", question)
    if month:
        number = MONTHS[month.group(1)]
        year = int(month.group(2)) if month.group(2) else _latest_year(number, 1, as_of)
        return (datetime.date(year, number, 1),
                datetime.date(year, number, calendar.monthrange(year, number)[1]))
    year = re.search(r"\bin (19\d\d|20\d\d)\b", text)
    if year:
        number = int(year.group(1))
        return datetime.date(number, 1, 1), datetime.date(number, 12, 31)
    return None


def _latest_weekday(weekday: int, as_of: datetime.date) -> datetime.date:
    """The latest day on or before `as_of` that falls on `weekday` (Monday is 0)."""
    return as_of - timedelta(days=(as_of.weekday() - weekday) % 7)


def _latest_year(month: int, day: int, as_of: datetime.date) -> int:
    """A month named without a year is the latest one not after `as_of`."""
    return as_of.year if (month, day) <= (as_of.month, as_of.day) else as_of.year - 1
