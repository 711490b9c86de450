/** The version of ts-daq, from package.json. */
import { readFileSync } from 'node:fs';

/** `0.1.0`, as in package.json. */
export function packageVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
