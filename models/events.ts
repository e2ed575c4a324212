/**
 * Domain events: an operation commits, then emits one; federation, real-time updates and
 * notifications subscribe. A failing subscriber never fails the operation that emitted.
 */
export type DomainEvent =
  | { type: 'persona.created'; personaId: string }
  | { type: 'persona.updated'; personaId: string }
  | { type: 'persona.deleted'; personaId: string; handle: string }
  | { type: 'institution.updated'; institutionId: string }
  | { type: 'post.published'; postId: string }
  | { type: 'post.updated'; postId: string }
  | { type: 'post.deleted'; postId: string };

export type DomainEventType = DomainEvent['type'];
type Handler<T extends DomainEventType> = (event: Extract<DomainEvent, { type: T }>) => void | Promise<void>;

export class DomainEvents {
  #handlers = new Map<DomainEventType, Set<(event: DomainEvent) => void | Promise<void>>>();
  #onError: (error: unknown, event: DomainEvent) => void;

  constructor(onError: (error: unknown, event: DomainEvent) => void = () => {}) {
    this.#onError = onError;
  }

  on<T extends DomainEventType>(type: T, handler: Handler<T>): () => void {
    let set = this.#handlers.get(type);
    if (!set) {
      set = new Set();
      this.#handlers.set(type, set);
    }
    const h = handler as (event: DomainEvent) => void | Promise<void>;
    set.add(h);
    return () => set.delete(h);
  }

  /** Runs every handler; resolves once they have all settled, never rejects. */
  async emit(event: DomainEvent): Promise<void> {
    const handlers = [...(this.#handlers.get(event.type) ?? [])];
    await Promise.all(
      handlers.map(async (h) => {
        try {
          await h(event);
        } catch (error) {
          this.#onError(error, event);
        }
      }),
    );
  }
}
