package org.truckeefs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.truckeefs.api.FsException;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.spi.StoreStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the backends, mounts of this data directory, metadata totals, cache use and pending uploads.")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    PrintWriter out = top.spec.commandLine().getOut();
    var config = Engine.config(s);
    out.println("metadata:     " + safe(config.metadataUri().toString()));
    out.println("blobs:        " + safe(config.blobUri().toString()) + (s.get("rootcap").isPresent() ? " (rootcap set)" : ""));
    out.println("coordination: " + safe(config.coordinatorUri().toString()));
    out.println("data dir:     " + config.dataDir());
    List<String> mounts = OfflineStores.liveMounts(s.dataDir());
    out.println("mounted on:   " + (mounts.isEmpty() ? "(not mounted from this data dir)" : String.join(", ", mounts)));
    mounts.forEach(m -> {
      Path mp = Path.of(m.replaceFirst(" \\(pid .*", ""));
      if (!FuseMount.isMountedAt(mp)) {
        out.println("  warning: " + mp + " has a live process but no mount");
      }
    });
    Path cache = config.cacheDir();
    out.println("cache:        " + cache + ", " + human(du(cache)) + " used"
        + (config.cacheSize() > 0 ? " of " + human(config.cacheSize()) : " (no limit)"));
    try (OfflineStores st = OfflineStores.open(s)) {
      if (st.ephemeral()) {
        out.println("files:        (metadata in memory: only the mount process knows)");
        return 0;
      }
      StoreStats stats = st.metadata.stats();
      out.println("files:        " + stats.inodes() + " inodes, " + human(stats.bytes()));
      out.println("orphans:      " + st.metadata.orphans().size());
      Path hostId = cache.resolve("host-id");
      if (Files.isRegularFile(hostId)) {
        String owner = Files.readString(hostId).trim();
        out.println("pending:      " + st.metadata.journal(owner).size() + " upload(s) waiting in this host's journal");
      }
    } catch (FsException e) {
      out.println("metadata:     unreachable: " + e.getMessage());
      return UserError.FAILED;
    }
    return 0;
  }

  private static String safe(String uri) {
    return uri.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
  }

  static long du(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String units = "KMGTPE";
    int u = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    return String.format("%.1f %siB", bytes / (double) (1L << (u * 10)), units.charAt(u - 1));
  }
}
