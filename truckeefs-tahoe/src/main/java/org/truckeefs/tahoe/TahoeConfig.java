package org.truckeefs.tahoe;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

/**
 * The Tahoe backend's settings, validated once. {@link #toString()} never shows rootcap or auth_token.
 *
 * @param gateway the gateway's base URL ({@code tahoe_url}), without a trailing slash
 * @param rootcap the writable directory cap everything hangs under ({@code rootcap}); a secret
 * @param strategy {@code backend_storage_strategy}
 * @param maxConnections pool size ({@code max_connections})
 * @param netTimeout connect and read timeout ({@code net_timeout})
 * @param authToken sent as a bearer token when present ({@code auth_token}); a secret
 * @param retries extra attempts for idempotent requests ({@code net_retries})
 * @param retryDelay first backoff delay, doubled per attempt up to {@link #MAX_RETRY_DELAY} ({@code net_retry_delay})
 */
record TahoeConfig(URI gateway, TahoeCap rootcap, StorageStrategy strategy, int maxConnections, Duration netTimeout,
    Optional<String> authToken, int retries, Duration retryDelay) {
  static final String DEFAULT_URL = "http://127.0.0.1:3456";
  static final int DEFAULT_MAX_CONNECTIONS = 10;
  static final Duration DEFAULT_NET_TIMEOUT = Duration.ofSeconds(30);
  static final int DEFAULT_RETRIES = 3;
  static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(200);
  static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(5);

  static TahoeConfig from(URI uri, BackendConfig c) throws FsException {
    String url = c.get("tahoe_url").orElse(uri != null && uri.getHost() != null
        ? "http://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") : DEFAULT_URL);
    URI gateway;
    try {
      gateway = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      throw new FsException(FsError.INVALID, "setting tahoe_url = '" + url + "' is not a URL");
    }
    if (!"http".equals(gateway.getScheme()) && !"https".equals(gateway.getScheme()) || gateway.getHost() == null) {
      throw new FsException(FsError.INVALID, "setting tahoe_url = '" + url
          + "' is not an http(s) URL like " + DEFAULT_URL);
    }
    Optional<String> rc = c.get("rootcap");
    if (rc.isEmpty()) {
      throw new FsException(FsError.INVALID,
          "setting rootcap is missing: set it to a writable Tahoe directory cap (URI:DIR2:... from `tahoe mkdir`)");
    }
    TahoeCap root;
    try {
      root = TahoeCap.parse(rc.get());
    } catch (FsException e) {
      root = null;
    }
    if (root == null || !root.isWritableDirectory()) {
      throw new FsException(FsError.INVALID,
          "setting rootcap is not a writable Tahoe directory cap (it must start with URI:DIR2: or URI:DIR2-MDMF:)");
    }
    StorageStrategy strategy;
    String s = c.getString("backend_storage_strategy", "FLAT");
    try {
      strategy = StorageStrategy.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new FsException(FsError.INVALID, "setting backend_storage_strategy = '" + s + "' is not FLAT or MIRROR");
    }
    int maxConnections = c.getInt("max_connections", DEFAULT_MAX_CONNECTIONS);
    if (maxConnections < 1) {
      throw new FsException(FsError.INVALID, "setting max_connections = " + maxConnections + " must be at least 1");
    }
    if (strategy == StorageStrategy.MIRROR && maxConnections < 2) {
      // A mirrored file is read from the grid into its whole-file upload while that upload holds a connection.
      throw new FsException(FsError.INVALID, "setting max_connections = " + maxConnections
          + " must be at least 2 with backend_storage_strategy = MIRROR");
    }
    Duration netTimeout = c.getDuration("net_timeout", DEFAULT_NET_TIMEOUT);
    if (netTimeout.isZero()) {
      throw new FsException(FsError.INVALID, "setting net_timeout must be more than 0");
    }
    int retries = c.getInt("net_retries", DEFAULT_RETRIES);
    if (retries < 0) {
      throw new FsException(FsError.INVALID, "setting net_retries = " + retries + " must not be negative");
    }
    Duration retryDelay = c.getDuration("net_retry_delay", DEFAULT_RETRY_DELAY);
    return new TahoeConfig(gateway, root, strategy, maxConnections, netTimeout, c.get("auth_token"), retries,
        retryDelay);
  }

  @Override
  public String toString() {
    return "TahoeConfig[" + gateway + ", " + strategy + ", max_connections=" + maxConnections + ", net_timeout="
        + netTimeout + ", retries=" + retries + (authToken.isPresent() ? ", auth_token=***" : "") + "]";
  }
}
