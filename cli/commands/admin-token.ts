import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { adminTokenSchema, hashToken, newToken } from '../../ops/api/index.ts';
import { printResult } from '../output.ts';

/** `eai admin-token`: a new random admin token and the EAI_ADMIN_TOKENS entry that holds only its hash. */
export function registerAdminTokenCommand(program: Command): void {
  program
    .command('admin-token')
    .description('make a new admin API token; give the token to the caller and the entry to the hub')
    .option('--name <name>', 'who the token is for', 'admin')
    .option('--role <role>', 'viewer, operator or admin', 'admin')
    .option('--json', 'print the token and entry as JSON')
    .action((options: { name: string; role: string; json?: boolean }) => {
      const token = newToken();
      const parsed = adminTokenSchema.safeParse({
        name: options.name,
        role: options.role,
        sha256: hashToken(token),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ConfigError(`--${String(issue.path[0])}: ${issue.message}`);
      }
      const entry = `${parsed.data.name}:${parsed.data.role}:${parsed.data.sha256}`;
      printResult(!!options.json, { token, entry }, () =>
        [`token (give to the caller):    ${token}`, `EAI_ADMIN_TOKENS entry (hub):  ${entry}`].join('\n'),
      );
    });
}
