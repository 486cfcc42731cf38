import { PluginBootError } from '../errors';
import type { PermafrostPlugin } from './types';

/**
 * Something a plugin lets others add to at boot (Backstage's extension points): a typed, declared
 * registry instead of an options array. The owner reads the contributions from register() on.
 */
export interface ExtensionPoint<T> {
  readonly kind: 'extension-point';
  /** `<owner>:<name>`. */
  readonly id: string;
  /** The plugin that reads the contributions. */
  readonly owner: string;
  /** Type only, never set: ties the value type to the point (invariant). */
  readonly __value?: (value: T) => T;
}

/** One value for one extension point, as a plugin declares it in `contributes`. */
export interface Contribution {
  readonly point: { readonly id: string; readonly owner: string };
  readonly value: unknown;
}

/** Read access to the contributions made to extension points, in contributor boot order. */
export interface Extensions {
  get<T>(point: ExtensionPoint<T>): readonly T[];
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Declares extension point `<owner>:<name>` with values of type `T`; export it for contributors. */
export function createExtensionPoint<T>(options: { owner: string; name: string }): ExtensionPoint<T> {
  if (!NAME.test(options.owner) || !NAME.test(options.name)) {
    throw new PluginBootError(`Extension point ${options.owner}:${options.name} is invalid: use lowercase letters, digits and dashes.`, { plugin: options.owner });
  }
  return Object.freeze({ kind: 'extension-point' as const, id: `${options.owner}:${options.name}`, owner: options.owner });
}

/** A contribution of `value` to `point`, type-checked against the point. Put it in a plugin's `contributes`. */
export function contribute<T>(point: ExtensionPoint<T>, value: T): Contribution {
  return Object.freeze({ point: { id: point.id, owner: point.owner }, value });
}

/**
 * What `plugins` contribute to `point`, without booting anything: contributions are declarations, so a
 * host can list them up front (e.g. a CLI's choices). Order is the order of `plugins`.
 */
export function contributionsTo<T>(point: ExtensionPoint<T>, plugins: readonly PermafrostPlugin[]): T[] {
  return plugins.flatMap((p) => (p.contributes ?? []).filter((c) => c.point.id === point.id).map((c) => c.value as T));
}

/** Boot: refuses contributions to points whose owner is not booted, then indexes them by point. */
export function collectExtensions(ordered: readonly PermafrostPlugin[]): Extensions {
  const names = new Set(ordered.map((p) => p.name));
  const byPoint = new Map<string, unknown[]>();
  for (const plugin of ordered) {
    for (const c of plugin.contributes ?? []) {
      if (!names.has(c.point.owner)) {
        throw new PluginBootError(`Plugin ${plugin.name} contributes to ${c.point.id}, but its owner ${c.point.owner} is not registered; add ${c.point.owner} to the plugins passed to bootstrap.`, { plugin: plugin.name });
      }
      byPoint.set(c.point.id, [...(byPoint.get(c.point.id) ?? []), c.value]);
    }
  }
  return { get: <T>(point: ExtensionPoint<T>) => Object.freeze([...(byPoint.get(point.id) ?? [])]) as readonly T[] };
}
