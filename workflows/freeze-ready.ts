import { z } from 'zod';

/**
 * Readies zod schemas for the SDK's deep freeze of preloaded modules (see
 * workflows/shared-schemas.ts), so that a frozen schema parses exactly as a fresh one.
 *
 * zod 4 writes into a schema after it is built, in two ways that throw on a frozen object:
 * - members and internals are lazy: a method (`parse`, `optional`, ...) is bound and a derived
 *   internal (`propValues`, `optin`, `values`, `pattern`, ...) computed on first read, then
 *   stored as an own property of the schema or of its `_zod`. Reading them all once here
 *   stores them before the freeze.
 * - a string format or `.regex()` check resets its pattern's `lastIndex` before each test,
 *   which throws on a frozen RegExp. Each pattern is swapped for a proxy that ignores that
 *   write (zod's patterns are neither global nor sticky, so `lastIndex` is always 0 for them).
 *
 * The walk follows own properties, and reads getters, as the SDK's freeze does, so it reaches
 * what the freeze will reach.
 */
export function readyForFreeze(roots: unknown[]): void {
  const seen = new WeakSet<object>();
  for (const root of roots) visit(root, seen);
}

function visit(value: unknown, seen: WeakSet<object>): void {
  // Functions are frozen, but their properties are not walked by the SDK either.
  if (typeof value !== 'object' || value === null || seen.has(value) || value instanceof RegExp) return;
  seen.add(value);
  if (isZod(value)) materialise(value);
  for (const key of Reflect.ownKeys(value)) {
    shieldPattern(value, key);
    visit((value as Record<PropertyKey, unknown>)[key], seen);
  }
}

interface ZodLike {
  _zod: object;
}

const isZod = (value: object): value is ZodLike =>
  '_zod' in value && typeof value._zod === 'object' && value._zod !== null;

/** Reads every member the prototype chain offers, so that each lazy one is stored as an own property. */
function materialise(schema: ZodLike): void {
  readInheritedMembers(schema);
  readInheritedMembers(schema._zod);
  // zod's memoizer wraps a container's parse until its first parse, which finds out whether
  // the schema is recursive and, if not, writes the plain parse back. `undefined` does: a
  // container rejects it before any of Kept's refinements or transforms would run.
  if (schema instanceof z.ZodType && CONTAINERS.has(schema.def.type)) schema.safeParse(undefined);
}

const CONTAINERS: ReadonlySet<string> = new Set(['object', 'array', 'tuple', 'record', 'map', 'set']);

function readInheritedMembers(target: object): void {
  for (let proto = Object.getPrototypeOf(target); proto && proto !== Object.prototype;) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key !== 'constructor' && !Object.prototype.hasOwnProperty.call(target, key)) void Reflect.get(target, key);
    }
    proto = Object.getPrototypeOf(proto);
  }
}

function shieldPattern(owner: object, key: PropertyKey): void {
  const descriptor = Object.getOwnPropertyDescriptor(owner, key);
  const pattern: unknown = descriptor?.value;
  if (!(pattern instanceof RegExp) || !descriptor?.writable || pattern.global || pattern.sticky) return;
  Object.defineProperty(owner, key, { ...descriptor, value: lastIndexTolerant(pattern) });
}

/**
 * The pattern itself still ends up frozen (the proxy forwards the freeze), which is harmless:
 * a RegExp that is neither global nor sticky never writes its `lastIndex`.
 */
function lastIndexTolerant(pattern: RegExp): RegExp {
  return new Proxy(pattern, {
    get: (target, key) => {
      const member: unknown = Reflect.get(target, key, target);
      // RegExp methods need the RegExp itself as `this`, not the proxy.
      return typeof member === 'function' ? member.bind(target) : member;
    },
    set: (_target, key) => key === 'lastIndex',
  });
}
