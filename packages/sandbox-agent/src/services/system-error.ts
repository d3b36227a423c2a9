import {
  AgentError,
  AlreadyExistsError,
  InvalidArgumentError,
  NotARegularFileError,
  NotEnoughSpaceError,
  NotFoundError,
  PermissionDeniedError,
} from '../errors.js';

/**
 * Turns an errno from a file system call into the agent error the SDKs expect
 * (ENOENT → not found, EACCES → permission denied, ENOSPC → 507, ...). Anything that is not
 * an errno error is passed through untouched so real bugs keep their stack.
 */
export function fromSystemError(error: unknown, path: string): unknown {
  if (error instanceof AgentError || !isErrnoError(error)) return error;
  switch (error.code) {
    case 'ENOENT':
      return new NotFoundError(`path '${path}' does not exist`);
    case 'EACCES':
    case 'EPERM':
      return new PermissionDeniedError(`permission denied for '${path}': the sandbox user may not access it`);
    case 'EROFS':
      return new PermissionDeniedError(`'${path}' is on a read-only file system: the sandbox user may write only in writable directories such as its home and /tmp`);
    case 'EEXIST':
      return new AlreadyExistsError(`'${path}' already exists`);
    case 'ENOTDIR':
      return new InvalidArgumentError(`a component of '${path}' is not a directory`);
    case 'EISDIR':
      return new InvalidArgumentError(`'${path}' is a directory; pass a file path`);
    case 'ENOTEMPTY':
      return new InvalidArgumentError(`directory '${path}' is not empty`);
    case 'ENAMETOOLONG':
      return new InvalidArgumentError(`path '${path.slice(0, 80)}…' is too long`);
    case 'ELOOP':
      return new InvalidArgumentError(`too many symbolic links in '${path}'`);
    case 'EXDEV':
      return new InvalidArgumentError(`cannot move '${path}' across file systems`);
    // A non-blocking open answers these for a unix socket, a FIFO nobody reads (for writing)
    // and devices without a driver behind them: none of them is a file to read or write.
    case 'ENXIO':
    case 'ENODEV':
    case 'EAGAIN':
      return new NotARegularFileError(path, 'a unix socket, a FIFO with no process on its other end, or a device');
    case 'ENOSPC':
    case 'EDQUOT':
      return new NotEnoughSpaceError(`not enough disk space to write '${path}'; free some space in the sandbox`);
    default:
      return error;
  }
}

export function isErrnoError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}
