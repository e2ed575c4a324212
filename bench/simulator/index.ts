export { loopbackAddresses } from './addresses.ts';
export type { Arrival, ArrivalFilter } from './arrivals.ts';
export type { SimulatedActor } from './documents.ts';
export type { Fault, SimulatedInstance } from './instance.ts';
export { KeyPool, loadKeyPool } from './key-pool.ts';
export type { PreparedRequest, SendResult } from './signing.ts';
export { SimulatedFediverse, type SimulatorOptions } from './simulated-fediverse.ts';
