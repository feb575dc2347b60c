"""Migration 0011 adds who marked a visit done without losing a visit's participants, notes or follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from crm import create_app
from crm.extensions import db
from tests.companies.test_search_index import scratch_url  # noqa: F401  (a fixture)


def _count(table: str) -> int:
    return db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_0011_keeps_the_rows_that_hang_on_visits_and_links_the_user(scratch_url, monkeypatch):  # noqa: F811
    from flask_migrate import check, downgrade, upgrade

    monkeypatch.setenv("TEST_DATABASE_URL", scratch_url)
    app = create_app("testing")
    with app.app_context():
        try:
            upgrade(revision="0010")
            now = datetime.now(UTC)
            db.session.execute(text(
                "INSERT INTO users (id, name, email, role, password_hash, active, locale, session_token, created_at) "
                "VALUES (1, 'Anna Berg', 'anna@kommun.example', 'staff', 'x', true, 'sv', 't', :now)"), {"now": now})
            db.session.execute(text(
                "INSERT INTO companies (id, name, name_key, status, created_at, updated_at) "
                "VALUES (1, 'Åbyvik Energi AB', 'abyvik energi', 'aktiv', :now, :now)"), {"now": now})
            db.session.execute(text(
                "INSERT INTO visits (id, company_id, kind, status, year, counts_towards_target, purpose,"
                " satisfied_with, less_satisfied_with, feedback_preference, summary, uid, sequence,"
                " created_at, updated_at)"
                " VALUES (1, 1, 'politikerbesok', 'genomford', 2026, true, '', '', '', '', '', 'u1', 0, :now, :now)"),
                {"now": now})
            db.session.execute(text("INSERT INTO visit_participants (visit_id, user_id) VALUES (1, 1)"))
            db.session.execute(text("INSERT INTO visit_notes (id, visit_id, author_id, text, created_at) "
                                    "VALUES (1, 1, 1, 'Bra samtal', :now)"), {"now": now})
            db.session.commit()

            upgrade(revision="0011")
            db.session.commit()
            assert (_count("visits"), _count("visit_participants"), _count("visit_notes")) == (1, 1, 1)
            db.session.execute(text("UPDATE visits SET completed_by_id = 1"))
            db.session.commit()
            keys = inspect(db.engine).get_foreign_keys("visits")
            assert any(key["constrained_columns"] == ["completed_by_id"]
                       and key["options"].get("ondelete") == "SET NULL" for key in keys), keys

            downgrade(revision="0010")
            assert (_count("visits"), _count("visit_participants"), _count("visit_notes")) == (1, 1, 1)
            db.session.commit()  # let go of the read locks before the next ALTER TABLE
            upgrade()
            assert (_count("visits"), _count("visit_participants"), _count("visit_notes")) == (1, 1, 1)
            db.session.commit()
            check()
        finally:
            db.session.remove()
            db.engine.dispose()
