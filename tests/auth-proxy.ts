import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Pem } from './tls-certificates.ts';

/**
 * An authenticating HTTPS reverse proxy in front of a real server (the stack's schema registry), as a company puts
 * one in front of its registry: it answers 401 unless the request carries one of `accepted` `Authorization` values,
 * and relays the rest unchanged. `seen` keeps the Authorization headers it got (to prove what the client sent).
 */
export interface AuthProxy {
  url: string;
  seen: Array<string | undefined>;
  /** Every request's headers, in order. */
  seenHeaders: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startAuthProxy(options: {
  target: string;
  certificate: Pem;
  accepted: string[];
  /** Accepts an Authorization value beside `accepted` (e.g. a bearer token an identity provider issued). */
  alsoAccept?: (authorization: string) => boolean;
}): Promise<AuthProxy> {
  const target = new URL(options.target);
  const seen: Array<string | undefined> = [];
  const seenHeaders: IncomingHttpHeaders[] = [];
  const server: Server = createServer(
    { cert: options.certificate.cert, key: options.certificate.key },
    async (req, res) => {
      seen.push(req.headers.authorization);
      seenHeaders.push(req.headers);
      const authorization = req.headers.authorization ?? '';
      if (!options.accepted.includes(authorization) && !options.alsoAccept?.(authorization)) {
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': 'Basic realm="registry"',
        });
        res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      try {
        const upstream = await fetch(`${target.origin}${req.url}`, {
          method: req.method,
          headers: {
            ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
            ...(req.headers.accept ? { accept: req.headers.accept } : {}),
          },
          body,
        });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch (error) {
        res.writeHead(502);
        res.end(String(error));
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    seen,
    seenHeaders,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
