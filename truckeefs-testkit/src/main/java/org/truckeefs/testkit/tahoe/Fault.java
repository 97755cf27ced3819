package org.truckeefs.testkit.tahoe;

import java.time.Duration;
import java.util.Objects;

/**
 * What the emulated gateway does instead of (or before) answering a request; see
 * {@link TahoeGatewayEmulator#injectFaults}.
 */
public final class Fault {
  enum Action { RESPOND, TRACEBACK, DROP, DROP_AFTER_HANDLING, DELAY }

  final Action action;
  final int status;
  final String contentType;
  final String body;
  final String exceptionClass;
  final Duration delay;

  private Fault(Action action, int status, String contentType, String body, String exceptionClass, Duration delay) {
    this.action = action;
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.exceptionClass = exceptionClass;
    this.delay = delay;
  }

  /** Answers with this status and body instead of handling the request. */
  public static Fault respond(int status, String contentType, String body) {
    return new Fault(Action.RESPOND, status, Objects.requireNonNull(contentType), Objects.requireNonNull(body), null,
        null);
  }

  /** A 500 whose body is a Twisted traceback of {@code exceptionClass} (plain or HTML by the Accept header). */
  public static Fault traceback(String exceptionClass, String message) {
    return new Fault(Action.TRACEBACK, 500, null, message, exceptionClass, null);
  }

  /** 500 {@code NoServersError}: the gateway is connected to no storage server. */
  public static Fault noServers() {
    return traceback("allmydata.interfaces.NoServersError", "Failed to load shares: no servers connected");
  }

  /** 500 {@code UploadUnhappinessError}: not enough servers accepted the shares. */
  public static Fault uploadUnhappiness() {
    return traceback("allmydata.interfaces.UploadUnhappinessError",
        "shares could be placed or found on only 0 server(s). We were asked to place shares on at least 1 server(s)");
  }

  /** 410 Gone with a {@code NoSharesError} text: the object is unrecoverable. */
  public static Fault gone() {
    return respond(410, "text/plain;charset=utf-8", "NoSharesError: no shares could be found.");
  }

  /** Closes the connection without an answer, before the request has any effect. */
  public static Fault dropConnection() {
    return new Fault(Action.DROP, 0, null, null, null, null);
  }

  /** Handles the request (it takes effect), then closes the connection without an answer. */
  public static Fault dropAfterHandling() {
    return new Fault(Action.DROP_AFTER_HANDLING, 0, null, null, null, null);
  }

  /** Waits, then handles the request normally. */
  public static Fault delay(Duration delay) {
    return new Fault(Action.DELAY, 0, null, null, null, Objects.requireNonNull(delay));
  }

  @Override
  public String toString() {
    return "Fault[" + action + (status != 0 ? " " + status : "") + (delay != null ? " " + delay : "") + "]";
  }
}
