package org.truckeefs.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "fsck", mixinStandardHelpOptions = true,
    description = "Check metadata against the blob store: every chunk's blob exists with its size, blob reference "
        + "counts match the chunks that use them, link counts match the entries, no orphans. With --repair, purge "
        + "orphans (inodes no name refers to); the rest is reported. Exit 0 when clean, 1 with problems.")
final class FsckCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Option(names = "--repair", description = "Fix what can be fixed safely (the filesystem must be unmounted).")
  boolean repair;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    AutoCloseable owner = repair ? OfflineStores.exclusive(s, "fsck --repair") : () -> { };
    PrintWriter out = top.spec.commandLine().getOut();
    List<String> problems = new ArrayList<>();
    int repaired = 0;
    try (owner; OfflineStores st = OfflineStores.open(s)) {
      if (st.ephemeral()) {
        out.println("truckeefs: metadata is in memory (memory:); nothing persistent to check");
        return 0;
      }
      Map<InodeId, Long> names = new HashMap<>();
      Map<InodeId, Long> subdirs = new HashMap<>();
      List<InodeId> inodes = new ArrayList<>();
      names.put(InodeId.ROOT, 1L);
      inodes.add(InodeId.ROOT);
      TreeWalk.walk(st.metadata, e -> {
        if (names.merge(e.inode(), 1L, Long::sum) == 1) {
          inodes.add(e.inode());
        }
        if (e.type() == InodeType.DIRECTORY) {
          subdirs.merge(e.parent(), 1L, Long::sum);
        }
      });
      Map<BlobRef, Long> references = new HashMap<>();
      int chunkSize = st.config.chunkSize();
      try (Progress p = Progress.start(s, "fsck", inodes.size())) {
        for (InodeId id : inodes) {
          InodeAttributes a = st.metadata.getAttributes(id);
          long expectedLinks = a.isDirectory() ? 2 + subdirs.getOrDefault(id, 0L) : names.get(id);
          if (id.equals(InodeId.ROOT) && a.isDirectory()) {
            expectedLinks = 2 + subdirs.getOrDefault(id, 0L);
          }
          if (a.nlink() != expectedLinks) {
            problems.add(id + ": link count " + a.nlink() + ", but " + expectedLinks + " expected from the directory entries");
          }
          if (a.isFile()) {
            checkChunks(st, a, chunkSize, references, problems);
          }
          p.step();
        }
      }
      Set<BlobRef> live = new HashSet<>();
      String after = null;
      while (true) {
        List<BlobRef> page = st.metadata.liveBlobs(after, 1000);
        live.addAll(page);
        if (page.size() < 1000) {
          break;
        }
        after = page.get(page.size() - 1).value();
      }
      for (BlobRef ref : references.keySet()) {
        if (!live.contains(ref)) {
          problems.add(ref + ": used by " + references.get(ref) + " chunk(s) but its reference count is 0");
        }
      }
      for (BlobRef ref : live) {
        if (!references.containsKey(ref)) {
          problems.add(ref + ": reference count above 0 but no chunk of a named file uses it");
        }
      }
      for (InodeId orphan : st.metadata.orphans()) {
        if (repair) {
          st.metadata.purge(orphan);
          repaired++;
        } else {
          problems.add(orphan + ": orphan (no name refers to it; an unlinked file left by a crash); --repair purges it");
        }
      }
      out.println("truckeefs: checked " + inodes.size() + " inodes, " + references.size() + " blobs at "
          + Instant.now() + (repaired > 0 ? "; purged " + repaired + " orphans" : ""));
    }
    for (String p : problems) {
      out.println("problem: " + p);
    }
    out.println(problems.isEmpty() ? "truckeefs: clean" : "truckeefs: " + problems.size() + " problem(s)");
    return problems.isEmpty() ? 0 : UserError.FAILED;
  }

  private static void checkChunks(OfflineStores st, InodeAttributes a, int chunkSize, Map<BlobRef, Long> references,
      List<String> problems) throws FsException {
    for (ChunkRef c : st.metadata.chunks(a.id())) {
      references.merge(c.blob(), 1L, Long::sum);
      if (c.length() > chunkSize || c.index() * (long) chunkSize >= a.size()) {
        problems.add(a.id() + ": chunk " + c.index() + " (" + c.length() + " bytes) lies beyond the file size " + a.size());
      }
      try {
        long size = st.blobs.size(c.blob());
        if (size != c.length()) {
          problems.add(a.id() + ": chunk " + c.index() + " is " + c.length() + " bytes, but its blob " + c.blob() + " has " + size);
        }
      } catch (FsException e) {
        if (e.error() == FsError.NOT_FOUND) {
          problems.add(a.id() + ": chunk " + c.index() + ": blob " + c.blob() + " is missing from the blob store");
        } else {
          throw e;
        }
      }
    }
  }
}
