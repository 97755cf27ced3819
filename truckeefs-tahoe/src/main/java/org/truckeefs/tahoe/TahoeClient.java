package org.truckeefs.tahoe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The gateway's HTTP client: a pooled Apache HttpClient 5, {@code Accept: text/plain} on every request (so 500s
 * come back as plain tracebacks we can read), the bearer token, censored logging, and retries.
 *
 * <p>Retries are a small loop here rather than HttpClient's {@code HttpRequestRetryStrategy}: whether a 500 is
 * worth retrying depends on the Python exception named in its body ({@code NoServersError} yes,
 * {@code NotWriteableError} no), which that strategy cannot see, and the final failure must become the right
 * errno. Only idempotent requests are retried: GET/HEAD, {@code t=check}, and {@code PUT /uri}, which is
 * idempotent because immutable uploads converge on the same cap.
 */
final class TahoeClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TahoeClient.class);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private final TahoeConfig config;
  private final String base;
  private final PoolingHttpClientConnectionManager pool;
  private final CloseableHttpClient http;

  /** Reads a 2xx answer. */
  @FunctionalInterface
  interface Reader<T> {
    T read(ClassicHttpResponse response) throws IOException;
  }

  /** A non-2xx answer, before it becomes an errno. */
  private record Failed(int status, String body) {}

  TahoeClient(TahoeConfig config) {
    this.config = config;
    this.base = config.gateway().toString();
    Timeout timeout = Timeout.of(config.netTimeout());
    this.pool = PoolingHttpClientConnectionManagerBuilder.create()
        .setMaxConnTotal(config.maxConnections())
        .setMaxConnPerRoute(config.maxConnections())
        .setDefaultConnectionConfig(ConnectionConfig.custom()
            .setConnectTimeout(timeout)
            .setSocketTimeout(timeout)
            .setValidateAfterInactivity(TimeValue.ofSeconds(2))
            .build())
        .build();
    this.http = HttpClients.custom()
        .setConnectionManager(pool)
        .setDefaultRequestConfig(RequestConfig.custom()
            .setResponseTimeout(timeout)
            .setConnectionRequestTimeout(timeout)
            .setRedirectsEnabled(false)
            .build())
        .disableAutomaticRetries()
        .disableCookieManagement()
        .setUserAgent("TruckeeFS")
        .build();
  }

  String baseUrl() {
    return base;
  }

  /**
   * Sends a request and reads its 2xx answer, retrying idempotent requests on transport failures and transient
   * 5xx answers with exponential backoff ({@code net_retries}, {@code net_retry_delay}).
   *
   * @param target path and query, caps included (never logged as is)
   * @param body the request body; must be repeatable when {@code idempotent}; null for none
   */
  <T> T execute(String method, String target, Supplier<HttpEntity> body, boolean idempotent, Reader<T> reader,
      String... headers) throws FsException {
    String operation = method + " " + Censor.target(target);
    int attempts = idempotent ? config.retries() + 1 : 1;
    for (int attempt = 1; ; attempt++) {
      HttpUriRequestBase request = new HttpUriRequestBase(method, java.net.URI.create(base + target));
      request.setHeader(HttpHeaders.ACCEPT, "text/plain");
      config.authToken().ifPresent(t -> request.setHeader(HttpHeaders.AUTHORIZATION, "Bearer " + t));
      for (int i = 0; i + 1 < headers.length; i += 2) {
        request.setHeader(headers[i], headers[i + 1]);
      }
      if (body != null) {
        request.setEntity(body.get());
      }
      long t0 = System.nanoTime();
      FsException failure;
      boolean retryable;
      try {
        Object outcome = http.execute(request, response -> {
          int code = response.getCode();
          if (code >= 200 && code < 300) {
            return reader.read(response);
          }
          return new Failed(code, readLimited(response.getEntity()));
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (!(outcome instanceof Failed f)) {
          log.debug("{} -> ok in {} ms", operation, ms);
          @SuppressWarnings("unchecked")
          T t = (T) outcome;
          return t;
        }
        log.debug("{} -> {} in {} ms", operation, f.status(), ms);
        failure = TahoeErrors.fromResponse(f.status(), f.body(), operation);
        retryable = TahoeErrors.isTransient(f.status(), f.body());
      } catch (FsException e) {
        throw e; // raised by the reader: a well-formed answer we cannot use; sending it again will not help
      } catch (IOException e) {
        failure = TahoeErrors.fromTransport(e, base, operation);
        retryable = true;
      }
      if (!idempotent || !retryable || attempt >= attempts) {
        if (attempt > 1) {
          log.warn("{} failed after {} attempts: {}", operation, attempt, failure.getMessage());
        }
        throw failure;
      }
      long delay = backoffMillis(attempt);
      log.info("{} failed ({}); retry {}/{} in {} ms", operation, failure.getMessage(), attempt, attempts - 1, delay);
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FsException(FsError.INTERRUPTED, "interrupted while waiting to retry " + operation);
      }
    }
  }

  private long backoffMillis(int attempt) {
    long base = config.retryDelay().toMillis();
    long max = TahoeConfig.MAX_RETRY_DELAY.toMillis();
    long d = Math.min(max, base << Math.min(attempt - 1, 20));
    // Full jitter on the upper half keeps many clients from retrying in lockstep.
    return d / 2 + (d > 1 ? ThreadLocalRandom.current().nextLong(d / 2 + 1) : 0);
  }

  private static String readLimited(HttpEntity entity) throws IOException {
    if (entity == null) {
      return "";
    }
    try (InputStream in = entity.getContent()) {
      return new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
    }
  }

  /** Reads a whole text answer (a cap, "thing moved"). */
  static String text(ClassicHttpResponse response) throws IOException {
    HttpEntity e = response.getEntity();
    if (e == null) {
      return "";
    }
    try (InputStream in = e.getContent()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static JsonNode json(ClassicHttpResponse response) throws IOException {
    HttpEntity e = response.getEntity();
    if (e == null) {
      throw new FsException(FsError.IO, "the Tahoe gateway answered with an empty body where JSON was expected");
    }
    try (InputStream in = e.getContent()) {
      return JSON.readTree(in);
    } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
      throw new FsException(FsError.IO, "the Tahoe gateway answered with JSON that does not parse");
    }
  }

  /** {@code /uri/CAP[/name...]} with each name percent-encoded as docs/tahoe-webapi.md 2.6 says. */
  static String capPath(String cap, String... names) {
    StringBuilder sb = new StringBuilder("/uri/").append(cap);
    for (String n : names) {
      sb.append('/').append(encode(n));
    }
    return sb.toString();
  }

  /** Percent-encodes the UTF-8 bytes of everything but RFC 3986 unreserved characters (so {@code +} is %2B). */
  static String encode(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {
    http.close(CloseMode.GRACEFUL);
    pool.close(CloseMode.GRACEFUL);
  }

  @Override
  public String toString() {
    return "TahoeClient[" + base + "]";
  }
}
