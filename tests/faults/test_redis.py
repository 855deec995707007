"""Redis stopped, and Redis hung (SIGSTOP), under the real web server (gunicorn, DEBUG off).

Redis is the cache (throttle counters, dashboard figures) and the broker (the kick after a
write). Its degradations are defined: throttles fall back to a per-process limit of the same
rate, caches fall through to the database, the kick is dropped (the sweep sends the rows). So:

- stopped: a citizen report (API and page), the track page, the status API and token login
  answer 2xx — or 429 from the fallback limit — never 500;
- hung: a staff write answers in under 2 s, the dashboard and the public paths stay quick.
"""

import time

import pytest
import requests

from chuangcheng.notifications.models import Delivery
from inspections.models import Issue
from tests.inspections.conftest import encode, picture

from .conftest import auth
from .stack import Web, app_env

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STAFF_WRITE_LIMIT = 2.0  # seconds


@pytest.fixture(scope="module")
def web(django_db_setup, redis_server, var_dir):
    """One gunicorn process (so the fallback limit is one counter) with four threads, behind a
    "proxy": each test is its own client address (``X-Forwarded-For``), its own throttle count."""
    env = app_env(redis_url=redis_server.url(1), var_dir=var_dir, NUM_PROXIES=1)
    process = Web(env, workers=1, threads=4)
    yield process
    redis_server.resume()
    process.close()


@pytest.fixture
def redis(redis_server):
    """The suite's Redis, running and empty at the start of each test; running again after."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.resume()
    yield redis_server
    redis_server.resume()
    if redis_server.process is None:
        redis_server.start()


@pytest.fixture
def world(people, campaign, categories, city, tokens, make_issue):
    issue = make_issue("reported")
    client = {"X-Forwarded-For": f"10.19.{time.monotonic_ns() % 250}.{time.monotonic_ns() % 250 + 1}"}
    return {
        "issue": issue,
        "category": categories.garbage.pk,
        "region": city.a1.pk,
        "campaign": campaign.pk,
        "client": client,
    }


def photo(seed):
    return ("scene.jpg", encode(picture(seed)), "image/jpeg")


def report_by_api(web, world, seed, timeout=20):
    data = {
        "category": world["category"],
        "region": world["region"],
        "description": "垃圾堆了三天",
        "address": "甲一路",
    }
    return requests.post(
        web.url("/api/v1/public/reports/"),
        data=data,
        files={"photos": photo(seed)},
        headers=world["client"],
        timeout=timeout,
    )


def report_by_page(web, world, seed, timeout=20):
    session = requests.Session()
    session.headers.update(world["client"])
    form = session.get(web.url("/report/"), timeout=timeout)
    assert form.status_code == 200
    data = {
        "campaign": world["campaign"],
        "category": world["category"],
        "region": world["region"],
        "description": "路口暴露垃圾",
        "address": "甲一路 8 号",
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }
    return session.post(
        web.url("/report/"), data=data, files={"photos": photo(seed)}, timeout=timeout, allow_redirects=False
    )


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


def test_with_redis_stopped_the_public_paths_and_token_login_answer_and_fall_back_to_a_local_limit(
    web, redis, world, people, tokens
):
    redis.stop()

    created = report_by_api(web, world, 1)
    assert created.status_code == 201, created.text[:500]
    code = created.json()["code"]
    status = requests.get(web.url(f"/api/v1/public/reports/{code}/"), headers=world["client"], timeout=20)
    assert status.status_code == 200, status.text[:500]
    assert status.json()["state"] == "received"

    page = report_by_page(web, world, 2)
    assert page.status_code == 302, page.text[:500]
    track = requests.get(web.url("/report/track/"), params={"code": code}, headers=world["client"], timeout=20)
    assert track.status_code == 200, track.text[:500]
    assert "已受理" in track.text

    login = requests.post(
        web.url("/api/v1/auth/token/"), data={"username": "staff_a1", "password": "pass-Word-123"}, timeout=20
    )
    assert login.status_code == 200, login.text[:500]
    assert login.json()["token"]

    accept, seconds = timed(
        requests.post,
        web.url(f"/api/v1/issues/{world['issue'].pk}/accept/"),
        json={},
        headers=auth(tokens["supervisor"]),
        timeout=20,
    )
    assert accept.status_code == 200, accept.text[:500]
    assert seconds < STAFF_WRITE_LIMIT

    # The fallback limit is the configured one (citizen_report 5 per 10 minutes, API and page
    # together), counted in this process while Redis is away: 2 reports so far, 3 more, then 429.
    answers = [report_by_api(web, world, 10 + i).status_code for i in range(4)]
    assert answers == [201, 201, 201, 429]
    assert Issue.objects.filter(source="citizen").count() == 5


def test_with_redis_hung_a_staff_write_answers_within_2_seconds_and_reads_stay_quick(web, redis, world, tokens):
    issue = world["issue"]
    redis.pause()
    try:
        accept, seconds = timed(
            requests.post,
            web.url(f"/api/v1/issues/{issue.pk}/accept/"),
            json={},
            headers=auth(tokens["supervisor"]),
            timeout=30,
        )
        assert accept.status_code == 200, accept.text[:500]
        assert seconds < STAFF_WRITE_LIMIT, f"the accept took {seconds:.1f} s"

        dashboard, seconds = timed(
            requests.get, web.url("/api/v1/dashboard/"), headers=auth(tokens["supervisor"]), timeout=30
        )
        assert dashboard.status_code == 200, dashboard.text[:500]
        assert seconds < 5, f"the dashboard took {seconds:.1f} s"

        created, seconds = timed(report_by_api, web, world, 3, timeout=30)
        assert created.status_code == 201, created.text[:500]
        assert seconds < STAFF_WRITE_LIMIT, f"the citizen report took {seconds:.1f} s"

        login, seconds = timed(
            requests.post,
            web.url("/api/v1/auth/token/"),
            data={"username": "staff_a1", "password": "pass-Word-123"},
            timeout=30,
        )
        assert login.status_code == 200, login.text[:500]
        assert seconds < STAFF_WRITE_LIMIT, f"token login took {seconds:.1f} s"
    finally:
        redis.resume()

    # Nothing was lost: the accept's notices wait in the outbox for the sweep.
    issue.refresh_from_db()
    assert issue.state == "assigned"
    assert Delivery.objects.filter(subject_key=f"issue:{issue.pk}", status="pending").exists()


def test_the_kick_keeps_its_connection_rides_a_restart_and_gives_up_quickly_when_hung(redis, settings, celery_broker):
    """``notifications.kick`` keeps one broker connection per process and thread (a new one per
    kick cost 2.8 ms of CPU): the next kick uses it; after Redis restarts the kick still lands;
    with Redis hung a kick waits one socket timeout, the next one (afresh) another, and then
    kicks are skipped while the failure stands — the rows wait for the sweep."""
    import redis as redis_client

    from chuangcheng.celery import app
    from chuangcheng.notifications import services

    broker = celery_broker(redis.url(2))
    services._kick_down_until.clear()
    queue = redis_client.Redis.from_url(broker, socket_timeout=2)
    name = settings.NOTIFICATION_QUEUE or app.conf.task_default_queue
    try:
        assert services.kick([1]) is True
        kept = services._kick_local.connections[broker]
        assert services.kick([2]) is True
        assert services._kick_local.connections[broker] is kept
        assert queue.llen(name) == 2

        redis.restart()  # nothing kept on disk: an empty queue
        assert services.kick([3]) is True
        assert queue.llen(name) == 1

        redis.pause()
        started = time.monotonic()
        assert services.kick([4]) is False  # the kept connection times out and is dropped
        assert broker not in services._kick_local.connections
        assert services.kick([5]) is False  # a fresh one: the broker is marked down
        assert services.kick([6]) is False  # skipped at once
        assert time.monotonic() - started < STAFF_WRITE_LIMIT
    finally:
        redis.resume()
        services._kick_down_until.clear()
        services._drop_connection(broker)
