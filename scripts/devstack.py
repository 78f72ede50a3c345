"""`make run`: migrate, make sure an admin exists, then run web + qcluster (+ the API sandbox) together.

Ctrl-C (or SIGTERM) stops every process it started.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS = Path(os.environ.get("ADMIN_CREDENTIALS_FILE", ROOT / ".admin-credentials"))
WEB = os.environ.get("WEB_ADDRESS", "127.0.0.1:8000")
SANDBOX_PORT = os.environ.get("SANDBOX_PORT", "8765")


def child_environment() -> dict:
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not (_configured(env, "RUNPOD_API_KEY") and _configured(env, "PRINTIFY_API_TOKEN")):
        env["POD_SANDBOX"] = "1"
        env.setdefault("SANDBOX_URL", f"http://127.0.0.1:{SANDBOX_PORT}")
        if not _configured(env, "PUBLIC_BASE_URL"):
            # The sandbox's Printify fetches uploads above PRINTIFY_UPLOAD_BY_URL_ABOVE (print files) from the web
            # server, as Printify would from the public address; its RunPod calls the webhooks there too.
            env["PUBLIC_BASE_URL"] = f"http://{WEB}"
    return env


def _configured(env: dict, name: str) -> bool:
    if env.get(name):
        return True
    dotenv = ROOT / ".env"
    return dotenv.exists() and any(
        line.split("=", 1)[0].strip() == name and line.split("=", 1)[1].strip()
        for line in dotenv.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


def manage(*args: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def ensure_admin(env: dict) -> str:
    """Create `admin` on the first run; later runs print the password kept in .admin-credentials."""
    if CREDENTIALS.exists():
        return CREDENTIALS.read_text().strip()
    password = secrets.token_urlsafe(12)
    code = (
        "from django.contrib.auth.models import User\n"
        "import sys\n"
        "user, _ = User.objects.get_or_create(username='admin', defaults={'is_staff': True, 'is_superuser': True})\n"
        "user.is_staff = user.is_superuser = True\n"
        "user.set_password(sys.stdin.read().strip())\n"
        "user.save()\n"
    )
    manage("shell", "-c", code, env=env, input=password, text=True)
    CREDENTIALS.write_text(password + "\n")
    CREDENTIALS.chmod(0o600)
    return password


def wait_for(url: str, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (loopback only)
            return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> int:
    env = child_environment()
    manage("migrate", "--noinput", env=env, stdout=subprocess.DEVNULL)
    password = ensure_admin(env)
    commands = [["runserver", WEB, "--noreload"], ["qcluster"]]
    if env.get("POD_SANDBOX") == "1":
        commands.insert(0, ["sandbox", "--port", SANDBOX_PORT])
    procs = [subprocess.Popen([sys.executable, "manage.py", *cmd], cwd=ROOT, env=env) for cmd in commands]

    def stop(*_):
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        if wait_for(f"http://{WEB}/admin/login/"):
            mode = "sandbox (nothing is sent to RunPod or Printify)" if env.get("POD_SANDBOX") == "1" else "live APIs"
            print(
                f"\n  podsite is running: http://{WEB}/admin/\n  log in as admin / {password}\n"
                f"  mode: {mode}\n  Ctrl-C stops everything.\n",
                flush=True,
            )
            if (
                env.get("POD_SANDBOX") == "1"
            ):  # the sandbox's shops (Etsy, Shopify, API, disconnected) on the Shops page
                subprocess.run([sys.executable, "manage.py", "refresh_shops"], cwd=ROOT, env=env, check=False)
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        print("A process stopped; shutting the rest down.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
