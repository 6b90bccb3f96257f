/**
 * Errors that carry an HTTP status, turned into JSON by the server's error handler.
 *
 * @packageDocumentation
 */

/** An error whose message is safe to show to the client. */
export class HttpError extends Error {
  /** HTTP status code. */
  readonly statusCode: number;

  /**
   * @param statusCode - HTTP status to answer with
   * @param message - message for the client
   */
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
  }
}
