/** Turns a window summary into envelope samples, one per statistic: `rpm.mean`, `rpm.max`, … */
import type { AttrValue, Sample, Source } from '../../../core/src/envelope';
import { SUMMARY_STATS, type SummaryStat, type WindowSummary } from './window-aggregator';

export interface SummaryToSamplesOptions {
  /** Statistics to emit, in this order. Default: all (count, mean, median, mode, stdev, variance, min, max, first, last). */
  stats?: readonly SummaryStat[];
  /** Separator between the tag name and the statistic. Default '.'. */
  separator?: string;
  /** Source written on the samples. Default: the summary's source. */
  source?: Source;
  /** Extra attributes on every sample (window and stat are always set). */
  attrs?: Record<string, AttrValue>;
}

/** "60s", "15s", "1500ms", "5m", "1h": the window size as a short label. */
export function windowLabel(sizeMs: number): string {
  if (sizeMs % 3_600_000 === 0) return `${sizeMs / 3_600_000}h`;
  if (sizeMs % 60_000 === 0 && sizeMs >= 300_000) return `${sizeMs / 60_000}m`;
  if (sizeMs % 1000 === 0) return `${sizeMs / 1000}s`;
  return `${sizeMs}ms`;
}

/**
 * One sample per statistic: name `<name><sep><stat>`, ts = windowStart, quality and unit from the
 * summary (count has unit "count"; variance has no unit), attrs {window, stat, approximate?}.
 */
export function summaryToSamples(summary: WindowSummary, opts: SummaryToSamplesOptions = {}): Sample[] {
  const sep = opts.separator ?? '.';
  const window = windowLabel(summary.windowEnd - summary.windowStart);
  const out: Sample[] = [];
  for (const stat of opts.stats ?? SUMMARY_STATS) {
    const attrs: Record<string, AttrValue> = { ...opts.attrs, window, stat };
    if (summary.approximate && (stat === 'median' || stat === 'mode')) attrs.approximate = true;
    const sample: Sample = {
      device: summary.device,
      source: opts.source ?? summary.source,
      name: `${summary.name}${sep}${stat}`,
      value: summary[stat],
      quality: summary.quality,
      ts: summary.windowStart,
      attrs,
    };
    const unit = stat === 'count' ? 'count' : stat === 'variance' ? undefined : summary.unit;
    if (unit !== undefined) sample.unit = unit;
    out.push(sample);
  }
  return out;
}
