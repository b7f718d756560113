/**
 * How one batch is shared between priority classes.
 *
 * Classes are ranked (critical before telemetry before bulk). Every class with queued records
 * is guaranteed a share of the batch proportional to its weight (at least one record), so a
 * lower class keeps moving while a higher one has a backlog; what is left of the batch goes to
 * the classes in rank order. With the default weights (8 / 4 / 1) and a 500-record batch, a
 * bulk backlog still gets ≥ 38 records per batch while critical and telemetry are busy, and
 * critical records that arrive while a bulk backlog drains go out in the very next batch.
 */

export interface ClassDemand {
  /** Relative share when several classes have queued records (> 0). */
  readonly weight: number;
  /** Records of this class ready to send. */
  readonly queued: number;
}

/** How many records each class may put into a batch of at most `capacity` records (same order as `classes`, which is rank order). */
export function shareBatch(classes: readonly ClassDemand[], capacity: number): number[] {
  const quotas = classes.map(() => 0);
  if (capacity <= 0) return quotas;
  let totalWeight = 0;
  for (const c of classes) if (c.queued > 0) totalWeight += c.weight;
  if (totalWeight === 0) return quotas;
  let left = capacity;
  // Guaranteed shares, in rank order so that a tiny capacity still serves the highest classes first.
  for (let i = 0; i < classes.length && left > 0; i++) {
    const c = classes[i]!;
    if (c.queued <= 0) continue;
    const share = Math.max(1, Math.floor((capacity * c.weight) / totalWeight));
    const q = Math.min(c.queued, share, left);
    quotas[i] = q;
    left -= q;
  }
  // The rest by rank.
  for (let i = 0; i < classes.length && left > 0; i++) {
    const extra = Math.min(classes[i]!.queued - quotas[i]!, left);
    if (extra > 0) {
      quotas[i]! += extra;
      left -= extra;
    }
  }
  return quotas;
}
