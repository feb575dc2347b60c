"""SIGKILL the scheduler while it delivers: nothing is lost, and only the message in flight may arrive twice.

300 messages go to a real SMTP sink on 127.0.0.1 that answers each after 20–40 ms; the scheduler
process is killed at 5 random moments (a random number of messages after each start, at a random point
of the message then in flight) and started again each time, until the outbox has nothing left to send.
The seed is printed; MAILRIG_SEED=<seed> runs the same kills again. On both databases (a fresh one of
the run's kind: tests/support/mailrig.py).
"""

from __future__ import annotations

import os
import random

from tests.scheduler.support import output_of
from tests.support.mailrig import crash_run, statuses

MESSAGES = 300
KILLS = 5


def test_a_killed_scheduler_loses_nothing_and_repeats_only_the_message_in_flight(mail_databases, tmp_path):
    seed = int(os.environ.get("MAILRIG_SEED") or random.randrange(1_000_000))
    print(f"seed {seed} (MAILRIG_SEED={seed} runs these kills again)")
    url = mail_databases.make()

    result = crash_run(url, tmp_path, messages=MESSAGES, kills=KILLS, seed=seed, finish_within=60)

    print(f"received {result.received}, duplicated {result.duplicated}, in flight at the kills {result.in_flight}")
    scheduler_output = output_of(tmp_path / "scheduler.out")[-6000:]
    about = f"seed {seed}; in flight at the kills: {result.in_flight}\nscheduler output (end):\n{scheduler_output}"
    assert result.kills == KILLS
    assert result.lost == [], f"{len(result.lost)} messages never arrived; {about}"
    assert statuses(url) == {"sent": MESSAGES}, about
    assert result.duplicates <= result.kills, f"{result.duplicates} duplicates for {result.kills} kills; {about}"
    for message_id, times in result.duplicated.items():
        # Each kill may leave one message in doubt: the last one the killed process handed to the sink.
        assert times - 1 <= result.in_flight.count(message_id), (
            f"{message_id} arrived {times} times but was in flight at {result.in_flight.count(message_id)} kills; "
            f"{about}")
