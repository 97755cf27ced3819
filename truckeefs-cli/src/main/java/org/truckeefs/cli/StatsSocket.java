package org.truckeefs.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every mount's private metrics: a Unix domain socket next to its pid file ({@code <data_dir>/run/mount-*.sock},
 * 0600 in the 0700 run directory) that answers each connection with the Prometheus text of the mount's registry
 * and closes it. {@code truckeefs stats} reads it, so the live view needs no TCP port and no {@code --metrics}; only
 * the user who mounted (and root) can connect. One daemon thread serves connections one at a time: a scrape takes
 * milliseconds and the socket is not a public endpoint.
 */
final class StatsSocket implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatsSocket.class);

  private final Path file;
  private final ServerSocketChannel server;
  private final Thread thread;

  private StatsSocket(Path file, ServerSocketChannel server, PrometheusMeterRegistry registry) {
    this.file = file;
    this.server = server;
    this.thread = new Thread(() -> serve(registry), "truckeefs-stats-socket");
    thread.setDaemon(true);
  }

  /** The socket of the mount on {@code mountPoint}: the pid file's sibling. */
  static Path path(Path dataDir, Path mountPoint) {
    Path pid = PidFile.path(dataDir, mountPoint);
    return pid.resolveSibling(pid.getFileName().toString().replace(".pid", ".sock"));
  }

  /**
   * Serves {@code registry} on {@link #path}; the run directory exists (the pid file is made first). A socket left
   * by a killed mount is replaced: the data dir lock says no other mount of it runs.
   */
  static StatsSocket start(Path dataDir, Path mountPoint, PrometheusMeterRegistry registry) throws IOException {
    Path f = path(dataDir, mountPoint);
    Files.deleteIfExists(f);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(f));
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | RuntimeException e) {
      server.close();
      Files.deleteIfExists(f);
      throw e;
    }
    StatsSocket s = new StatsSocket(f, server, registry);
    s.thread.start();
    return s;
  }

  /** The Prometheus text the mount on the other end of {@code socket} serves. */
  static String read(Path socket) throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      while (ch.read(buf) >= 0) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private void serve(PrometheusMeterRegistry registry) {
    while (server.isOpen()) {
      try (SocketChannel c = server.accept()) {
        ByteBuffer body = ByteBuffer.wrap(registry.scrape().getBytes(StandardCharsets.UTF_8));
        while (body.hasRemaining()) {
          c.write(body);
        }
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        log.debug("stats socket: {}", e.toString()); // a client that went away; serve the next
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.debug("closing the stats socket: {}", e.toString());
    }
  }
}
