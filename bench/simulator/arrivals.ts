/** One POST that reached a simulated inbox. */
export type Arrival = {
  /** The origin of the instance it reached, `http://127.0.X.Y:port`. */
  readonly instance: string;
  /** `/inbox` (shared) or `/users/<name>/inbox` (personal). */
  readonly path: string;
  readonly activityId: string | null;
  readonly type: string | null;
  readonly actor: string | null;
  /** The `object`'s id (or the object itself when it is a bare IRI). */
  readonly objectId: string | null;
  /** `Date.now()` when the body had been read. */
  readonly at: number;
  /** Which HTTP signature the request carried, if any. */
  readonly signature: 'draft-cavage' | 'rfc9421' | null;
  /** Whether the signature verified; only when the simulator verifies signatures. */
  readonly verified?: boolean;
  /** What the inbox answered (or will answer, when delayed); `hang` is never answered. */
  readonly status: number | 'hang';
};

export type ArrivalFilter = Partial<
  Pick<Arrival, 'instance' | 'activityId' | 'type' | 'actor' | 'objectId'>
> & {
  /** Only shared-inbox (`true`) or personal-inbox (`false`) arrivals. */
  shared?: boolean;
};

/**
 * The arrivals, with their repeated strings (activity ids, actors, origins) interned so that
 * 10,000 copies of one activity id cost one string.
 */
export class ArrivalLog {
  readonly #arrivals: Arrival[] = [];
  readonly #strings = new Map<string, string>();

  add(arrival: Arrival): void {
    this.#arrivals.push({
      ...arrival,
      instance: this.#intern(arrival.instance),
      path: this.#intern(arrival.path),
      activityId: arrival.activityId && this.#intern(arrival.activityId),
      type: arrival.type && this.#intern(arrival.type),
      actor: arrival.actor && this.#intern(arrival.actor),
      objectId: arrival.objectId && this.#intern(arrival.objectId),
    });
  }

  get size(): number {
    return this.#arrivals.length;
  }

  list(filter: ArrivalFilter = {}): Arrival[] {
    return this.#arrivals.filter((a) => matches(a, filter));
  }

  /** Per instance origin, how many accepted POSTs carried `activityId` (raw, duplicates counted). */
  deliveriesOf(activityId: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const a of this.#arrivals)
      if (a.activityId === activityId && accepted(a))
        counts.set(a.instance, (counts.get(a.instance) ?? 0) + 1);
    return counts;
  }

  clear(): void {
    this.#arrivals.length = 0;
    this.#strings.clear();
  }

  #intern(value: string): string {
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    this.#strings.set(value, value);
    return value;
  }
}

/** A 2xx answer: failed and hanging requests were not taken in by the receiver. */
export function accepted(arrival: Arrival): boolean {
  return typeof arrival.status === 'number' && arrival.status >= 200 && arrival.status < 300;
}

function matches(a: Arrival, f: ArrivalFilter): boolean {
  if (f.instance !== undefined && a.instance !== f.instance) return false;
  if (f.activityId !== undefined && a.activityId !== f.activityId) return false;
  if (f.type !== undefined && a.type !== f.type) return false;
  if (f.actor !== undefined && a.actor !== f.actor) return false;
  if (f.objectId !== undefined && a.objectId !== f.objectId) return false;
  if (f.shared !== undefined && (a.path === '/inbox') !== f.shared) return false;
  return true;
}
