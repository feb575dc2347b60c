"""A real CalDAV server (Radicale) on a free 127.0.0.1 port, in a subprocess with a throwaway storage folder.

Authentication is off ("none"); requests still name a user (Basic auth sent up front) so Radicale makes
that user's principal collection and the owner-only rights apply, as on a real server.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import caldav

from tests.support.smtpserver import free_port

TIME_RANGE_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start}" end="{end}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""


class Radicale:
    user = "handlaggare"

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="crm-radicale-")
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> Radicale:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", "", "--server-hosts", f"127.0.0.1:{self.port}",
             "--auth-type", "none", "--rights-type", "owner_only", "--storage-filesystem-folder", self.folder,
             "--logging-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Radicale did not start") from None
                time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def client(self) -> caldav.DAVClient:
        credentials = base64.b64encode(f"{self.user}:-".encode()).decode()
        return caldav.DAVClient(url=f"{self.base}/", headers={"Authorization": f"Basic {credentials}"},
                                require_tls=False, enable_rfc6764=False)

    def new_calendar(self) -> CalendarCollection:
        client = self.client()
        assert client.propfind(f"{self.base}/{self.user}/", depth=0).status == 207  # makes the principal
        url = f"{self.base}/{self.user}/{uuid.uuid4().hex}/"
        assert client.mkcalendar(url, "").status == 201
        return CalendarCollection(client, url)


class CalendarCollection:
    def __init__(self, client: caldav.DAVClient, url: str) -> None:
        self.client = client
        self.url = url

    def put(self, name: str, ics: bytes) -> int:
        response = self.client.put(f"{self.url}{name}", ics.decode("utf-8"),
                                   {"Content-Type": "text/calendar; charset=utf-8"})
        return response.status

    def found_between(self, start: str, end: str) -> list[str]:
        """Object names the server's time-range REPORT finds for [start, end) (UTC, 20270615T070000Z)."""
        response = self.client.report(self.url, TIME_RANGE_QUERY.format(start=start, end=end), depth=1)
        assert response.status == 207, response.status
        hrefs = response.tree.findall(".//{DAV:}href")
        return sorted(href.text.rsplit("/", 1)[-1] for href in hrefs if href.text and href.text.endswith(".ics"))
