#!/usr/bin/env bash
# Installs what the app and the test suite need from Debian: Chromium (browser tests), a PostgreSQL server,
# xmlsec for python3-saml (SAML single sign-on; the Python package builds against it), and SimpleSAMLphp with
# PHP's command line and XML modules (the SAML identity provider the SSO tests run), and Dovecot's IMAP server
# (the organizer mailbox the calendar-reply tests read), Pango for WeasyPrint's PDFs and poppler's pdfinfo.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists xmlsec1 2>/dev/null || need+=(libxmlsec1-dev)
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -d /usr/share/simplesamlphp ] || need+=(simplesamlphp)
command -v php >/dev/null 2>&1 || need+=(php-cli)
php -m 2>/dev/null | grep -qi '^dom$' || need+=(php-xml)
# WeasyPrint (registerutdrag and reports as PDF) draws text with Pango; the tests read PDFs with poppler's pdfinfo
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v pdfinfo >/dev/null 2>&1 || need+=(poppler-utils)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "Installerar systempaket: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "Behöver root (eller sudo) för att installera: ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
