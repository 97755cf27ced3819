package org.truckeefs.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code truckeefs info PATH}: where a file's data lives. Reads the metadata store directly (no mount needed; a
 * path under a live mount of this data dir is taken relative to it). Blob references are capabilities (secrets),
 * so each is shown as a short fingerprint, never in full.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
    description = "Show a file's inode, attributes and chunks: for each chunk its length, the blob store holding"
        + " it, a fingerprint of its blob (never the capability itself) and whether it is in the local cache.")
final class InfoCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Parameters(paramLabel = "PATH", description = "A path under a mount of this data dir, or a path inside the"
      + " filesystem (/docs/a.txt).")
  String path;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    String inside = relative(s);
    PrintWriter out = top.spec.commandLine().getOut();
    try (OfflineStores st = OfflineStores.open(s)) {
      if (st.ephemeral()) {
        throw UserError.failed("metadata is in memory (memory:): only the mount process knows its files");
      }
      InodeId id = InodeId.ROOT;
      for (String part : inside.split("/")) {
        if (part.isEmpty()) {
          continue;
        }
        Optional<DirEntry> e = st.metadata.lookup(id, Name.of(part));
        if (e.isEmpty()) {
          throw UserError.badInput(path + ": no such file or directory in the filesystem");
        }
        id = e.get().inode();
      }
      InodeAttributes a = st.metadata.getAttributes(id);
      out.println("path:    " + inside);
      out.println("inode:   " + id.value() + " (" + a.type().name().toLowerCase(java.util.Locale.ROOT) + ")");
      out.println(String.format("size:    %d bytes, mode %04o, uid %d, gid %d, links %d", a.size(), a.mode(),
          a.uid(), a.gid(), a.nlink()));
      if (a.isFile()) {
        List<ChunkRef> chunks = st.metadata.chunks(id);
        String store = st.config.blobUri().getScheme();
        out.println("chunks:  " + chunks.size() + " of up to " + StatusCommand.human(st.config.chunkSize())
            + " in " + store);
        Path cached = st.config.cacheDir().resolve("chunks");
        for (ChunkRef c : chunks) {
          out.println(String.format("  #%-6d %10d bytes  blob %s  %s", c.index(), c.length(), fingerprint(c.blob()),
              Files.exists(cached.resolve(cacheKey(c.blob()))) ? "cached" : "not cached"));
        }
      }
    }
    return 0;
  }

  /** PATH under a live mount of this data dir → the path inside the filesystem; otherwise PATH as given. */
  private String relative(Settings s) {
    Path p = Path.of(path).toAbsolutePath().normalize();
    for (String m : OfflineStores.liveMounts(s.dataDir())) {
      Path mp = Path.of(m.replaceFirst(" \\(pid .*", ""));
      if (p.startsWith(mp)) {
        return "/" + mp.relativize(p).toString();
      }
    }
    return path.startsWith("/") ? path : "/" + path;
  }

  private static String fingerprint(BlobRef ref) {
    return sha256(ref.value()).substring(0, 12);
  }

  /** The cache's file name for a blob: core's CacheDirectory names chunk files by the SHA-256 of the reference. */
  static String cacheKey(BlobRef ref) {
    return sha256(ref.value());
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
