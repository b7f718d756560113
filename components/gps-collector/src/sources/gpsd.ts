/**
 * gpsd's JSON protocol over TCP (default port 2947): send ?WATCH, read TPV and SKY reports.
 * See https://gpsd.gitlab.io/gpsd/gpsd_json.html.
 */
import { openTcp, type TcpOptions } from './nmea-tcp';
import { LineSource, type GpsRecord, type GpsdSky, type GpsdTpv, type LineSourceOptions } from './source';

export const GPSD_WATCH = '?WATCH={"enable":true,"json":true};\n';

/** One gpsd JSON line → a record (TPV, SKY), or undefined for anything else. Never throws. */
export function gpsdRecord(line: string): GpsRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null) return undefined;
  const cls = (msg as { class?: unknown }).class;
  if (cls === 'TPV') return { kind: 'tpv', tpv: msg as GpsdTpv };
  if (cls === 'SKY') return { kind: 'sky', sky: msg as GpsdSky };
  return undefined;
}

export function gpsdSource(opts: TcpOptions & Partial<Omit<LineSourceOptions, 'open' | 'toRecord'>>): LineSource {
  return new LineSource({
    description: `gpsd ${opts.host}:${opts.port}`,
    ...opts,
    open: () => openTcp(opts),
    onOpen: (stream) => stream.write(GPSD_WATCH),
    toRecord: gpsdRecord,
  });
}
