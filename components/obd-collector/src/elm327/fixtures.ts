/** Test helpers: read the ELM327 transcript fixtures and case folders (raw bytes, CRs kept). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ELM327_FIXTURES = join(__dirname, '../../../../test/fixtures/elm327');

export interface Transcript {
  file: string;
  title: string;
  command: string;
  settings: Record<string, unknown> | null;
  expect: {
    echo: string | null;
    status: string;
    searching: boolean;
    lines: string[];
    messages: Array<{ ecu: string | null; data: string }>;
    decoded: Record<string, unknown>;
  };
  /** Reply bytes as a latin1 string, up to and including `>`. */
  body: string;
}

/** Reads every transcript: `#` header lines (LF-terminated), then the reply verbatim. */
export function readTranscripts(): Transcript[] {
  const dir = join(ELM327_FIXTURES, 'transcripts');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file)).toString('latin1');
      let pos = 0;
      const header: Record<string, string> = {};
      let title = '';
      while (text.startsWith('#', pos)) {
        const end = text.indexOf('\n', pos);
        const line = text.slice(pos, end);
        pos = end + 1;
        const m = /^# ([a-z]+): (.*)$/.exec(line);
        if (m && m[1] !== 'note') header[m[1]!] = m[2]!;
        else if (line.startsWith('# ELM327 transcript:')) title = line.slice(21);
      }
      return {
        file,
        title,
        command: JSON.parse(header.command!) as string,
        settings: JSON.parse(header.settings!) as Record<string, unknown> | null,
        expect: JSON.parse(header.expect!) as Transcript['expect'],
        body: text.slice(pos),
      };
    });
}

export interface ReplyCase {
  name: string;
  note: string;
  command: string;
  options?: { headers?: boolean };
  expect: Record<string, unknown> & { problems?: number };
  input: string;
}

export function readReplyCases(): ReplyCase[] {
  const dir = join(ELM327_FIXTURES, 'cases');
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const c = JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8')) as Omit<ReplyCase, 'name' | 'input'>;
      return { ...c, name, input: readFileSync(join(dir, name, 'input.txt')).toString('latin1') };
    });
}
