/** What the benchmarks drive: Parvis (PGlite or PostgreSQL) or the plain-Fedify baseline. */
export type Target = {
  /** e.g. "Parvis · PGlite", "plain Fedify". */
  label: string;
  origin: string;
  /** The town hall's actor IRI, which the simulated followers follow. */
  townHall: string;
  /** Publishes one public post as the town hall, through the target's own entry point. */
  publish(content: string): Promise<{ activityId: string; objectIri: string }>;
  /** Likes of `objectIri` that the target has processed (what its API or stats show). */
  likesProcessed(objectIri: string): Promise<number>;
  /** The processes that deliver (whose memory the post benchmark samples). */
  workerPids(): number[];
  /** Every process of the server under test (whose CPU time each phase reports). */
  serverPids(): number[];
  /** The database server's processes serving this target now (PostgreSQL backends); none for PGlite. */
  databasePids(): Promise<number[]>;
  close(): Promise<void>;
};

/** A free TCP port on 127.0.0.1 (for a child process to listen on). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
