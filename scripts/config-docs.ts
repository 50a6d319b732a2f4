import { stackEnvSchema } from '../stack/settings.ts';

/**
 * The README's configuration table, rendered from the zod schema that validates the environment, so the docs and
 * the validation cannot drift. `npm run docs` rewrites the README between the GENERATED markers.
 */
export function renderEnvTable(): string {
  const rows = Object.entries(stackEnvSchema.shape).map(([name, schema]) => {
    const def = (schema as unknown as { def?: { defaultValue?: unknown; innerType?: unknown } }).def;
    const fallback =
      def && 'defaultValue' in def && def.defaultValue !== undefined ? `\`${String(def.defaultValue)}\`` : '';
    return `| \`${name}\` | ${schema.description ?? ''} | ${fallback} |`;
  });
  return ['| variable | meaning | default |', '| --- | --- | --- |', ...rows].join('\n');
}

export const BEGIN = '<!-- GENERATED:env (npm run docs) -->';
export const END = '<!-- /GENERATED:env -->';

export function renderReadme(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`README.md lacks the ${BEGIN} … ${END} markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n${renderEnvTable()}\n${readme.slice(end)}`;
}
