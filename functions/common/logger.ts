import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { redactingReplacer } from '#lib/logging/redact';

/**
 * Powertools Logger that cannot write a secret: every entry is serialised through the redaction rules
 * (lib/logging/redact.ts), and the invocation event is never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT,
 * LOG_LEVEL or an `injectLambdaContext({ logEvent: true })` says. Events carry passwords, tokens and
 * Authorization headers; the request id and route in each entry are enough to follow a request.
 */
export class RedactingLogger extends Logger {
  public constructor(options: ConstructorOptions = {}) {
    super({ ...options, jsonReplacerFn: redactingReplacer });
  }

  public override logEventIfEnabled(...ignored: Parameters<Logger['logEventIfEnabled']>): void {
    void ignored;
  }

  public override shouldLogEvent(...ignored: Parameters<Logger['shouldLogEvent']>): boolean {
    void ignored;
    return false;
  }

  public override getLogEvent(): boolean {
    return false;
  }

  /** Children (createChild) are redacting loggers too. */
  protected override createLogger(options?: ConstructorOptions): Logger {
    return new RedactingLogger(options);
  }
}

let instance: RedactingLogger | undefined;

/**
 * Structured JSON logs; the level comes from LOG_LEVEL, which Powertools reads itself. Built on first use, not
 * at start: a request that succeeds logs nothing, and building the logger (its Console, level and formatter)
 * is ~2 ms of CPU at every cold start that most instances would pay for nothing (docs/performance.md, part 1).
 * Its own module so that a handler needing nothing else (not-found) does not load the whole runtime.
 */
export const logger = (): RedactingLogger => (instance ??= new RedactingLogger({ serviceName: 'halo' }));
