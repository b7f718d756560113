/**
 * NmeaReader: bytes in, fixes out. Splits a byte stream into lines, parses each one, feeds the
 * fix assembler and counts what happened to every line. Never throws on input.
 */
import { FixAssembler, type GpsFix } from './fix';
import { parseSentence, type NmeaSentence, type ParseOptions } from './sentences';

export interface NmeaStats {
  /** Lines seen (including bad ones). */
  lines: number;
  /** Sentences parsed and used. */
  sentences: number;
  badChecksum: number;
  /** Not NMEA, unusable fields, or over-long lines. */
  invalid: number;
  /** Well-formed sentences of a type we do not use (proprietary, TXT, GNS, …). */
  unsupported: number;
  fixes: number;
  /** Fixes completed while no date was known (no timestamp). */
  undated: number;
}

/** Longest line kept; anything longer is garbage and is dropped (counted as invalid). */
const MAX_LINE = 512;

export class NmeaReader {
  private readonly assembler = new FixAssembler();
  private partial = '';
  private overlong = false;
  readonly stats: NmeaStats = { lines: 0, sentences: 0, badChecksum: 0, invalid: 0, unsupported: 0, fixes: 0, undated: 0 };

  constructor(
    private readonly options: ParseOptions = {},
    private readonly onSentence?: (s: NmeaSentence) => void,
  ) {}

  /** Feeds a chunk of bytes/text; returns the fixes completed by it. */
  feed(chunk: Buffer | string): GpsFix[] {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const out: GpsFix[] = [];
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      const piece = text.slice(from, nl);
      from = nl + 1;
      if (this.overlong) {
        this.overlong = false;
        this.partial = '';
        continue;
      }
      const line = this.partial + piece;
      this.partial = '';
      out.push(...this.line(line));
    }
    const rest = text.slice(from);
    if (!this.overlong) {
      this.partial += rest;
      if (this.partial.length > MAX_LINE) {
        this.partial = '';
        this.overlong = true;
        this.stats.lines++;
        this.stats.invalid++;
      }
    }
    return out;
  }

  /** Parses one complete line; returns the fixes it completed. */
  line(raw: string): GpsFix[] {
    const line = raw.replace(/\r/g, '').trim();
    if (line === '') return [];
    this.stats.lines++;
    const r = parseSentence(line, this.options);
    switch (r.kind) {
      case 'bad_checksum':
        this.stats.badChecksum++;
        return [];
      case 'invalid':
        this.stats.invalid++;
        return [];
      case 'unsupported':
        this.stats.unsupported++;
        return [];
      case 'sentence':
        this.stats.sentences++;
        this.onSentence?.(r.sentence);
        return this.count(this.assembler.push(r.sentence));
    }
  }

  /** Ends the input: completes the epoch in progress. */
  flush(): GpsFix[] {
    if (this.partial) {
      const last = this.partial;
      this.partial = '';
      const fixes = this.line(last);
      return [...fixes, ...this.count(this.assembler.flush())];
    }
    return this.count(this.assembler.flush());
  }

  private count(fixes: GpsFix[]): GpsFix[] {
    this.stats.fixes += fixes.length;
    this.stats.undated = this.assembler.undated;
    return fixes;
  }
}
