/** A route: a closed loop of waypoints driven at a speed; position and heading at a distance. */

export interface Waypoint {
  lat: number;
  lon: number;
}

const R = 6_371_000;
const rad = (d: number): number => (d * Math.PI) / 180;
const deg = (r: number): number => (r * 180) / Math.PI;

/** Great-circle distance in metres. */
export function distance(a: Waypoint, b: Waypoint): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees true [0, 360). */
export function bearing(a: Waypoint, b: Waypoint): number {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return (deg(Math.atan2(y, x)) + 360) % 360;
}

export class Route {
  private readonly legs: { from: Waypoint; to: Waypoint; length: number }[];
  readonly length: number;

  constructor(readonly waypoints: Waypoint[]) {
    if (waypoints.length < 2) throw new RangeError('a route needs at least 2 waypoints');
    this.legs = waypoints.map((from, i) => {
      const to = waypoints[(i + 1) % waypoints.length]!;
      return { from, to, length: distance(from, to) };
    });
    this.length = this.legs.reduce((s, l) => s + l.length, 0);
    if (!(this.length > 0)) throw new RangeError('a route needs distinct waypoints');
  }

  /** Position and heading after `metres` along the loop (wrapping around). */
  at(metres: number): Waypoint & { heading: number } {
    let d = ((metres % this.length) + this.length) % this.length;
    for (const leg of this.legs) {
      if (d <= leg.length || leg === this.legs[this.legs.length - 1]) {
        const f = leg.length > 0 ? Math.min(1, d / leg.length) : 0;
        // Linear interpolation is good enough over the short legs of a test route.
        return { lat: leg.from.lat + (leg.to.lat - leg.from.lat) * f, lon: leg.from.lon + (leg.to.lon - leg.from.lon) * f, heading: bearing(leg.from, leg.to) };
      }
      d -= leg.length;
    }
    /* istanbul ignore next */
    return { ...this.waypoints[0]!, heading: 0 };
  }
}

/** A loop around a few blocks (Munich), about 1.6 km. */
export const DEFAULT_ROUTE: Waypoint[] = [
  { lat: 48.137154, lon: 11.576124 },
  { lat: 48.14085, lon: 11.57805 },
  { lat: 48.1425, lon: 11.5725 },
  { lat: 48.13855, lon: 11.5705 },
];
