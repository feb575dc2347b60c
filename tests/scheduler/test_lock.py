"""The scheduler lock on the test database: one holder at a time, given back on release."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from crm.extensions import db
from crm.scheduler.lock import WAITING_MESSAGE, FileLock, PostgresAdvisoryLock, lock_file_for, lock_for


def test_one_holder_at_a_time(app):
    first = lock_for(db.engine.url, app.instance_path)
    second = lock_for(db.engine.url, app.instance_path)
    try:
        assert first.try_acquire()
        assert first.still_held()
        assert not second.try_acquire()
        assert not second.still_held()
        first.release()
        assert not first.still_held()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()

    if db.engine.dialect.name == "postgresql":
        assert isinstance(first, PostgresAdvisoryLock)
    else:
        assert isinstance(first, FileLock)
        assert first.path == Path(db.engine.url.database + ".scheduler.lock")
        assert first.path.exists()


def test_the_lock_is_lost_with_its_session_or_kept_with_its_file(app):
    lock = lock_for(db.engine.url, app.instance_path)
    try:
        assert lock.try_acquire()
        if db.engine.dialect.name == "postgresql":
            # Another session ends the lock's session, as a database restart or a network cut would.
            db.session.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'crm scheduler lock'"
            ))
            db.session.commit()
            assert not lock.still_held()
            other = lock_for(db.engine.url, app.instance_path)
            try:
                assert other.try_acquire()  # PostgreSQL gave the lock back when the session ended
            finally:
                other.release()
        else:
            # The flock lives as long as this process keeps the file open; deleting the path does not free it.
            Path(lock.path).unlink()
            assert lock.still_held()
            other = FileLock(lock.path)
            try:
                assert other.try_acquire()  # a new file is another lock: why the lock file is never deleted
            finally:
                other.release()
    finally:
        lock.release()


def test_a_waiting_scheduler_says_so_once_and_gives_up_when_stopped(app, capsys):
    holder = lock_for(db.engine.url, app.instance_path)
    waiter = lock_for(db.engine.url, app.instance_path)
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    try:
        assert holder.try_acquire()
        timer.start()
        assert waiter.acquire(stop, retry_seconds=0.05) is False  # about ten tries
    finally:
        timer.cancel()
        holder.release()
        waiter.release()
    assert capsys.readouterr().out == WAITING_MESSAGE + "\n"


def test_a_waiting_scheduler_gets_the_lock_once_it_is_free(app):
    holder = lock_for(db.engine.url, app.instance_path)
    waiter = lock_for(db.engine.url, app.instance_path)
    try:
        assert holder.try_acquire()
        threading.Timer(0.3, holder.release).start()
        assert waiter.acquire(threading.Event(), retry_seconds=0.05) is True
        assert waiter.still_held()
    finally:
        waiter.release()
        holder.release()


def test_lock_file_locations(tmp_path):
    instance = tmp_path / "instance"
    beside = lock_file_for(make_url(f"sqlite:///{tmp_path}/crm.sqlite3"), instance)
    assert beside == tmp_path / "crm.sqlite3.scheduler.lock"
    assert lock_file_for(make_url("sqlite://"), instance) == instance / "scheduler.lock"
    assert lock_file_for(make_url("sqlite:///:memory:"), instance) == instance / "scheduler.lock"


def test_a_database_reached_through_a_symlink_shares_the_lock_of_its_real_file(tmp_path):
    real = tmp_path / "data" / "crm.sqlite3"
    real.parent.mkdir()
    real.touch()
    link = tmp_path / "link.sqlite3"
    link.symlink_to(real)
    through_link = lock_file_for(make_url(f"sqlite:///{link}"), tmp_path / "instance")
    assert through_link == real.parent / "crm.sqlite3.scheduler.lock"

    first, second = FileLock(lock_file_for(make_url(f"sqlite:///{real}"), tmp_path)), FileLock(through_link)
    try:
        assert first.try_acquire()
        assert not second.try_acquire(), "a second name for the same database must not give a second lock"
    finally:
        first.release()
        second.release()
