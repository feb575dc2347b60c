"""The job table: fixed ids (they are stored in scheduler_runs), each pointing at a feature's task."""

from __future__ import annotations

from crm.scheduler import jobs


def test_the_job_ids_are_the_ones_stored_in_the_database():
    assert jobs.JOB_IDS == ("heartbeat", "deliver_outbox", "sweep_reminders", "prune_runs", "purge_dietary_needs",
                            "analyze_database", "count_register", "run_imports", "prune_sign_ins",
                            "poll_organizer_mailbox", "purge_unconfirmed_registrations", "gallring")


def test_each_job_runs_a_task_from_a_tasks_module_on_one_schedule():
    for job in jobs.JOBS:
        module = job.task.__module__
        assert module.endswith(".tasks") or module == "crm.scheduler.runs", (job.id, module)
        assert (job.every is None) != (job.daily_at is None), job.id


def test_gallring_runs_nightly_before_the_other_purges_and_dietary_needs_are_logged():
    assert jobs.gallring.daily_at == (2, 50)
    assert jobs.gallring.task.__module__ == "crm.retention.tasks"
    assert jobs.purge_dietary_needs.task.__module__ == "crm.retention.tasks"
    daily = [job.daily_at for job in jobs.JOBS if job.daily_at]
    assert len(daily) == len(set(daily))
