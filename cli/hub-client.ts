/**
 * The CLI's client of a running hub's admin API: the URL from `--url` / `EAI_URL` (default the local hub), the token
 * from `--token` / `--token-file` / `EAI_TOKEN` / `EAI_ADMIN_TOKEN`. Errors are one line that says what to do.
 */
import { readNamedFile } from '../lib/env-secrets.ts';
import { ConfigError, EaiError } from '../lib/errors.ts';
import { DEFAULT_OPS_PORT } from '../ops/instance-env.ts';

/** What the hub said of a refused request: its sentence, and each wrong field (`config.dir`) when it names them. */
export interface HubAnswer {
  error: string;
  details: ReadonlyArray<{ path: string; message: string }>;
}

/**
 * The hub answered with an error, or not at all: `status` is its HTTP status (undefined when it could not be
 * reached), `answer` what the hub said, for a command that words it its own way. A retry can help when it could not
 * be reached, or answered 429 or 5xx.
 */
export class HubError extends EaiError {
  readonly status: number | undefined;
  readonly answer: HubAnswer | undefined;
  constructor(message: string, status?: number, answer?: HubAnswer) {
    super(message, { retriable: status === undefined || status === 429 || status >= 500 });
    this.status = status;
    this.answer = answer;
  }
}

/** How long the CLI waits for the hub's answer. */
const HUB_TIMEOUT_MS = 30_000;

export interface HubTarget {
  url?: string;
  token?: string;
  /** A file holding the token (`--token-file`): unlike `--token`, not in the process list. */
  tokenFile?: string;
}

export function hubOptions<T extends { option: (flags: string, description: string) => T }>(command: T): T {
  return command
    .option('--url <url>', `the hub (default $EAI_URL or http://127.0.0.1:${DEFAULT_OPS_PORT})`)
    .option(
      '--token <token>',
      'admin API token (default $EAI_TOKEN or $EAI_ADMIN_TOKEN); other users of this machine see it in the process list (ps): prefer EAI_TOKEN or --token-file',
    )
    .option(
      '--token-file <path>',
      'a file holding the admin API token (a mounted secret), instead of --token',
    );
}

/**
 * The admin token: `--token`, the file `--token-file` names (without its trailing newline), `EAI_TOKEN` or
 * `EAI_ADMIN_TOKEN`; both flags, or an unreadable or empty file, is a ConfigError naming the flag (never the token).
 */
export function hubToken(target: HubTarget): string | undefined {
  if (target.token !== undefined && target.tokenFile !== undefined)
    throw new ConfigError('--token-file: given together with --token: keep one of them');
  if (target.tokenFile !== undefined) {
    const token = readNamedFile('--token-file', target.tokenFile).trim();
    if (!token)
      throw new ConfigError(`--token-file: ${target.tokenFile} is empty: write the admin token in it`);
    return token;
  }
  return target.token ?? process.env.EAI_TOKEN ?? process.env.EAI_ADMIN_TOKEN;
}

/** Whether this process already warned of a token sent over plain http (once is enough). */
let warnedPlainHttp = false;

/**
 * One line on stderr (never stdout, which `--json` keeps for its JSON) when the token goes over plain `http://` to
 * a host that is not this machine: anyone on the path reads it.
 */
function warnPlainHttp(base: string, target: HubTarget): void {
  if (warnedPlainHttp || !base.startsWith('http:') || hubOnThisMachine(target)) return;
  warnedPlainHttp = true;
  process.stderr.write(
    `warning: the admin token goes to ${base} over plain http, readable on the way: use https (TLS in front of the hub)\n`,
  );
}

/**
 * The hub's base URL: --url, EAI_URL, or the local default. One that is no http(s) URL, or holds user:password@
 * (fetch refuses it and quotes it whole, password and all), is a ConfigError naming where it came from; the value is
 * not repeated.
 */
export function hubBase(target: HubTarget): string {
  const where = target.url !== undefined ? '--url' : 'EAI_URL';
  const base = (target.url ?? process.env.EAI_URL ?? `http://127.0.0.1:${DEFAULT_OPS_PORT}`).replace(
    /\/$/,
    '',
  );
  const url = URL.parse(base);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ConfigError(
      `${where}: is not an http(s) URL of the hub, e.g. http://127.0.0.1:${DEFAULT_OPS_PORT} (its ops port)`,
    );
  if (url.username !== '' || url.password !== '')
    throw new ConfigError(
      `${where}: must not hold a user or password (user:password@): the hub takes an admin token, --token or EAI_TOKEN`,
    );
  return base;
}

/** The hub runs on this machine (a loopback address), so paths on this machine are paths on the hub's. */
export function hubOnThisMachine(target: HubTarget): boolean {
  const host = new URL(hubBase(target)).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

export async function callHub(
  target: HubTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const base = hubBase(target);
  const token = hubToken(target);
  if (!token)
    throw new ConfigError(
      'no admin token: set EAI_TOKEN (or pass --token-file, or --token) to one the hub accepts (eai demo prints its own; for eai up, npx eai admin-token makes one to start it with)',
    );
  warnPlainHttp(base, target);
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HUB_TIMEOUT_MS),
    });
  } catch (error) {
    // It took the connection and said nothing: up, waiting on something of its own (a broker that is down held
    // the status routes for minutes), so "is it up?" sent the operator the wrong way.
    if ((error as Error).name === 'TimeoutError')
      throw new HubError(
        `the hub at ${base} did not answer ${method} ${path} within ${HUB_TIMEOUT_MS / 1000} s: it is up but waits on something (Kafka, the registry, PostgreSQL); ${base}/health/ready and npx eai stack status say which`,
      );
    throw new HubError(
      `cannot reach the hub at ${base} (${(error as Error).message}): is it up? npx eai up, or set EAI_URL`,
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Something else answers there (a simulator's page, another server): say so, not JSON.parse's complaint.
    throw new HubError(
      `${method} ${path}: ${response.status} from ${base}, which is not the hub's admin API (it answered ${response.headers.get('content-type') ?? 'no content type'}, not JSON): set --url or EAI_URL to the hub's ops port`,
    );
  }
  if (!response.ok) {
    const error = (parsed as { error?: unknown } | undefined)?.error;
    // The hub's errors are `{error: "<sentence>"}`; another server's JSON error (an object) is not its message.
    const message =
      typeof error === 'string'
        ? error
        : `${response.statusText || 'error'} from ${base}, which does not answer as the hub's admin API: set --url or EAI_URL to the hub's ops port`;
    const hint =
      response.status === 401
        ? ' (check the token)'
        : response.status === 403
          ? " (the token's role is too small)"
          : '';
    // An empty answer (a proxy's or load balancer's 502/503, an ingress's bare 401) has no body to read.
    const details = (parsed as { details?: unknown } | undefined)?.details;
    const answer =
      typeof error === 'string'
        ? {
            error,
            details: Array.isArray(details)
              ? details.filter(
                  (d): d is { path: string; message: string } =>
                    typeof d?.path === 'string' && typeof d?.message === 'string',
                )
              : [],
          }
        : undefined;
    throw new HubError(`${method} ${path}: ${response.status} ${message}${hint}`, response.status, answer);
  }
  return { status: response.status, body: parsed };
}
