import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerLimits } from './server-limits.js';

/** What one connection holds right now. */
interface ConnectionState {
  readonly client: string;
  /** Requests received on it whose response has not finished. */
  outstanding: number;
}

/** What one remote address holds right now. */
interface ClientState {
  connections: number;
  bodyBytes: number;
}

/**
 * Per-connection and per-client accounting of the enclave server: connections per remote address,
 * pipelined requests per connection, and the body bytes each client holds. State lives only while a
 * client has a connection open, so it is bounded by `maxConnections`.
 */
export class ConnectionGuard {
  readonly #connections = new WeakMap<Socket, ConnectionState>();
  readonly #clients = new Map<string, ClientState>();

  constructor(private readonly limits: ServerLimits) {}

  /** Installs the guard on a server: call before `listen`. */
  attach(server: Server): void {
    server.maxConnections = this.limits.maxConnections;
    // A peer that stops reading our replies (or sending) is dropped: its buffers are ours to hold.
    // Node re-arms this per request and switches to keepAliveTimeout between requests.
    server.timeout = this.limits.socketIdleTimeoutMs;
    server.on('connection', (socket: Socket) => this.#onConnection(socket));
  }

  #onConnection(socket: Socket): void {
    const client = clientOf(socket);
    const state = this.#clients.get(client) ?? { connections: 0, bodyBytes: 0 };
    if (state.connections >= this.limits.maxConnectionsPerClient) {
      // One address holding every connection slot would lock out everyone else.
      socket.destroy();
      return;
    }
    state.connections++;
    this.#clients.set(client, state);
    this.#connections.set(socket, { client, outstanding: 0 });
    socket.once('close', () => {
      state.connections--;
      if (state.connections === 0 && state.bodyBytes === 0) this.#clients.delete(client);
    });
  }

  /**
   * Admits a request on its connection. Returns false, having destroyed the connection, when the
   * connection already has `maxPipelinedRequests` outstanding: HTTP/1.1 pipelining (RFC 9112 §9.3.2)
   * lets a client queue requests faster than it reads replies, and each one held memory.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const state = this.#connections.get(req.socket);
    if (state === undefined) return !req.socket.destroyed;
    if (req.socket.destroyed) return false;
    if (state.outstanding >= this.limits.maxPipelinedRequests) {
      req.socket.destroy();
      return false;
    }
    state.outstanding++;
    res.once('close', () => {
      state.outstanding--;
    });
    return true;
  }

  /** The remote address a request is accounted to. */
  clientOf(req: IncomingMessage): string {
    return this.#connections.get(req.socket)?.client ?? clientOf(req.socket);
  }

  /**
   * Takes `bytes` from a client's body budget; false (nothing taken) when the client would then hold
   * more than `maxInFlightBodyBytesPerClient`.
   */
  chargeClient(client: string, bytes: number): boolean {
    const state = this.#clients.get(client);
    if (state === undefined) return false;
    if (state.bodyBytes + bytes > this.limits.maxInFlightBodyBytesPerClient) return false;
    state.bodyBytes += bytes;
    return true;
  }

  /** Gives back what {@link chargeClient} took. */
  releaseClient(client: string, bytes: number): void {
    const state = this.#clients.get(client);
    if (state === undefined) return;
    state.bodyBytes -= bytes;
    if (state.connections === 0 && state.bodyBytes === 0) this.#clients.delete(client);
  }
}

function clientOf(socket: Socket): string {
  return socket.remoteAddress ?? 'unknown';
}
