"""The SSO admin page's forms: the IdP settings, a group-to-role row, removing one."""

from __future__ import annotations

from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm.auth.models import Role


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _address(form, field) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationError(_l("Skriv en hel adress som börjar med https://."))
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValidationError(_l("Adressen måste börja med https:// (http bara för en tjänst på den egna datorn)."))


def _certificate(form, field) -> None:
    if not field.data:
        return
    try:
        x509.load_pem_x509_certificate(field.data.encode())
    except ValueError:
        raise ValidationError(_l("Klistra in certifikatet i PEM-format (-----BEGIN CERTIFICATE----- …).")) from None


def _private_key(form, field) -> None:
    if not field.data:
        return
    try:
        load_pem_private_key(field.data.encode(), password=None)
    except (ValueError, TypeError):
        raise ValidationError(_l("Klistra in en okrypterad privat nyckel i PEM-format.")) from None


class SsoSettingsForm(FlaskForm):
    oidc_issuer = StringField(
        _l("Utfärdare (issuer)"), filters=[_strip], validators=[Optional(), Length(max=500), _address],
        description=_l("Entra ID: https://login.microsoftonline.com/<katalog-id>/v2.0"),
    )
    oidc_client_id = StringField(_l("Klient-id"), filters=[_strip], validators=[Length(max=200)])
    oidc_client_secret = PasswordField(
        _l("Klienthemlighet"), validators=[Optional(), Length(max=500)],
        description=_l("Lämna tomt för att behålla den sparade. Sparas krypterad."),
    )
    oidc_tenant_id = StringField(
        _l("Katalog-id (Entra ID)"), filters=[_strip], validators=[Optional(), Length(max=100)],
        description=_l("Varje token måste komma från denna katalog (tid)."),
    )
    saml_idp_entity_id = StringField(_l("IdP:ns entity id"), filters=[_strip], validators=[Optional(), Length(max=500)])
    saml_idp_sso_url = StringField(
        _l("IdP:ns inloggningsadress (SSO, HTTP-Redirect)"), filters=[_strip],
        validators=[Length(max=500), _address],
    )
    saml_idp_certificate = TextAreaField(
        _l("IdP:ns signeringscertifikat"), filters=[_strip], validators=[_certificate],
    )
    saml_sp_certificate = TextAreaField(
        _l("Vårt certifikat (SP)"), filters=[_strip], validators=[Optional(), _certificate],
        description=_l("Valfritt: med certifikat och nyckel signeras inloggningsbegäran."),
    )
    saml_sp_private_key = TextAreaField(
        _l("Vår privata nyckel (SP)"), filters=[_strip], validators=[Optional(), _private_key],
        description=_l("Lämna tomt för att behålla den sparade. Sparas krypterad."),
    )
    saml_groups_attribute = StringField(
        _l("Attribut med grupper"), filters=[_strip], validators=[Optional(), Length(max=200)],
        description=_l("Standard: memberOf"),
    )
    break_glass_email = EmailField(
        _l("Reservkontots e-postadress"), filters=[_strip], validators=[Optional(), Length(max=254)],
        description=_l("Ett lokalt administratörskonto som kan logga in med lösenord på /logga-in/lokal."),
    )
    submit = SubmitField(_l("Spara inställningarna"))

    def validate_oidc_client_id(self, field) -> None:
        if self.oidc_issuer.data and not field.data:
            raise ValidationError(_l("Fyll i klient-id när utfärdaren är ifylld."))

    def validate_saml_idp_sso_url(self, field) -> None:
        if self.saml_idp_entity_id.data and not field.data:
            raise ValidationError(_l("Fyll i inloggningsadressen när IdP:ns entity id är ifyllt."))

    def validate_saml_idp_certificate(self, field) -> None:
        if self.saml_idp_entity_id.data and not field.data:
            raise ValidationError(_l("Fyll i IdP:ns certifikat: utan det kan svaren inte kontrolleras."))


def _role_choices():
    return [SelectChoice("", _l("Välj roll")), *(SelectChoice(role.value, role.label) for role in Role)]


class RoleMappingForm(FlaskForm):
    group_value = StringField(
        _l("Gruppens id eller approllens värde"), filters=[_strip],
        validators=[DataRequired(_l("Fyll i gruppens id eller approllens värde.")), Length(max=500)],
        description=_l("Entra ID: gruppens objekt-id eller approllens värde. SAML: värdet i memberOf. "
                       "Aldrig gruppens visningsnamn, som kan ändras."),
    )
    role = SelectField(_l("Roll"), choices=_role_choices,
                       validators=[DataRequired(_l("Välj vilken roll gruppen ger."))])
    note = StringField(_l("Anteckning"), filters=[_strip], validators=[Optional(), Length(max=200)],
                       description=_l("Till exempel gruppens namn, för den som läser tabellen."))
    submit = SubmitField(_l("Lägg till"))


class DeleteMappingForm(FlaskForm):
    mapping_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Ta bort"))
