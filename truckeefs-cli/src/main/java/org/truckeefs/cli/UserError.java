package org.truckeefs.cli;

/**
 * A problem the user can fix, reported as one line without a stack trace. Exit code 2 for bad input
 * (configuration, arguments), 1 for a failing environment or backend.
 */
final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  static final int BAD_INPUT = 2;
  static final int FAILED = 1;

  private final int exitCode;

  UserError(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  static UserError badInput(String message) {
    return new UserError(BAD_INPUT, message);
  }

  static UserError failed(String message) {
    return new UserError(FAILED, message);
  }

  int exitCode() {
    return exitCode;
  }
}
