/**
 * SiteWise property aliases for DA items, as the AWS M2C2 solution builds them:
 * `site/area/process/machine/tag`, no leading slash, with `.` → `-` and `/` → `_` in the item id
 * (so `Channel1.Device1.Tag1` becomes `Channel1-Device1-Tag1`).
 */

export interface Hierarchy {
  site: string;
  area: string;
  process: string;
  machine: string;
}

/** The tag part of an alias: the item id with `.` → `-` and `/` → `_`. */
export function aliasTag(itemId: string): string {
  return itemId.replace(/\./g, '-').replace(/\//g, '_');
}

export function aliasOf(h: Hierarchy, itemId: string): string {
  return `${h.site}/${h.area}/${h.process}/${h.machine}/${aliasTag(itemId)}`;
}
