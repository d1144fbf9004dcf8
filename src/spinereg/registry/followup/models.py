"""Schedule items store their window; the status (upcoming, due, overdue, completed, missed)
is derived from the window, the completion and today, so it can never go stale."""

from django.db import models

from spinereg.registry.episodes.models import Episode


class ScheduleItem(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="schedule")
    visit = models.CharField(max_length=20, help_text="Visit code, e.g. baseline, 3mo.")
    target_date = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    instruments = models.JSONField(default=list)
    completed_at = models.DateTimeField(null=True, blank=True)
    schedule_version = models.CharField(max_length=20)

    class Meta:
        ordering = ["target_date"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "visit"], name="schedule_one_per_visit"),
            models.CheckConstraint(
                condition=models.Q(window_start__lte=models.F("target_date"))
                & models.Q(target_date__lte=models.F("window_end")),
                name="schedule_target_in_window",
            ),
        ]
        indexes = [models.Index(fields=["window_end", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.visit} ({self.window_start}–{self.window_end})"
