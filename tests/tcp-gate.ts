import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay to a real server (PostgreSQL of the test stack) that a test can shut and open again on the same
 * port: shut, every connection through it is cut and new ones are refused, as when that server stops; open, it relays
 * again, as when it is back. An outage for the clients pointed at the gate alone, so a test can stop "the database"
 * without stopping the stack the other specs share. Kafka's clients go to the address the broker advertises after
 * their first request, so through a gate only a first request (a probe's) can be cut.
 */
export interface TcpGate {
  port: number;
  /** `host:port` of the gate. */
  address: string;
  /** Connections the gate has taken so far (relayed or held). */
  accepted(): number;
  /** Cuts every connection through it and refuses new ones. */
  shut(): Promise<void>;
  /**
   * Stops answering without refusing anything, as a host behind a network partition that drops packets: what is
   * under way gets no answer, new connections are taken and never relayed. `open` cuts them and relays again.
   */
  hang(): void;
  /** Listens again on the same port (after `hang`: cuts the connections it held and relays again). */
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  let hanging = false;
  const held = new Set<Socket>();
  let accepted = 0;
  const relay = (client: Socket) => {
    accepted += 1;
    if (hanging) {
      held.add(client);
      client.on('error', () => undefined);
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // The other side goes too, as a stopped server's connections do.
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  };
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const next = createServer(relay);
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        resolve((next.address() as { port: number }).port);
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      for (const socket of [...sockets, ...held]) socket.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  const port = await listen(0);
  return {
    port,
    address: `127.0.0.1:${port}`,
    accepted: () => accepted,
    shut,
    hang: () => {
      hanging = true;
      // Connections under way: nothing more goes either way.
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
        held.add(socket);
      }
    },
    open: async () => {
      if (hanging) {
        hanging = false;
        for (const socket of held) socket.destroy();
        held.clear();
      }
      if (!server) await listen(port);
    },
    close: shut,
  };
}

/** The gate's URL for a database URL: the same URL with the gate's host and port. */
export function throughGate(databaseUrl: string, gate: TcpGate): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(gate.port);
  return url.toString();
}
