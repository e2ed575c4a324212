import type { Server, ServerResponse } from 'node:http';
import type { SimulatedActor } from './documents.ts';

/** How an instance answers right now. `down` is a state of its socket, see `down()`/`up()`. */
export type Fault =
  | { readonly kind: 'ok' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'fail'; readonly status: number };

export type Answer = {
  status: number;
  headers?: Record<string, string>;
  body?: string;
};

/**
 * One simulated server: a loopback address with its own `node:http` server, its followers, and
 * the fault it plays. Faults apply to every request it receives (a slow server is slow for
 * actor documents too).
 */
export class SimulatedInstance {
  readonly index: number;
  readonly address: string;
  readonly port: number;
  /** `http://127.0.X.Y:port`, the origin in its actors' ids. */
  readonly origin: string;
  /** `127.0.X.Y:port`, the host of its WebFinger accounts. */
  readonly host: string;
  readonly followers: SimulatedActor[] = [];
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();
  readonly #delayed = new Map<ServerResponse, NodeJS.Timeout>();
  #fault: Fault = { kind: 'ok' };
  #listening = false;

  constructor(index: number, address: string, port: number, server: Server) {
    this.index = index;
    this.address = address;
    this.port = port;
    this.origin = `http://${address}:${port}`;
    this.host = `${address}:${port}`;
    this.#server = server;
  }

  get fault(): Fault {
    return this.#fault;
  }

  get isUp(): boolean {
    return this.#listening;
  }

  /** Requests accepted and not answered yet (delayed or hanging). */
  get pending(): number {
    return this.#hanging.size + this.#delayed.size;
  }

  ok(): this {
    return this.#set({ kind: 'ok' });
  }

  /** Answers every request `ms` late (the request is taken in and recorded at once). */
  delay(ms: number): this {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`bad delay ${ms}`);
    return this.#set({ kind: 'delay', ms });
  }

  /** Reads every request and never answers it. Leaving this mode cuts the held connections. */
  hang(): this {
    return this.#set({ kind: 'hang' });
  }

  /** Answers every request with `status` (e.g. 503), taking nothing in. */
  fail(status: number): this {
    if (!Number.isInteger(status) || status < 100 || status > 599)
      throw new RangeError(`bad status ${status}`);
    return this.#set({ kind: 'fail', status });
  }

  /** Closes its listening socket and cuts its connections: senders get connection refused. */
  async down(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#cutHanging();
    this.#cutDelayed();
    this.#server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same address and port. */
  async up(): Promise<void> {
    if (this.#listening) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.#server.once('error', onError);
      this.#server.listen(this.port, this.address, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    this.#listening = true;
  }

  /** Sends `answer` as the current fault dictates. */
  respond(res: ServerResponse, answer: Answer): void {
    const fault = this.#fault;
    if (fault.kind === 'hang') {
      this.#hanging.add(res);
      res.once('close', () => this.#hanging.delete(res));
      return;
    }
    if (fault.kind === 'fail') {
      write(res, { status: fault.status, headers: { 'retry-after': '1' } });
      return;
    }
    if (fault.kind === 'ok' || fault.ms === 0) {
      write(res, answer);
      return;
    }
    const timer = setTimeout(() => {
      this.#delayed.delete(res);
      if (!res.destroyed) write(res, answer);
    }, fault.ms);
    this.#delayed.set(res, timer);
    res.once('close', () => {
      clearTimeout(timer);
      this.#delayed.delete(res);
    });
  }

  /** What an inbox POST is recorded as answering under the current fault. */
  inboxStatus(): number | 'hang' {
    const fault = this.#fault;
    if (fault.kind === 'hang') return 'hang';
    if (fault.kind === 'fail') return fault.status;
    return 202;
  }

  async close(): Promise<void> {
    await this.down();
  }

  #set(fault: Fault): this {
    if (this.#fault.kind === 'hang' && fault.kind !== 'hang') this.#cutHanging();
    this.#fault = fault;
    return this;
  }

  #cutHanging(): void {
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
  }

  #cutDelayed(): void {
    for (const [res, timer] of this.#delayed) {
      clearTimeout(timer);
      res.destroy();
    }
    this.#delayed.clear();
  }

  /** Marks the server as listening (the simulator starts every server itself, on one port). */
  markListening(): void {
    this.#listening = true;
  }
}

export function write(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}
