package org.truckeefs.testkit.tahoe;

/**
 * A failure the emulated gateway reports, with where Tahoe would raise it: during path traversal (a Twisted HTML
 * ErrorPage whatever the Accept header says), in a handler (text/plain), as an unmapped exception (500 traceback),
 * or from a directory's {@code ?t=json} (JSON {@code {"error": ...}}).
 */
final class WebError extends Exception {
  private static final long serialVersionUID = 1L;

  enum Kind { TRAVERSAL, HANDLER, TRACEBACK, JSON }

  final int status;
  final Kind kind;
  /** For tracebacks, the Python exception's qualified name. */
  final String exceptionClass;

  private WebError(int status, Kind kind, String exceptionClass, String message) {
    super(message, null, false, false);
    this.status = status;
    this.kind = kind;
    this.exceptionClass = exceptionClass;
  }

  static WebError handler(int status, String message) {
    return new WebError(status, Kind.HANDLER, null, message);
  }

  static WebError traversal(int status, String message) {
    return new WebError(status, Kind.TRAVERSAL, null, message);
  }

  static WebError traceback(String exceptionClass, String message) {
    return new WebError(500, Kind.TRACEBACK, exceptionClass, message);
  }

  WebError asJson() {
    return new WebError(status, Kind.JSON, exceptionClass, getMessage());
  }

  static WebError noSuchChild(String name, boolean traversal) {
    String msg = "No such child: " + name;
    return traversal ? traversal(404, msg) : handler(404, msg);
  }

  static WebError existingChild() {
    return handler(409, "There was already a child by that name, and you asked me to not replace it.");
  }

  static WebError notWriteable() {
    return traceback("allmydata.mutable.common.NotWriteableError", "");
  }

  static WebError noShares() {
    return handler(410, "NoSharesError: no shares could be found. Zero shares usually indicates a corrupt URI, or"
        + " that no servers were connected, but it might also indicate severe corruption. You should perform a"
        + " filecheck on this object to learn more.");
  }

  static WebError noServers() {
    return traceback("allmydata.interfaces.NoServersError", "Failed to load shares: no servers connected");
  }
}
