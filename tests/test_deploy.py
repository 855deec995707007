"""Production settings: ``check --deploy`` is clean, and a missing secret or host list stops the
start with a message that says what to set.

Each case runs ``manage.py`` in a fresh process with the real settings module (not the test
settings), as the container does. Variables are passed explicitly so a developer's ``.env``
(read with ``overwrite=False``) cannot fill them in.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
WARNING_LINE = re.compile(r"\(\w+\.W\d+\)|^WARNINGS:", re.MULTILINE)


# Set by the browser tests for Playwright's event loop; a deployment never has it.
NOT_INHERITED = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}


def manage(tmp_path, *args, unset=(), **env):
    environment = {
        **{k: v for k, v in os.environ.items() if k not in set(unset) | NOT_INHERITED},
        "DJANGO_SETTINGS_MODULE": "chuangcheng.settings",
        "VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),  # 86 random characters
    "ALLOWED_HOSTS": "example.gov.cn",
}


def test_check_deploy_prints_no_warnings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not WARNING_LINE.search(output), output
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set when DEBUG is off."),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set when DEBUG is off."),
    ],
)
def test_production_refuses_to_start_without(tmp_path, env, message):
    result = manage(tmp_path, "check", **{**PRODUCTION, **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert "System check" not in result.stdout


def test_debug_unset_counts_as_production(tmp_path):
    # The test settings put DEBUG=1 into this process's environment; the child must not inherit it.
    result = manage(tmp_path, "check", unset=("DEBUG",), SECRET_KEY="", ALLOWED_HOSTS="example.gov.cn")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_the_web_process_keeps_what_it_loaded_out_of_the_collectors_sight(tmp_path):
    """chuangcheng.wsgi (what gunicorn loads) ends with its startup objects frozen (gc.freeze):
    the collections a request triggers then walk only what requests make."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
        **PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "chuangcheng.settings",
        "VAR_DIR": str(tmp_path),
    }
    code = "import gc, chuangcheng.wsgi; print(gc.get_freeze_count())"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 50_000  # Django, the apps and the URL modules
