/**
 * A small in-process copy of KV entries that are hints about other servers (their public keys,
 * which HTTP signature spec they accept), so that the delivery and inbox paths need not ask the
 * database for them at every request. Values are kept as JSON text and parsed on each read, so
 * callers never share an object. Bounded in entries (the oldest go first) and in age.
 */
export class LocalKvCache {
  readonly #entries = new Map<string, { json: string; expiresAt: number; permanent: boolean }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: { ttlMs: number; maxEntries: number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
  }

  /** The cached value's JSON text, or undefined when absent or too old. */
  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.json;
  }

  /** Whether the database is known to hold `json` under `key` with no expiry. */
  holdsForever(key: string, json: string): boolean {
    const entry = this.#entries.get(key);
    return entry?.permanent === true && entry.json === json && entry.expiresAt > Date.now();
  }

  /**
   * Keeps `json` for the cache's age limit, or less when the entry itself expires sooner
   * (`ttlMs`; null: the entry never expires).
   */
  set(key: string, json: string, ttlMs: number | null = null): void {
    this.#entries.delete(key);
    const age = ttlMs === null ? this.#ttlMs : Math.min(ttlMs, this.#ttlMs);
    if (age <= 0) return;
    this.#entries.set(key, { json, expiresAt: Date.now() + age, permanent: ttlMs === null });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
