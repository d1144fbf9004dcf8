"""Reminders go 3 and 7 days after the invitation while the visit is not completed, stop as soon
as it is, and are re-planned when the index date moves; sent messages are kept."""

from datetime import timedelta

from django.core import mail

from spinereg.registry.episodes.services import episode_update
from spinereg.registry.followup.links import clinic_morning
from spinereg.registry.followup.models import Notification, NotificationKind, NotificationStatus
from spinereg.registry.followup.portal import link_answer_save
from tests.registry.followup.helpers import at, day, item_of, run_worker


def _kinds() -> list[str]:
    return [message.subject.split(":")[0] for message in mail.outbox]


def test_reminders_go_three_and_seven_days_after_the_invitation(clinic_world, episode):
    invited = at(day(10))
    run_worker(invited)
    reminder_3d = Notification.objects.get(kind=NotificationKind.REMINDER_3D)
    reminder_7d = Notification.objects.get(kind=NotificationKind.REMINDER_7D)
    invitation = Notification.objects.get(kind=NotificationKind.INVITATION)
    assert reminder_3d.send_after == invitation.sent_at + timedelta(days=3)
    assert reminder_7d.send_after == invitation.sent_at + timedelta(days=7)

    assert run_worker(invited + timedelta(days=2, hours=23)).sent == 0
    assert run_worker(invited + timedelta(days=3)).sent == 1
    assert run_worker(invited + timedelta(days=6)).sent == 0
    assert run_worker(invited + timedelta(days=7)).sent == 1
    assert run_worker(invited + timedelta(days=20)).sent == 0
    assert _kinds() == ["A few questions from North Spine", "Reminder", "Reminder"]


def test_reminders_stop_as_soon_as_the_visit_is_completed(clinic_world, episode):
    invited = at(day(10))
    run_worker(invited)
    run_worker(invited + timedelta(days=3))
    assert len(mail.outbox) == 2
    link_answer_save(
        item=item_of(episode, "2wk"),
        instrument_id="nrs-pain",
        answers={"nrs": 4},
        finish=True,
        now=invited + timedelta(days=4),
    )
    result = run_worker(invited + timedelta(days=7))
    assert (result.sent, result.skipped_reasons) == (0, {"completed": 1})
    assert len(mail.outbox) == 2
    assert Notification.objects.get(kind=NotificationKind.REMINDER_7D).status == "skipped"


def test_a_moved_index_date_replans_pending_reminders_and_keeps_sent_ones(clinic_world, episode):
    invited = at(day(10))
    run_worker(invited)
    run_worker(invited + timedelta(days=3))  # the 3-day reminder goes
    sent_before = list(
        Notification.objects.filter(status=NotificationStatus.SENT).values_list("kind", "sent_at")
    )
    baseline = item_of(episode, "baseline")  # collected in clinic, not by link
    baseline.completed_at = at(day(-1))
    baseline.save()
    # The procedure is found to have been 20 days later: the 2-week window moves to day 30–38.
    episode_update(
        episode,
        actor=clinic_world.physician,
        changes={"index_date": day(20)},
        reason="date corrected",
    )
    item = item_of(episode, "2wk")
    assert item.window_start == day(30)
    kept = list(
        Notification.objects.filter(status=NotificationStatus.SENT).values_list("kind", "sent_at")
    )
    assert kept == sent_before
    pending = Notification.objects.get(kind=NotificationKind.REMINDER_7D)
    assert pending.status == NotificationStatus.PENDING
    assert pending.send_after == clinic_morning(day(30), "UTC") + timedelta(days=7)
    # Nothing goes before the new window; the re-planned reminder goes once, in it.
    assert run_worker(invited + timedelta(days=7)).sent == 0
    assert run_worker(at(day(37))).sent == 1
    assert run_worker(at(day(38))).sent == 0
    assert len(mail.outbox) == 3


def test_a_pending_invitation_follows_its_window(clinic_world, episode):
    run_worker(at(day(10), hour=6))  # planned for 09:00, not sent yet
    episode_update(
        episode, actor=clinic_world.physician, changes={"index_date": day(5)}, reason="moved"
    )
    invitation = Notification.objects.get(kind=NotificationKind.INVITATION)
    assert invitation.send_after == clinic_morning(day(15), "UTC")
    assert run_worker(at(day(14))).sent == 0
    assert run_worker(at(day(15))).sent == 1


def test_reminders_still_pending_when_the_link_expired_are_not_sent(clinic_world, episode):
    """The 2-week link is usable until the day before the 6-week window opens (day 34). A
    worker that was down until day 35 sends the 6-week invitation, not the old reminders."""
    run_worker(at(day(10)))
    result = run_worker(at(day(35)))
    assert (result.sent, result.skipped_reasons) == (1, {"link_expired": 2})
    assert mail.outbox[-1].subject == "A few questions from North Spine"
