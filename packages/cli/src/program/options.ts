import { InvalidArgumentError } from 'commander';
import type { SchemaProfileName } from '@permafrost/backend-lib';
import type { ProgressMode } from '../progress/modes';

/** Options every command takes (before or after the command name). */
export interface GlobalOptions {
  json?: boolean;
  instance?: string;
  strategy?: string;
  progress?: ProgressMode;
  /** The schema profile of the databases the command opens (data layer's `schema`). */
  schema?: SchemaProfileName;
}

/** `--schema` values: the data layer's built-in schema profiles. */
export const SCHEMA_CHOICES: readonly SchemaProfileName[] = ['permafrost', 'dittofeed'];

/** Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

// Argument parsers: a bad value is a usage error (exit 2, code USAGE), found before anything starts.

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function intInRange(min: number, max: number, why = ''): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}${why}`);
    return n;
  };
}

export function atLeast(min: number): (value: string) => number {
  return (value) => {
    const n = positiveInt(value);
    if (n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    return n;
  };
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}
