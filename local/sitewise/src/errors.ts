/**
 * Service errors as the restJson1 protocol carries them: the HTTP status of the error shape,
 * the shape name in the `x-amzn-errortype` header, and `{message, ...members}` as the body.
 * The AWS SDK turns them into its typed exceptions (InvalidRequestException, ...).
 */

/** Error shapes of the IoT SiteWise model, with the HTTP status each one is declared with. */
export const ERROR_STATUS = {
  AccessDeniedException: 403,
  ConflictingOperationException: 409,
  InternalFailureException: 500,
  InvalidRequestException: 400,
  LimitExceededException: 410,
  ResourceAlreadyExistsException: 409,
  ResourceNotFoundException: 404,
  ServiceUnavailableException: 503,
  ThrottlingException: 429,
  /** Not a SiteWise shape: what an unknown route gets (the SDK throws a generic service exception). */
  UnknownOperationException: 404,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ServiceError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra members of the error shape, e.g. resourceId / resourceArn of ConflictingOperationException. */
    readonly members: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
    this.status = ERROR_STATUS[code];
  }

  body(): Record<string, string> {
    return { message: this.message, ...this.members };
  }
}

export const invalid = (message: string): ServiceError => new ServiceError('InvalidRequestException', message);
export const notFound = (message: string): ServiceError => new ServiceError('ResourceNotFoundException', message);
export const conflict = (message: string, resourceId: string, resourceArn: string): ServiceError =>
  new ServiceError('ConflictingOperationException', message, { resourceId, resourceArn });
export const alreadyExists = (message: string, resourceId: string, resourceArn: string): ServiceError =>
  new ServiceError('ResourceAlreadyExistsException', message, { resourceId, resourceArn });
