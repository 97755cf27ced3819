package org.truckeefs.sql;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

/**
 * Where a MariaDB/MySQL store connects, validated once from the URI ({@code mariadb://host:port/db}) and the
 * {@code sql_*} settings; the URI wins, the settings fill what it leaves out. {@link #toString()} hides the password.
 */
record MariaDbTarget(String host, int port, String database, String user, String password, String sslMode,
    int poolSize, Duration connectTimeout) {

  static final int DEFAULT_PORT = 3306;
  private static final Pattern ENGINE = Pattern.compile("(mysql|mariadb)(\\+[A-Za-z0-9_]+)?|sqlite");
  private static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9_$]{1,64}");

  static MariaDbTarget from(URI uri, BackendConfig config) throws FsException {
    Optional<String> engine = config.get("sql_engine");
    if (engine.isPresent() && !ENGINE.matcher(engine.get().toLowerCase(Locale.ROOT)).matches()) {
      throw new FsException(FsError.INVALID, "setting sql_engine = '" + engine.get()
          + "' is not mysql or mariadb (optionally with a driver suffix such as mysql+asyncmy)");
    }
    String host = uri.getHost();
    int port = uri.getPort();
    if (host == null || host.isEmpty()) {
      String setting = config.require("sql_host");
      int colon = setting.lastIndexOf(':');
      if (colon > 0 && setting.indexOf(':') == colon) {
        host = setting.substring(0, colon);
        port = parsePort("sql_host", setting.substring(colon + 1));
      } else {
        host = setting;
      }
    }
    if (port < 0) {
      port = config.getInt("sql_port", DEFAULT_PORT);
      if (port <= 0 || port > 65535) {
        throw new FsException(FsError.INVALID, "setting sql_port = " + port + " is not a TCP port");
      }
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/+", "");
    String database = path.isEmpty() ? config.require("sql_db") : path;
    if (!DATABASE.matcher(database).matches()) {
      throw new FsException(FsError.INVALID, "setting sql_db = '" + database
          + "' is not a database name (letters, digits, _ and $, at most 64)");
    }
    String user = config.getString("sql_user", "root");
    String password = config.asMap().getOrDefault("sql_pass", "");
    String ssl = config.getString("sql_ssl", "false").toLowerCase(Locale.ROOT);
    String sslMode = switch (ssl) {
      case "false", "no", "off", "0", "disable" -> "disable";
      case "true", "yes", "on", "1", "verify-full" -> "verify-full";
      case "trust", "verify-ca" -> ssl;
      default -> throw new FsException(FsError.INVALID, "setting sql_ssl = '" + ssl
          + "' is not true, false, trust, verify-ca or verify-full");
    };
    int poolSize = config.getInt("sql_pool_size", 8);
    if (poolSize < 2) {
      throw new FsException(FsError.INVALID, "setting sql_pool_size = " + poolSize + " is below 2");
    }
    Duration timeout = config.getDuration("net_timeout", Duration.ofSeconds(10));
    return new MariaDbTarget(host, port, database, user, password, sslMode, poolSize,
        timeout.isZero() ? Duration.ofSeconds(10) : timeout);
  }

  private static int parsePort(String key, String raw) throws FsException {
    try {
      int p = Integer.parseInt(raw);
      if (p > 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new FsException(FsError.INVALID, "setting " + key + " has port '" + raw + "', which is not a TCP port");
  }

  String hostAndPort() {
    return host + ":" + port;
  }

  /**
   * The JDBC URL, without credentials. allowMultiQueries lets a write send its marker and COMMIT in one round trip;
   * the store never builds SQL from user data (jOOQ binds every value), so it opens no injection path.
   */
  String jdbcUrl() {
    return "jdbc:mariadb://" + hostAndPort() + "/" + database + "?sslMode=" + sslMode
        + "&allowMultiQueries=true&connectTimeout=" + connectTimeout.toMillis() + "&socketTimeout=" + Math.max(60_000, connectTimeout.toMillis() * 6);
  }

  @Override
  public String toString() {
    return "MariaDbTarget[" + user + "@" + hostAndPort() + "/" + database + ", ssl=" + sslMode + "]";
  }
}
