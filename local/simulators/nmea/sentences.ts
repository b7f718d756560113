/** Builds the NMEA 0183 sentences of one epoch. */

export interface Epoch {
  time: Date;
  fix: boolean;
  lat: number;
  lon: number;
  altMsl: number;
  geoidSep: number;
  /** m/s */
  speed: number;
  heading: number;
  satellites: number;
  hdop: number;
  talker: string;
}

export function checksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return x.toString(16).toUpperCase().padStart(2, '0');
}

export const sentence = (body: string): string => `$${body}*${checksum(body)}`;

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function hhmmss(t: Date): string {
  return `${pad(t.getUTCHours(), 2)}${pad(t.getUTCMinutes(), 2)}${pad(t.getUTCSeconds(), 2)}.${pad(Math.floor(t.getUTCMilliseconds() / 10), 2)}`;
}

function ddmmyy(t: Date): string {
  return `${pad(t.getUTCDate(), 2)}${pad(t.getUTCMonth() + 1, 2)}${pad(t.getUTCFullYear() % 100, 2)}`;
}

function coord(v: number, isLat: boolean): [string, string] {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = (a - d) * 60;
  const text = `${pad(d, isLat ? 2 : 3)}${m.toFixed(5).padStart(8, '0')}`;
  return [text, isLat ? (v < 0 ? 'S' : 'N') : v < 0 ? 'W' : 'E'];
}

const KNOTS = 3600 / 1852;

/** GGA, RMC, VTG, GSA and GSV lines (without line ends) for one epoch. */
export function epochSentences(e: Epoch): string[] {
  const t = e.talker;
  const time = hhmmss(e.time);
  const [lat, ns] = coord(e.lat, true);
  const [lon, ew] = coord(e.lon, false);
  const knots = (e.speed * KNOTS).toFixed(2);
  const kmh = (e.speed * 3.6).toFixed(2);
  const track = e.heading.toFixed(2);
  const prns = Array.from({ length: 12 }, (_, i) => (i < e.satellites && e.fix ? pad(i * 2 + 1, 2) : ''));
  const out: string[] = [];
  if (e.fix) {
    out.push(sentence(`${t}RMC,${time},A,${lat},${ns},${lon},${ew},${knots},${track},${ddmmyy(e.time)},,,A`));
    out.push(sentence(`${t}VTG,${track},T,,M,${knots},N,${kmh},K,A`));
    out.push(sentence(`${t}GGA,${time},${lat},${ns},${lon},${ew},1,${pad(e.satellites, 2)},${e.hdop.toFixed(1)},${e.altMsl.toFixed(1)},M,${e.geoidSep.toFixed(1)},M,,`));
    out.push(sentence(`${t}GSA,A,3,${prns.join(',')},${(e.hdop * 1.6).toFixed(1)},${e.hdop.toFixed(1)},${(e.hdop * 1.3).toFixed(1)}`));
  } else {
    out.push(sentence(`${t}RMC,${time},V,,,,,,,${ddmmyy(e.time)},,,N`));
    out.push(sentence(`${t}VTG,,T,,M,,N,,K,N`));
    out.push(sentence(`${t}GGA,${time},,,,,0,00,99.9,,M,,M,,`));
    out.push(sentence(`${t}GSA,A,1,,,,,,,,,,,,,99.9,99.9,99.9`));
  }
  // Satellites in view: the used ones plus a few more, 4 per GSV sentence.
  const inView = Math.max(e.satellites + 3, 4);
  const count = Math.ceil(inView / 4);
  for (let m = 0; m < count; m++) {
    const sats: string[] = [];
    for (let i = m * 4; i < Math.min(inView, m * 4 + 4); i++) sats.push(`${pad(i * 2 + 1, 2)},${pad((i * 17) % 90, 2)},${pad((i * 47) % 360, 3)},${e.fix && i < e.satellites ? 30 + (i % 15) : ''}`);
    out.push(sentence(`GPGSV,${count},${m + 1},${pad(inView, 2)},${sats.join(',')}`));
  }
  return out;
}
