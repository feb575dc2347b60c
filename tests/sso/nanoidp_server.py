"""nanoidp (PyPI), a real OpenID Connect provider, run as a process on 127.0.0.1 for the SSO tests.

`NanoIdp(tmp).start()` writes its settings.yaml and users.yaml (a confidential client with PKCE required,
users whose groups are GUIDs like Entra's group object ids) and waits until discovery answers.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.support.processes import start_logged, stop_group, wait_until_answering

CLIENT_ID = "crm-test"
CLIENT_SECRET = "crm-test-secret-0123456789"
PASSWORD = "idp-lösen-123"

# Group object ids (as Entra sends them) the tests map to roles; "unmapped" is in no mapping.
GROUPS = {
    "admin": "6f1c2d4e-0000-4000-8000-00000000a001",
    "staff": "6f1c2d4e-0000-4000-8000-00000000a002",
    "politician": "6f1c2d4e-0000-4000-8000-00000000a004",
    "unmapped": "6f1c2d4e-0000-4000-8000-00000000ffff",
}
USERS = {
    # username: (e-mail, groups)
    "anna.andersson": ("anna.andersson@kommun.example", [GROUPS["staff"], GROUPS["politician"]]),
    "ulla.admin": ("ulla.admin@kommun.example", [GROUPS["admin"]]),
    "pelle.politiker": ("pelle.politiker@kommun.example", [GROUPS["politician"]]),
    "gustav.gast": ("gustav.gast@kommun.example", [GROUPS["unmapped"]]),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NanoIdp:
    def __init__(self, directory: Path, *, issuer_host: str = "127.0.0.1", token_minutes: int = 5):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The issuer it puts in discovery and tokens; another host name than the one it serves on makes
        # an IdP "with the wrong issuer" for the negative tests.
        self.issuer = f"http://{issuer_host}:{self.port}"
        self.token_minutes = token_minutes
        self.process: subprocess.Popen | None = None

    def _write_config(self) -> None:
        config = self.directory / "config"
        (config / "keys").mkdir(parents=True, exist_ok=True)
        (config / "settings.yaml").write_text(f"""config_version: 1
server:
  host: "127.0.0.1"
  port: {self.port}
oauth:
  issuer: "{self.issuer}"
  audience: "{CLIENT_ID}"
  token_expiry_minutes: {self.token_minutes}
  require_pkce: true
  clients:
    - client_id: "{CLIENT_ID}"
      client_secret: "{CLIENT_SECRET}"
      token_endpoint_auth_method: "client_secret_basic"
""")
        users = ["config_version: 1", "users:"]
        for username, (email, groups) in USERS.items():
            users += [f"  {username}:", f'    password: "{PASSWORD}"', f'    email: "{email}"',
                      "    roles: [\"USER\"]", "    groups:"] + [f'      - "{group}"' for group in groups]
        (config / "users.yaml").write_text("\n".join(users) + "\n")

    def start(self) -> NanoIdp:
        self._write_config()
        self.process = start_logged(
            [sys.executable, "-m", "nanoidp", "--config", str(self.directory / "config"),
             "--host", "127.0.0.1", "--port", str(self.port)],
            self.directory, "nanoidp.log", env={"PYTHONUNBUFFERED": "1"},
        )
        wait_until_answering(self.process, f"{self.url}/.well-known/openid-configuration",
                             self.directory / "nanoidp.log", "nanoidp")
        return self

    def stop(self) -> None:
        stop_group(self.process)
        self.process = None


def log_in_at_idp(authorize_url: str, username: str, password: str = PASSWORD) -> str:
    """Fill in nanoidp's own login form as a browser would (a real HTTP client, its real form); return the
    redirect back to the app (the callback URL with code and state)."""
    with requests.Session() as browser:
        page = browser.get(authorize_url, timeout=10)
        page.raise_for_status()
        form = re.search(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page.text, re.S | re.I)
        assert form, page.text[:2000]
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))
        fields.update(username=username, password=password)
        answer = browser.post(page.url, data=fields, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:2000])
        return answer.headers["Location"]
