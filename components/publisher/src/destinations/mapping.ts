/**
 * Route mapping helpers shared by destinations: template rendering (`{device}/{name}`) and
 * sample field lookup (`device`, `source`, `name`, `attrs.<key>`).
 */
import type { Sample } from '../../../core/src';

export interface TemplateContext {
  readonly sample: Sample;
  readonly stream?: string;
  readonly priority?: string;
  /** The core device's thing name (`{thing}`): `thingName`, else AWS_IOT_THING_NAME (Greengrass sets it). */
  readonly thing?: string;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** The value of a sample field: `device`, `source`, `name`, `unit`, `alias` or `attrs.<key>`; undefined when absent. */
export function sampleField(sample: Sample, field: string): string | undefined {
  if (field.startsWith('attrs.')) {
    const v = sample.attrs?.[field.slice('attrs.'.length)];
    return v === undefined ? undefined : String(v);
  }
  switch (field) {
    case 'device':
      return sample.device;
    case 'source':
      return sample.source;
    case 'name':
      return sample.name;
    case 'unit':
      return sample.unit;
    case 'alias':
      return sample.alias;
    default:
      return undefined;
  }
}

/**
 * Renders `template`, replacing `{device}`, `{source}`, `{name}`, `{stream}`, `{priority}`,
 * `{thing}` and `{attrs.<key>}`. Throws a TemplateError naming the placeholder when a value is missing.
 */
export function renderTemplate(template: string, ctx: TemplateContext): string {
  return template.replace(PLACEHOLDER, (_m, key: string) => {
    let v: string | undefined;
    if (key === 'stream') v = ctx.stream;
    else if (key === 'priority') v = ctx.priority;
    else if (key === 'thing') v = ctx.thing;
    else v = sampleField(ctx.sample, key);
    if (v === undefined || v === '') throw new TemplateError(template, key);
    return v;
  });
}

export class TemplateError extends Error {
  constructor(
    readonly template: string,
    readonly placeholder: string,
  ) {
    super(
      placeholder === 'thing'
        ? `Template "${template}" needs {thing}: set thingName, or run under Greengrass (AWS_IOT_THING_NAME).`
        : `Template "${template}" needs {${placeholder}}, which the sample does not have.`,
    );
    this.name = 'TemplateError';
  }
}

/** The placeholders a template uses (for config validation). */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

const KNOWN_PLACEHOLDERS = new Set(['device', 'source', 'name', 'stream', 'priority', 'unit', 'alias', 'thing']);

/** Problems with a template's placeholders (unknown names), empty when fine. */
export function templateProblems(template: string, allowed: readonly string[] = [...KNOWN_PLACEHOLDERS]): string[] {
  return templatePlaceholders(template)
    .filter((p) => !p.startsWith('attrs.') && !allowed.includes(p))
    .map((p) => `unknown placeholder {${p}}`);
}

/** Truncates to at most `max` Unicode code points. */
export function clipCodePoints(s: string, max: number): string {
  let count = 0;
  let end = 0;
  for (const ch of s) {
    if (count === max) return s.slice(0, end);
    count++;
    end += ch.length;
  }
  return s;
}
