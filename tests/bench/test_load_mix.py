"""The benchmark's mixed load (``chuangcheng.bench.load_mix``) against a real gunicorn on the
test database: every client is given issues to write on first (made through the services), every
kind of request answers, the writes (提交核查 with a photo, 核查销号, task reports) go through,
and none that was acknowledged is missing afterwards."""

import pytest
from django.core.management import call_command

from chuangcheng.bench.load_mix import run_mix
from tests.faults.stack import app_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_short_mixed_load_loses_nothing(tmp_path):
    call_command("seed_scale", issues=600, tasks=80)
    env = app_env(redis_url="redis://127.0.0.1:6379/15", var_dir=tmp_path)
    result = run_mix(seconds=4, workers=2, clients=4, env=env, pool=12)
    assert result.topped_up > 0  # 600 issues leave a street office a few in 整改中
    assert result.errors == []
    assert result.lost == 0
    assert result.writes_ok > 0
    assert {kind for kind, values in result.latencies.items() if values} >= {
        "issue lists",
        "issue page",
        "issue writes",
    }
