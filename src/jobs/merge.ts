// Merging task outputs from workers into the parent's: numbers and bigints are summed,
// arrays appended, Maps and plain objects merged key by key, Sets united, typed arrays
// (histogram bins) added element-wise, and objects whose class has add(other) or
// merge(other) (histograms) combined with it.
import { CowloopError, ErrorCodes } from '../errors.js';

type Adder = { add?: (other: unknown) => unknown; merge?: (other: unknown) => unknown };

export function mergeValues(local: unknown, remote: unknown, path = 'output'): unknown {
  if (remote === undefined || remote === null) return local;
  if (local === undefined || local === null) return remote;
  if (typeof local === 'number' && typeof remote === 'number') return local + remote;
  if (typeof local === 'bigint' && typeof remote === 'bigint') return local + remote;
  if (Array.isArray(local) && Array.isArray(remote)) {
    for (const v of remote) local.push(v);
    return local;
  }
  if (local instanceof Map && remote instanceof Map) {
    for (const [k, v] of remote) local.set(k, local.has(k) ? mergeValues(local.get(k), v, `${path}.get(${String(k)})`) : v);
    return local;
  }
  if (local instanceof Set && remote instanceof Set) {
    for (const v of remote) local.add(v);
    return local;
  }
  if (isBins(local) && ArrayBuffer.isView(remote)) return addTyped(local, remote, path);
  if (typeof local === 'object' && typeof remote === 'object') {
    const method = typeof (local as Adder).add === 'function' ? 'add' : typeof (local as Adder).merge === 'function' ? 'merge' : undefined;
    if (method) {
      // A class instance crossed the channel as a plain object: give it its class back.
      const proto = Object.getPrototypeOf(local) as object;
      const other = Object.getPrototypeOf(remote) === proto ? remote : Object.assign(Object.create(proto) as object, remote);
      try {
        (local as Required<Adder>)[method](other);
      } catch (cause) {
        throw mergeError(path, `${method}() failed: ${(cause as Error).message}`, cause);
      }
      return local;
    }
    if (isPlain(local) && isPlain(remote)) {
      const target = local as Record<string, unknown>;
      for (const [k, v] of Object.entries(remote as Record<string, unknown>)) {
        target[k] = k in target ? mergeValues(target[k], v, `${path}.${k}`) : v;
      }
      return local;
    }
  }
  if (Object.is(local, remote)) return local;
  throw mergeError(path, `cannot merge ${kind(local)} with ${kind(remote)}`);
}

/**
 * Histogram bins: a typed array (any view but a DataView). A BigInt64Array's elements are
 * bigints, typed here as numbers: `+` adds two of a kind alike, and the constructors match.
 */
type Bins = { readonly length: number; [i: number]: number };

function isBins(value: unknown): value is Bins {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function addTyped(local: Bins, remote: ArrayBufferView, path: string): unknown {
  if (!isBins(remote) || local.length !== remote.length || local.constructor !== remote.constructor) {
    const length: unknown = Reflect.get(remote, 'length'); // a DataView has none
    throw mergeError(path, `cannot add a ${kind(remote)} of length ${String(length)} to a ${kind(local)} of length ${local.length}`);
  }
  for (let i = 0; i < local.length; i++) local[i] = local[i]! + remote[i]!;
  return local;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${JSON.stringify(value)}`;
  return (value as object).constructor?.name ?? 'object';
}

function mergeError(path: string, what: string, cause?: unknown): CowloopError {
  return new CowloopError(
    ErrorCodes.ERR_COWLOOP_MERGE_FAILED,
    `merging the workers' task outputs at ${path}: ${what}; give the task a mergeOutput(local, remote) method to merge it yourself`,
    cause === undefined ? undefined : { cause },
  );
}
