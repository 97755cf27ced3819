package org.truckeefs.testkit.tahoe;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The emulator's HTTP edge: applies injected faults, reads the request, runs it through {@link WapiRouter} under the
 * grid lock and the latency model, records it, and writes the answer as Twisted would (HEAD, 304, headers).
 */
final class GatewayHandler implements HttpHandler {
  private final TahoeGatewayEmulator emulator;
  private final Grid grid;
  private final WapiRouter router;

  GatewayHandler(TahoeGatewayEmulator emulator) {
    this.emulator = emulator;
    this.grid = emulator.grid;
    this.router = new WapiRouter(emulator);
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    String rawPath = ex.getRequestURI().getRawPath();
    Map<String, List<String>> args = WapiArgs.parseQuery(ex.getRequestURI().getRawQuery());
    try {
      Fault fault = emulator.takeFault(method);
      boolean dropAfter = false;
      if (fault != null) {
        switch (fault.action) {
          case DELAY -> sleep(fault.delay.toMillis());
          case DROP -> {
            drop(ex, method, rawPath, args);
            return;
          }
          case RESPOND -> {
            ex.getRequestBody().readAllBytes();
            send(ex, method, rawPath, args, new WapiResponse(fault.status, fault.contentType, fault.body));
            return;
          }
          case TRACEBACK -> {
            ex.getRequestBody().readAllBytes();
            send(ex, method, rawPath, args,
                WapiViews.error(WebError.traceback(fault.exceptionClass, fault.body), ex.getRequestHeaders()));
            return;
          }
          case DROP_AFTER_HANDLING -> dropAfter = true;
        }
      }
      byte[] body = ex.getRequestBody().readAllBytes();
      // Hash uploads outside the grid lock, so parallel uploads are encoded in parallel as on a real gateway.
      Grid.Prepared prepared =
          method.equals("PUT") && !"uri".equals(WapiArgs.first(args, "t")) ? grid.prepare(body) : null;
      WapiRequest req = new WapiRequest(method, rawPath, args, ex.getRequestHeaders(), body, prepared);
      WapiResponse resp;
      try {
        resp = emulator.latency.write(emulator.latency.writeCost(method, rawPath, args, body.length), () -> {
          synchronized (grid) {
            return router.dispatch(req);
          }
        });
      } catch (WebError e) {
        resp = WapiViews.error(e, ex.getRequestHeaders());
      } catch (DirectoryOps.Crash c) {
        drop(ex, method, rawPath, args);
        return;
      }
      if (dropAfter) {
        drop(ex, method, rawPath, args);
        return;
      }
      emulator.latency.beforeAnswer(method, rawPath, args, resp.status, resp.body.length);
      send(ex, method, rawPath, args, resp);
    } catch (RuntimeException | IOException e) {
      // A bug in the emulator itself: say so plainly rather than imitate Tahoe.
      send(ex, method, rawPath, args, WapiResponse.text(500, "emulator failure: " + e));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes the connection without an answer; recorded with status 0. */
  private void drop(HttpExchange ex, String method, String rawPath, Map<String, List<String>> args) {
    emulator.record(new RecordedRequest(method, rawPath, args, 0));
    ex.close();
  }

  private void send(HttpExchange ex, String method, String rawPath, Map<String, List<String>> args, WapiResponse r)
      throws IOException {
    emulator.record(new RecordedRequest(method, rawPath, args, r.status));
    Headers h = ex.getResponseHeaders();
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    r.headers.forEach(h::set);
    boolean noBody = method.equals("HEAD") || r.status == 304;
    if (noBody) {
      if (r.status != 304) {
        h.set("Content-Length", Long.toString(r.body.length));
      }
      ex.sendResponseHeaders(r.status, -1);
    } else {
      ex.sendResponseHeaders(r.status, r.body.length == 0 ? -1 : r.body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(r.body);
      }
    }
    ex.close();
  }
}
