package org.truckeefs.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Reaches Redis once before the filesystem creates anything: connect, AUTH (with {@code redis_pass}), SELECT
 * {@code redis_db}, PING, QUIT. Three commands over a plain socket rather than a Redisson client, whose start (event
 * loops, pools) would cost more than the check and be thrown away; the real client comes later, in
 * {@link RedisCoordinator}. Messages name the setting to fix, never the password.
 */
final class RedisProbe {
  private RedisProbe() {}

  static void check(RedisSettings s) throws FsException {
    String server = s.host() + ":" + s.port() + "/" + s.database();
    int timeout = (int) Math.max(100, s.timeout().toMillis());
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(s.host(), s.port()), timeout);
      socket.setSoTimeout(timeout);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      if (s.password().isPresent()) {
        String r = command(out, in, "AUTH", s.password().get());
        if (!r.startsWith("+")) {
          throw new FsException(FsError.ACCESS_DENIED, "Redis at " + server + " refused the password ("
              + firstWord(r) + "); check redis_pass");
        }
      }
      String r = command(out, in, "SELECT", String.valueOf(s.database()));
      if (r.startsWith("-NOAUTH")) {
        throw new FsException(FsError.ACCESS_DENIED, "Redis at " + server + " requires a password; set redis_pass");
      }
      if (!r.startsWith("+")) {
        throw new FsException(FsError.INVALID, "Redis at " + server + " has no database " + s.database() + " ("
            + firstWord(r) + "); check redis_db");
      }
      r = command(out, in, "PING");
      if (!r.startsWith("+")) {
        throw new FsException(FsError.IO, "Redis at " + server + " does not answer PING (" + firstWord(r) + ")");
      }
      command(out, in, "QUIT");
    } catch (SocketTimeoutException e) {
      throw new FsException(FsError.TIMED_OUT, "Redis at " + server + " did not answer within " + timeout
          + " ms; check redis_host and redis_port, or raise redis_timeout");
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "cannot reach Redis at " + server + " (" + e.getClass().getSimpleName()
          + "); check that it runs, and redis_host, redis_port");
    }
  }

  /** Sends one command as a RESP array of bulk strings and returns the reply's first line. */
  private static String command(OutputStream out, InputStream in, String... words) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(("*" + words.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String w : words) {
      byte[] bytes = w.getBytes(StandardCharsets.UTF_8);
      b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.writeBytes(bytes);
      b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.write(b.toByteArray());
    out.flush();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        line.write(c);
      }
    }
    if (c == -1 && line.size() == 0) {
      throw new IOException("connection closed");
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  /** The error's code ({@code -WRONGPASS ...} gives WRONGPASS): Redis errors never echo the password, but be sure. */
  private static String firstWord(String reply) {
    String r = reply.startsWith("-") ? reply.substring(1) : reply;
    int sp = r.indexOf(' ');
    return sp < 0 ? r : r.substring(0, sp);
  }
}
