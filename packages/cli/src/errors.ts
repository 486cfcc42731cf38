import { PermafrostError } from '@permafrost/core';

/** A CLI error with a stable code and what it is about (printed as the envelope's `error.details`). */
abstract class CliError extends PermafrostError {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Printed on stdout before the error line for people (e.g. the demo's table of failed checks). */
    readonly humanOutput?: string,
  ) {
    super(message);
  }
}

/**
 * `FORCE_REQUIRED`: the command would wipe data that exists (an instance's embedded data). Nothing was
 * changed; run it again with --force to wipe it.
 */
export class ForceRequiredError extends CliError {
  readonly code = 'FORCE_REQUIRED';
}

/** `INSTANCE_RUNNING`: the instance's stack (`permafrost stack up`) is running and would be wiped under it. */
export class InstanceRunningError extends CliError {
  readonly code = 'INSTANCE_RUNNING';
}

/** `INSTANCE_BUSY`: another live command holds the instance's embedded engine for longer than we wait. */
export class InstanceBusyError extends CliError {
  readonly code = 'INSTANCE_BUSY';
}

/** `EMBEDDED_STACK_MISSING`: no servers configured and @permafrost/dev-stack is not installed. */
export class EmbeddedStackMissingError extends CliError {
  readonly code = 'EMBEDDED_STACK_MISSING';
}

/** `OPERATION_FAILED`: an operation `wait` waited for ended failed (details.operation says how). */
export class OperationFailedError extends CliError {
  readonly code = 'OPERATION_FAILED';
}

/** `DEMO_FAILED`: the demo ran, and at least one of its checks failed (details.steps lists them). */
export class DemoFailedError extends CliError {
  readonly code = 'DEMO_FAILED';
}
