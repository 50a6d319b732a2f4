/**
 * Endpoint patterns used by faults: `*` matches within one path segment, `**` across segments,
 * `:name` one non-empty segment. `/services/data/*\/sobjects/**` matches every sObject route.
 */
export function compilePathPattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === ':' && /[A-Za-z_]/.test(pattern[i + 1] ?? '')) {
      while (/[A-Za-z0-9_]/.test(pattern[i + 1] ?? '')) i++;
      source += '[^/]+';
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

export function methodMatches(pattern: string, method: string): boolean {
  return pattern === '*' || pattern.toUpperCase() === method.toUpperCase();
}
