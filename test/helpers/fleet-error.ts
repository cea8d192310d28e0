import { expect } from 'vitest';
import { FleetError, type ErrorCode } from '../../src/core/errors.js';

/** Runs fn, expects it to throw a FleetError (of `code`, when given), and returns the error. */
export function catchFleetError(fn: () => unknown, code?: ErrorCode): FleetError {
  try {
    fn();
  } catch (err) {
    return checked(err, code);
  }
  throw new Error(`expected a FleetError${code ? ` (${code})` : ''}`);
}

/** The same for a promise that should reject. */
export async function rejectedFleetError(promise: Promise<unknown>, code?: ErrorCode): Promise<FleetError> {
  try {
    await promise;
  } catch (err) {
    return checked(err, code);
  }
  throw new Error(`expected a FleetError${code ? ` (${code})` : ''}`);
}

function checked(err: unknown, code: ErrorCode | undefined): FleetError {
  expect(err).toBeInstanceOf(FleetError);
  if (code) expect((err as FleetError).code).toBe(code);
  return err as FleetError;
}
