"""SimpleSAMLphp (Debian's simplesamlphp), a real SAML 2.0 IdP, served by `php -S` on 127.0.0.1 for the tests.

The fixture writes a configuration of its own (Debian's config.php with overrides: base URL, its own
directories, exampleauth users), makes the IdP's signing certificate with `cryptography`, and reads the
service providers it trusts from sps.json, so a test can add the app on whatever port it runs.
Assertions are signed; the NameID is the user's uid, persistent; groups are sent as memberOf.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
import subprocess
from html import unescape
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.sso.nanoidp_server import GROUPS, PASSWORD, USERS, free_port
from tests.support.processes import start_logged, stop_group, wait_until_answering

SSP_ROOT = Path("/usr/share/simplesamlphp")


def self_signed(common_name: str, days: int = 30) -> tuple[str, str]:
    """(certificate PEM, private key PEM): an RSA-2048 key and a self-signed certificate for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def _php(value) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


class SimpleSamlIdp:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.url}/saml2/idp/metadata.php"
        self.sso_url = f"{self.url}/saml2/idp/SSOService.php"
        self.certificate, self.private_key = self_signed("SimpleSAMLphp test IdP")
        self.process: subprocess.Popen | None = None

    def _write_config(self) -> None:
        d = self.directory
        for sub in ("config", "metadata", "cert", "log", "data", "scratch"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / "cert" / "idp.crt").write_text(self.certificate)
        (d / "cert" / "idp.key").write_text(self.private_key)
        (d / "sps.json").write_text("[]")
        overrides = {
            "baseurlpath": f"{self.url}/", "certdir": f"{d}/cert/", "loggingdir": f"{d}/log/",
            "datadir": f"{d}/data/", "secretsalt": secrets.token_hex(16),
            "auth.adminpassword": secrets.token_hex(16), "timezone": "UTC", "logging.handler": "file",
            "logging.logfile": "simplesamlphp.log", "technicalcontact_email": "it@kommun.example",
            "tempdir": f"{d}/scratch",
        }
        lines = ["<?php", "require '/etc/simplesamlphp/config.php';"]
        lines += [f"$config[{_php(key)}] = {_php(value)};" for key, value in overrides.items()]
        lines += [
            "$config['enable.saml20-idp'] = true;",
            "$config['session.cookie.secure'] = false;",
            "$config['session.cookie.samesite'] = 'Lax';",  # Debian's default, None, needs https in Chromium
            "$config['session.cookie.name'] = 'SSPSessionID';",
            "$config['session.phpsession.cookiename'] = 'SSPPHPSESSID';",
            "$config['module.enable'] = ['exampleauth' => true, 'core' => true, 'saml' => true];",
            f"$config['metadata.sources'] = [['type' => 'flatfile', 'directory' => {_php(d / 'metadata')}]];",
            "$config['store.type'] = 'phpsession';",
        ]
        (d / "config" / "config.php").write_text("\n".join(lines) + "\n")
        users = []
        for username, (email, groups) in USERS.items():
            name = " ".join(part.capitalize() for part in username.split("."))
            attributes = {"uid": [username], "mail": [email], "displayName": [name], "memberOf": groups}
            php_attributes = ", ".join(
                f"{_php(k)} => [{', '.join(_php(v) for v in values)}]" for k, values in attributes.items())
            users.append(f"    {_php(username + ':' + PASSWORD)} => [{php_attributes}],")
        (d / "config" / "authsources.php").write_text(
            "<?php\n$config = [\n  'admin' => ['core:AdminPassword'],\n  'example-userpass' => [\n"
            "    'exampleauth:UserPass',\n" + "\n".join(users) + "\n  ],\n];\n")
        (d / "metadata" / "saml20-idp-hosted.php").write_text("""<?php
$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'example-userpass',
    'saml20.sign.assertion' => true,
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    'authproc' => [
        10 => ['class' => 'saml:AttributeNameID', 'attribute' => 'uid',
               'Format' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    ],
];
""")
        (d / "metadata" / "saml20-sp-remote.php").write_text(f"""<?php
foreach (json_decode(file_get_contents({_php(d / 'sps.json')}), true) as $sp) {{
    $metadata[$sp['entity_id']] = [
        'AssertionConsumerService' => $sp['acs'],
        'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        'simplesaml.attributes' => true,
    ];
}}
""")

    def trust(self, app_url: str) -> None:
        """Add the app at this address as a service provider (its entity id is its metadata URL)."""
        path = self.directory / "sps.json"
        sps = [sp for sp in json.loads(path.read_text()) if sp["entity_id"] != f"{app_url}/sso/saml/metadata"]
        sps.append({"entity_id": f"{app_url}/sso/saml/metadata", "acs": f"{app_url}/sso/saml/acs"})
        path.write_text(json.dumps(sps))

    def start(self) -> SimpleSamlIdp:
        self._write_config()
        self.process = start_logged(
            ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(SSP_ROOT / "www")],
            self.directory, "php.log", env={"SIMPLESAMLPHP_CONFIG_DIR": str(self.directory / "config")},
        )
        wait_until_answering(self.process, self.entity_id, self.directory / "php.log", "SimpleSAMLphp")
        return self

    def stop(self) -> None:
        stop_group(self.process)
        self.process = None


def _hidden_inputs(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html, re.I):
        kind = re.search(r'type="([^"]*)"', tag, re.I)
        name = re.search(r'name="([^"]*)"', tag, re.I)
        value = re.search(r'value="([^"]*)"', tag, re.I)
        if kind and kind.group(1).lower() == "hidden" and name:
            fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return fields


def log_in_at_idp(sso_redirect: str, username: str, password: str = PASSWORD) -> tuple[str, dict[str, str]]:
    """Log in on SimpleSAMLphp's own form with a real HTTP client; return the ACS URL and the fields
    (SAMLResponse, RelayState) its page would post there."""
    with requests.Session() as browser:
        page = browser.get(sso_redirect, timeout=10)
        page.raise_for_status()
        fields = _hidden_inputs(page.text)
        fields.update(username=username, password=password)
        answer = browser.post(page.url, data=fields, timeout=10)
        answer.raise_for_status()
        action = re.search(r'<form[^>]*action="([^"]+)"', answer.text, re.I)
        posted = _hidden_inputs(answer.text)
        assert action and "SAMLResponse" in posted, answer.text[:3000]
        return unescape(action.group(1)), posted


__all__ = ["GROUPS", "SimpleSamlIdp", "log_in_at_idp", "self_signed"]
