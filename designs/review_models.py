"""Tables of the review at team scale: who is looking at which design or product (claims) and which images look alike.

Imported by designs/models.py, so Django finds them as models of the designs app.
"""

from django.conf import settings
from django.db import models


class Claim(models.Model):
    """Something waiting for a decision, set aside for one reviewer for a few minutes, so two reviewers do not
    look at the same card.

    Advisory: a decision on something someone else claimed is still allowed (and the race handled by the state
    engine); claims only decide which cards each reviewer is shown. One claim per thing claimed; an expired claim
    is as good as none and is deleted by the next reviewer who claims (designs/services/claims.py).
    """

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        abstract = True


class ReviewClaim(Claim):
    """A design in review claimed on the review page."""

    design = models.OneToOneField("designs.Design", on_delete=models.CASCADE, primary_key=True, related_name="claim")

    class Meta:
        indexes = [models.Index(fields=["reviewer", "expires_at"], name="claim_reviewer_expiry")]

    def __str__(self):
        return f"design {self.design_id} for {self.reviewer_id} until {self.expires_at:%H:%M:%S}"


class ProductClaim(Claim):
    """A product waiting for its mockup review, claimed in the review page's mockup mode: per product, since each
    product of a design is its own card (and its own decision)."""

    product = models.OneToOneField("designs.Product", on_delete=models.CASCADE, primary_key=True, related_name="claim")

    class Meta:
        indexes = [models.Index(fields=["reviewer", "expires_at"], name="product_claim_reviewer_expiry")]

    def __str__(self):
        return f"product {self.product_id} for {self.reviewer_id} until {self.expires_at:%H:%M:%S}"


class ImageFingerprint(models.Model):
    """The perceptual hash (64-bit pHash, hex) of a design's image, split into four 16-bit bands.

    Two hashes within distance d share at least one band within distance d // 4 (pigeonhole), so a lookup asks
    for a few hundred band values on four indexed columns and touches a handful of rows, not every design
    (designs/duplicates.py).
    """

    design = models.OneToOneField(
        "designs.Design", on_delete=models.CASCADE, primary_key=True, related_name="fingerprint"
    )
    phash = models.CharField(max_length=16)
    band0 = models.PositiveIntegerField(db_index=True)
    band1 = models.PositiveIntegerField(db_index=True)
    band2 = models.PositiveIntegerField(db_index=True)
    band3 = models.PositiveIntegerField(db_index=True)

    def __str__(self):
        return f"design {self.design_id}: {self.phash}"


class NearDuplicate(models.Model):
    """Design `design` looks like design `other` (Hamming distance of their pHashes); stored both ways."""

    design = models.ForeignKey("designs.Design", on_delete=models.CASCADE, related_name="near_duplicates")
    other = models.ForeignKey("designs.Design", on_delete=models.CASCADE, related_name="+")
    distance = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["design", "other"], name="one_pair_per_direction")]

    def __str__(self):
        return f"{self.design_id} ≈ {self.other_id} ({self.distance})"
