package org.truckeefs.api;

import java.io.IOException;

/**
 * An operation failed with a POSIX error. The message is safe to show to a user and to log: it never
 * contains a capability, a password or file contents.
 *
 * <p>It carries no stack trace of its own: it is an answer (ENOENT for every negative lookup, EEXIST, EACCES...),
 * thrown thousands of times a second on hot paths where filling a trace through the FUSE upcall's deep stack cost
 * more than the answer. What went wrong unexpectedly is the {@linkplain #getCause() cause}, which keeps its trace.
 */
public class FsException extends IOException {
  private static final long serialVersionUID = 1L;
  private final FsError error;

  public FsException(FsError error, String message) {
    this(error, message, null);
  }

  public FsException(FsError error, String message, Throwable cause) {
    super(message, cause);
    this.error = error;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this; // see the class comment
  }

  public FsError error() {
    return error;
  }

  public int errno() {
    return error.errno();
  }

  @Override
  public String getMessage() {
    return error.symbol() + ": " + super.getMessage();
  }

  public static FsException notFound(String what) {
    return new FsException(FsError.NOT_FOUND, what);
  }

  public static FsException exists(String what) {
    return new FsException(FsError.EXISTS, what);
  }

  public static FsException of(FsError error, String message) {
    return new FsException(error, message);
  }
}
