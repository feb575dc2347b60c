"""A real IMAP server for the calendar-reply tests: Debian's Dovecot (apt dovecot-imapd, `make system-deps`)
on 127.0.0.1 at a free port, with a temporary configuration, one user and maildirs in a temporary directory.

`dovecot_server` (session scope) starts one Dovecot and stops it at the end; `imap` (per test) points the app
at it and empties the mailbox's folders first. Import both into a conftest to use them.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from imap_tools import MailBox, MailBoxUnencrypted

from tests.support.smtpserver import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "arrangor@example.se"
PASSWORD = "imap-test-password"  # noqa: S105 - a throwaway account of a throwaway server

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%n
mail_home = {root}/home/%n
first_valid_uid = {uid}
last_valid_uid = 0
first_valid_gid = {gid}
last_valid_gid = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
mail_privileged_group =
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen
    user: str = USER
    password: str = PASSWORD

    def mailbox(self) -> MailBox:
        return MailBoxUnencrypted("127.0.0.1", self.port).login(self.user, self.password)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            return connection.recv(100).startswith(b"* OK")
    except OSError:
        return False


def start_dovecot(root: Path) -> Dovecot:
    me = pwd.getpwuid(os.getuid())
    values = {"root": root, "uid": me.pw_uid, "gid": me.pw_gid, "user": me.pw_name, "login_user": me.pw_name,
              "group": grp.getgrgid(me.pw_gid).gr_name, "password": PASSWORD}
    if me.pw_uid == 0:
        # As root, Dovecot's own processes drop to the package's unprivileged users; the mail stays root's.
        # Dovecot refuses mail access as uid 0: the mailbox belongs to the package's "dovecot" user.
        mail_user = pwd.getpwnam("dovecot")
        values.update(user="dovecot", group="dovecot", login_user="dovenull", uid=mail_user.pw_uid,
                      gid=mail_user.pw_gid)
        for name in ("mail", "home"):
            os.chown(root / name, mail_user.pw_uid, mail_user.pw_gid)
    for attempt in range(5):
        port = free_port()
        (root / "dovecot.conf").write_text(CONFIG.format(port=port, **values))
        process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            if _reachable(port):
                return Dovecot(root, port, process)
            time.sleep(0.05)
        server = Dovecot(root, port, process)
        server.stop()
        if attempt == 4:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot did not start: {process.stderr.read().decode() if process.stderr else ''}"
                               f"\n{log}")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def dovecot_server():
    if not os.path.exists(DOVECOT):
        raise RuntimeError("Dovecot is missing: run `make system-deps` (apt package dovecot-imapd).")
    with tempfile.TemporaryDirectory(prefix="crm-dovecot-") as directory:
        root = Path(directory)
        for name in ("run", "state", "mail", "home"):
            (root / name).mkdir()
        os.chmod(root, 0o755)  # noqa: S103 - Dovecot's unprivileged processes must reach the maildirs
        server = start_dovecot(root)
        try:
            yield server
        finally:
            server.stop()


DONE_FOLDER = "Behandlat"


@pytest.fixture
def imap(app, dovecot_server):
    """The app reads the organizer mailbox at the test's Dovecot; every folder starts empty."""
    with dovecot_server.mailbox() as mailbox:
        if not mailbox.folder.exists(DONE_FOLDER):
            mailbox.folder.create(DONE_FOLDER)
        for folder in ("INBOX", DONE_FOLDER):
            mailbox.folder.set(folder)
            uids = mailbox.uids()
            if uids:
                mailbox.delete(uids)
    app.config.update(IMAP_HOST="127.0.0.1", IMAP_PORT=dovecot_server.port, IMAP_SECURITY="none",
                      IMAP_USERNAME=dovecot_server.user, IMAP_PASSWORD=dovecot_server.password,
                      IMAP_FOLDER="INBOX", IMAP_DONE_FOLDER=None, IMAP_TIMEOUT=10)
    yield dovecot_server
