/**
 * Typed errors. Every failure a user can cause carries a stable `code`
 * (`ERR_AREA_REASON`) and an exit code; the CLI maps them in main only.
 */

/** Exit codes of the CLI, per the project conventions. */
export const ExitCode = {
  OK: 0,
  FINDINGS: 1,
  USAGE: 2,
  RUNTIME: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind = 'input' | 'verification' | 'runtime' | 'usage';

const EXIT_BY_KIND: Record<ErrorKind, ExitCodeValue> = {
  input: ExitCode.USAGE,
  usage: ExitCode.USAGE,
  verification: ExitCode.FINDINGS,
  runtime: ExitCode.RUNTIME,
};

export interface SwarmguardErrorOptions {
  cause?: unknown;
  /** Structured details safe to print (never secrets). */
  details?: Record<string, unknown>;
}

/** Base class. `code` is stable; `message` is one line saying what was wrong and what to do. */
export class SwarmguardError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, kind: ErrorKind, options: SwarmguardErrorOptions = {}) {
    super(message.replace(/\s*\n\s*/g, ' '), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = kind;
    this.details = options.details;
  }

  get exitCode(): ExitCodeValue {
    return EXIT_BY_KIND[this.kind];
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** The input (a file, a flag, a request body) is malformed or not acceptable. Exit 2. */
export class InputError extends SwarmguardError {
  constructor(code: string, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, 'input', options);
  }
}

/** A command-line usage mistake. Exit 2. */
export class UsageError extends SwarmguardError {
  constructor(code: string, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, 'usage', options);
  }
}

/** A cryptographic or policy verification failed: the answer is "no". Exit 1. */
export class VerificationError extends SwarmguardError {
  constructor(code: string, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, 'verification', options);
  }
}

/** IO, network or environment failure. Exit 3. */
export class RuntimeError extends SwarmguardError {
  constructor(code: string, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, 'runtime', options);
  }
}

export function isSwarmguardError(e: unknown): e is SwarmguardError {
  return e instanceof SwarmguardError;
}
