// The ComponentRegistry maps type names to classes, so job options can name components as
// "Type/Name" strings. User code adds its classes: `registry.register(TrackFinder)` or
// `registry.register('TrackFinder', TrackFinder)`. Each application has its own registry
// whose parent is the global `registry`, where cowloop's built-ins and extensions live.
import { CowloopError, ErrorCodes } from '../errors.js';
import type { SourceLocation } from '../options/types.js';
import { Component, formatLocation, typeNameOf, type ComponentClass } from './component.js';
import { didYouMean } from '../options/names.js';

/** Splits "Type/Name" (or "Type", where the name is the type). */
export function parseTypeAndName(typeAndName: string): { type: string; name: string } {
  const slash = typeAndName.indexOf('/');
  if (slash < 0) return { type: typeAndName.trim(), name: typeAndName.trim() };
  return { type: typeAndName.slice(0, slash).trim(), name: typeAndName.slice(slash + 1).trim() };
}

export class ComponentRegistry {
  readonly #classes = new Map<string, ComponentClass>();
  readonly #parent: ComponentRegistry | undefined;

  constructor(parent?: ComponentRegistry) {
    this.#parent = parent;
  }

  /** Registers a class under its typeName (or class name), or under an explicit name. */
  register(cls: ComponentClass): this;
  register(typeName: string, cls: ComponentClass): this;
  register(a: string | ComponentClass, b?: ComponentClass): this {
    const cls = typeof a === 'string' ? b : a;
    const typeName = typeof a === 'string' ? a : cls && typeNameOf(cls);
    if (typeof cls !== 'function' || !(cls.prototype instanceof Component)) {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
        `registry.register: expected a class extending Component, Service or Algorithm (got ${String(cls)})`,
      );
    }
    if (!typeName) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, 'registry.register: the class needs a name');
    this.#classes.set(typeName, cls);
    return this;
  }

  registerAll(classes: Iterable<ComponentClass>): this {
    for (const c of classes) this.register(c);
    return this;
  }

  has(typeName: string): boolean {
    return this.#classes.has(typeName) || (this.#parent?.has(typeName) ?? false);
  }

  get(typeName: string): ComponentClass | undefined {
    return this.#classes.get(typeName) ?? this.#parent?.get(typeName);
  }

  /** Every registered type name, this registry's and its parents'. */
  typeNames(): string[] {
    return [...new Set([...this.#classes.keys(), ...(this.#parent?.typeNames() ?? [])])].sort();
  }

  /** The class for `typeName`, or an error naming where it was asked for and the nearest known type. */
  resolve(typeName: string, location?: SourceLocation): ComponentClass {
    const cls = this.get(typeName);
    if (cls) return cls;
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
      `${formatLocation(location)}: unknown component type "${typeName}"${didYouMean(typeName, this.typeNames())}.` +
        ' Register the class with registry.register(Class) or pass it in createApplication({ components }).',
    );
  }
}

/** The global registry: built-in components, and extensions registered at import time. */
export const registry = new ComponentRegistry();
