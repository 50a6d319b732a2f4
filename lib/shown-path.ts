import { isAbsolute, relative, resolve } from 'node:path';

/**
 * A file as a message names it: relative to the working folder when it lies inside it (`mappings/edi/x12-850…`),
 * else its absolute path, never a climb such as `../../tmp/partner.yaml` that depends on where the command ran.
 */
export function shownPath(path: string): string {
  const absolute = resolve(path);
  const fromHere = relative(process.cwd(), absolute);
  return fromHere !== '' && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : absolute;
}
