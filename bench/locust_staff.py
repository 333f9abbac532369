"""Mixed staff load (QUALITY.md P5): street staff and department handlers at work.

Run by `bench/load.py`, which seeds the demo district into PostgreSQL, makes
one account per simulated user, starts gunicorn as the README deploys it and
runs this file headless. By hand (sessions from a previous `load.py` run):

    locust -f bench/locust_staff.py --headless -u 300 -r 50 -t 90s --host http://127.0.0.1:8000

Each simulated user takes a signed-in session made by the driver (form
logins from one address would only measure the login rate limit; a few
users share each account, cycling through them) and thinks 0.5-2 s between
actions. Street staff of 虹桥街道 browse
lists and details, search, read coverage and statistics, and dispatch new
needs; department handlers read their queue, accept and reply. A request
counts as an error when it does not answer 200 (or a form's 302), so a 429
or a refused action shows as a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

SESSIONS = Path(os.environ.get("LOAD_SESSIONS", "/tmp/lianjian_load_sessions.json"))  # noqa: S108
_pool: dict[str, itertools.cycle[dict[str, str]]] = {}

MEMBER_LINK = re.compile(r'href="/orgs/members/(\d+)/"')
UNIT_LINK = re.compile(r'href="/orgs/units/(\d+)/"')
NEED_LINK = re.compile(r'href="/needs/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
DISPATCH = re.compile(r"/needs/\d+/dispatch/")
ACCEPT = re.compile(r"/needs/\d+/accept/")
REPLY = re.compile(r"/needs/\d+/reply/")
SEARCH_WORDS = ["王", "李", "张", "刘", "陈", "虹", "物业", "科技", "路灯", "停车", "养老", "活动"]


@events.init.add_listener
def _load_sessions(environment: Any, **kwargs: Any) -> None:
    data = json.loads(SESSIONS.read_text())
    for kind, cookies in data["sessions"].items():
        _pool[kind] = itertools.cycle(cookies)


class _Staff(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    kind = ""

    def on_start(self) -> None:
        for name, value in next(_pool[self.kind]).items():
            self.client.cookies.set(name, value)
        self.seen: dict[str, list[str]] = {"members": [], "units": [], "needs": []}

    def page(self, url: str, name: str | None = None) -> str:
        with self.client.get(url, name=name or url, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return ""
            return response.text

    def remember(self, key: str, pattern: re.Pattern[str], text: str) -> None:
        found = pattern.findall(text)
        if found:
            self.seen[key] = found[:20]

    def post_form(self, url: str, detail: str, data: dict[str, str], name: str) -> bool:
        csrf = CSRF.search(detail)
        version = VERSION.search(detail)
        if not csrf or not version:
            return False
        body = {"csrfmiddlewaretoken": csrf.group(1), "version": version.group(1), **data}
        with self.client.post(
            url,
            data=body,
            name=name,
            allow_redirects=False,
            headers={"Referer": self.host + url},
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 302):
                response.failure(f"{response.status_code}")
                return False
        return True


class StreetStaff(_Staff):
    """A street Party-work office clerk: registries, coverage, needs dispatch."""

    weight = 3
    kind = "staff"

    @task(4)
    def member_list(self) -> None:
        self.remember("members", MEMBER_LINK, self.page("/orgs/members/"))

    @task(3)
    def member_detail(self) -> None:
        if self.seen["members"]:
            pk = random.choice(self.seen["members"])
            self.page(f"/orgs/members/{pk}/", "/orgs/members/[id]/")
        else:
            self.member_list()

    @task(2)
    def unit_list(self) -> None:
        self.remember("units", UNIT_LINK, self.page("/orgs/units/"))

    @task(2)
    def unit_detail(self) -> None:
        if self.seen["units"]:
            pk = random.choice(self.seen["units"])
            self.page(f"/orgs/units/{pk}/", "/orgs/units/[id]/")
        else:
            self.unit_list()

    @task(1)
    def party_org_list(self) -> None:
        self.page("/orgs/party-orgs/")

    @task(2)
    def member_search(self) -> None:
        word = random.choice(SEARCH_WORDS)
        self.page(f"/orgs/members/?q={word}", "/orgs/members/?q=[word]")

    @task(1)
    def unit_search(self) -> None:
        word = random.choice(SEARCH_WORDS)
        self.page(f"/orgs/units/?q={word}", "/orgs/units/?q=[word]")

    @task(4)
    def need_list(self) -> None:
        self.remember("needs", NEED_LINK, self.page("/needs/"))

    @task(3)
    def need_detail(self) -> None:
        if self.seen["needs"]:
            pk = random.choice(self.seen["needs"])
            self.page(f"/needs/{pk}/", "/needs/[id]/")
        else:
            self.need_list()

    @task(2)
    def need_search(self) -> None:
        word = random.choice(SEARCH_WORDS)
        self.page(f"/needs/?q={word}", "/needs/?q=[word]")

    @task(2)
    def dispatch(self) -> None:
        """Open the newest received need and dispatch it to the proposed department."""
        listing = self.page("/needs/?status=received", "/needs/?status=received")
        ids = NEED_LINK.findall(listing)
        if not ids:
            return
        pk = random.choice(ids[:10])
        detail = self.page(f"/needs/{pk}/", "/needs/[id]/")
        if not DISPATCH.search(detail):
            return  # taken by another clerk meanwhile
        category = re.search(r'name="category"><option value="(\d+)"', detail)
        department = re.search(r'name="department"><option value="(\d+)"', detail)
        data = {"note": "负载测试派单"}
        if category:
            data["category"] = category.group(1)
        if department:
            data["department"] = department.group(1)
        self.post_form(f"/needs/{pk}/dispatch/", detail, data, "/needs/[id]/dispatch/")

    @task(2)
    def coverage(self) -> None:
        self.page("/orgs/ledger/coverage/")

    @task(2)
    def statistics(self) -> None:
        self.page("/needs/stats/")

    @task(1)
    def home(self) -> None:
        self.page("/")


class DepartmentHandler(_Staff):
    """A department's handler: the queue, accepting and replying."""

    weight = 1
    kind = "handler"

    @task(4)
    def queue(self) -> None:
        self.remember("needs", NEED_LINK, self.page("/needs/"))

    @task(3)
    def need_detail(self) -> None:
        if self.seen["needs"]:
            pk = random.choice(self.seen["needs"])
            self.page(f"/needs/{pk}/", "/needs/[id]/")
        else:
            self.queue()

    @task(3)
    def accept_and_reply(self) -> None:
        listing = self.page("/needs/?status=dispatched", "/needs/?status=dispatched")
        ids = NEED_LINK.findall(listing)
        if not ids:
            listing = self.page("/needs/?status=accepted", "/needs/?status=accepted")
            ids = NEED_LINK.findall(listing)
        if not ids:
            return
        pk = random.choice(ids[:10])
        detail = self.page(f"/needs/{pk}/", "/needs/[id]/")
        if ACCEPT.search(detail):
            if not self.post_form(f"/needs/{pk}/accept/", detail, {}, "/needs/[id]/accept/"):
                return
            detail = self.page(f"/needs/{pk}/", "/needs/[id]/")
        if REPLY.search(detail):
            self.post_form(
                f"/needs/{pk}/reply/",
                detail,
                {"reply_text": "已联系居民并安排上门处理，负载测试答复。"},
                "/needs/[id]/reply/",
            )

    @task(1)
    def statistics(self) -> None:
        self.page("/needs/stats/")
