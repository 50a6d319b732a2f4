import { z } from 'zod';
import { ConfigError } from '../../../lib/errors.ts';

/**
 * A file-name pattern: a regular expression between slashes (`/^PO_\d+\.edi$/i`) or a glob (`*.xml`,
 * `ORD_??.{edi,x12}`, `[AB]*.xml`) matched against the whole name. `field` names the config field in errors.
 */
export function compilePattern(pattern: string, field = 'pattern'): RegExp {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  try {
    if (regex) return new RegExp(regex[1]!, regex[2]);
    return new RegExp(`^${globSource(pattern)}$`);
  } catch (error) {
    throw new ConfigError(
      `${field}: invalid pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function globSource(glob: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) throw new Error(`unclosed [ at character ${i + 1}`);
      const body = glob
        .slice(i + 1, close)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      out += `[${body}]`;
      i = close;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^$()|\\{}]/g, '\\$&');
  }
  if (braces > 0) throw new Error('unclosed {');
  return out;
}

/**
 * A connector config's file-name pattern, checked as the config is read (an invalid /regex/ is a 400 or a validation
 * error naming the field, not a connector that fails once started).
 */
export const filePattern = z
  .string()
  .min(1)
  .superRefine((pattern, ctx) => {
    try {
      compilePattern(pattern);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^pattern: /, '') });
    }
  });
