/** The error of checkpointed calls (lib/pool/checkpoint.ts), apart so that importing it loads no file code. */
import { registerErrorClass } from '../protocol/error-codec.ts';

export type CheckpointProblem = 'mismatch' | 'corrupt' | 'not-a-checkpoint' | 'unstorable' | 'io';

/** A checkpoint file that does not fit the call, is damaged, or cannot take a result. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  constructor(
    readonly problem: CheckpointProblem,
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`checkpoint ${path}: ${message}`, options);
  }
}
registerErrorClass(CheckpointError);
