"""The integrations app's own state: the shared rate limiter's sliding log and pace (when no Redis is configured)."""

from django.db import models


class RateLimitBucket(models.Model):
    """One row per bucket. Every acquire first UPDATEs it: that row lock (PostgreSQL) or write lock (SQLite)
    serialises the acquirers of one bucket across processes and hosts, whatever the transaction mode."""

    name = models.CharField(max_length=100, primary_key=True)
    touched_at = models.FloatField(default=0.0)
    # The adaptive pace after the service refused us (integrations/ratelimit.py): null means the configured limit.
    pace = models.FloatField(null=True, blank=True, help_text="Requests per window set by the last slowdown")
    paced_at = models.FloatField(default=0.0, help_text="Unix time of the last slowdown; the pace recovers from it")
    slowdowns = models.PositiveIntegerField(default=0)
    blocked_until = models.FloatField(default=0.0, help_text="Unix time until which a Retry-After holds everyone")

    def __str__(self):
        return self.name


class RateLimitHit(models.Model):
    """One granted request, kept while it is inside its bucket's window."""

    bucket = models.ForeignKey(RateLimitBucket, on_delete=models.CASCADE, related_name="hits")
    at = models.FloatField(help_text="Unix time in seconds")

    class Meta:
        indexes = [models.Index(fields=["bucket", "at"], name="ratelimit_bucket_at")]

    def __str__(self):
        return f"{self.bucket_id} @ {self.at:.3f}"
