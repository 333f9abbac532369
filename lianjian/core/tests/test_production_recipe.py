"""The README's production steps, run from a clean copy with gunicorn (issue 11, item 16).

collectstatic, migrate, createadmin, then gunicorn as the README starts it:
the login page and a static file are served (the old recipe answered 500 on
every page, `Missing staticfiles manifest entry`), the one-time password of
the first administrator signs in, no control socket appears in the home
directory, and rate limits hold across two processes (finding 7).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lianjian.core.tests.test_settings import _production_env

ROOT = Path(__file__).resolve().parents[3]
HOST = "dangjian.changning.example.gov.cn"

# a clean copy, collectstatic, migrate and gunicorn: CI's PostgreSQL stage runs it (.ci/run)
pytestmark = pytest.mark.slow


@dataclass
class Deployment:
    copy: Path
    env: dict[str, str]
    base: str
    home: Path
    admin_password: str

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console, from the copy
            [sys.executable, "-m", "lianjian.cli", *args],
            cwd=self.copy,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _clean_copy(target: Path) -> Path:
    """The repository's files as a clone would hold them (tracked and new, nothing ignored)."""
    listed = (
        subprocess.run(  # noqa: S603 - git, read-only
            [shutil.which("git") or "/usr/bin/git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(  # noqa: S310 - a loopback URL of our own
        url, headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers}
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base_dir = tmp_path_factory.mktemp("deployment")
    copy = _clean_copy(base_dir / "lianjian")
    home = base_dir / "home"
    home.mkdir()
    var = base_dir / "var"
    env = _production_env(var)
    env.pop("XDG_RUNTIME_DIR", None)
    port = _free_port()
    env.update(
        PYTHONPATH=str(copy),  # the copy's code, not the editable install's
        HOME=str(home),
        DATABASE_URL=f"sqlite:///{var / 'lianjian.sqlite3'}",
        BEHIND_PROXY="true",
        LIANJIAN_ADDR=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    deployment = Deployment(copy, env, f"http://127.0.0.1:{port}", home, "")
    where = deployment.run("shell", "-c", "import lianjian; print(lianjian.__file__)")
    assert where.stdout.strip().splitlines()[-1].startswith(str(copy)), where.stdout + where.stderr
    for step in (
        ["check", "--deploy", "--fail-level", "WARNING"],
        ["migrate", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        done = deployment.run(*step)
        assert done.returncode == 0, f"{step}: {done.stdout}{done.stderr}"
    made = deployment.run(
        "createadmin",
        "zhang.wei",
        "--role",
        "district_admin",
        "--district",
        "长宁区",
        "--create-district",
    )
    assert made.returncode == 0, made.stderr
    deployment.admin_password = made.stdout.split("初始密码（只显示这一次）：")[1].split()[0]
    log = (base_dir / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - gunicorn as the README starts it
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "python:lianjian.gunicorn_conf"],
        cwd=copy,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(deployment.base + "/accounts/login/")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((base_dir / "gunicorn.log").read_text())
            time.sleep(0.3)
        yield deployment
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_the_login_page_and_static_files_are_served(deployment: Deployment) -> None:
    status, headers, body = _get(deployment.base + "/accounts/login/")
    assert status == 200
    assert "登录" in body.decode()
    manifest = json.loads(
        (Path(deployment.env["LIANJIAN_VAR_DIR"]) / "static/staticfiles.json").read_text()
    )
    hashed = manifest["paths"]["core/app.css"]
    assert f"/static/{hashed}" in body.decode()  # pages link the hashed name
    status, headers, css = _get(f"{deployment.base}/static/{hashed}")
    assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/css")
    assert "max-age=315360000" in headers.get("Cache-Control", "")
    assert len(css) > 100
    # plain http straight to gunicorn is sent to https, as nginx would be asked to
    assert _get(deployment.base + "/accounts/login/", **{"X-Forwarded-Proto": "http"})[0] == 301


def test_the_first_administrator_signs_in_with_the_one_time_password(
    deployment: Deployment,
) -> None:
    _, headers, body = _get(deployment.base + "/accounts/login/")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = body.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    form = urllib.parse.urlencode(
        {
            "username": "zhang.wei",
            "password": deployment.admin_password,
            "csrfmiddlewaretoken": token,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        deployment.base + "/accounts/login/",
        data=form,
        headers={
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Cookie": cookie,
            "Referer": f"https://{HOST}/accounts/login/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=10)
    assert redirect.value.code == 302
    cookies = redirect.value.headers.get_all("Set-Cookie") or []
    session = next(c for c in cookies if c.startswith("sessionid=")).split(";")[0]
    # signed in, and nothing opens before the one-time password is changed
    status, headers, _ = _get(deployment.base + "/orgs/members/", Cookie=session)
    assert status == 302
    assert "/accounts/password/" in headers["Location"]


def test_no_control_socket_in_the_home_directory(deployment: Deployment) -> None:
    assert not (deployment.home / ".gunicorn").exists()
    assert list(deployment.home.iterdir()) == []


def test_audit_chain_verifies_and_anchors(deployment: Deployment) -> None:
    verified = deployment.run("audit", "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("OK "), verified.stderr
    anchored = deployment.run("audit", "anchor")
    assert anchored.stdout.startswith("LJAUDIT1 seq=")
    again = deployment.run("audit", "verify", "--checkpoint", anchored.stdout.strip())
    assert "matches" in again.stdout, again.stderr


def test_rate_limits_hold_across_two_processes(deployment: Deployment) -> None:
    """Two server processes share the count: each allowed 5 of one window's 5 on its own before."""
    code = (
        "from lianjian.core.ratelimit import hit; "
        "print(sum(hit('login:203.0.113.9', 5, 3600) is None for _ in range(5)))"
    )
    procs = [
        subprocess.Popen(  # noqa: S603 - our own console
            [sys.executable, "-m", "lianjian.cli", "shell", "-c", code],
            cwd=deployment.copy,
            env=deployment.env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = [int(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert sum(allowed) == 5
