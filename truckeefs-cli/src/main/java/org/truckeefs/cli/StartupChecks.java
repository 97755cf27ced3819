package org.truckeefs.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.fuse.FuseEnvironment;

/** The seed's start-up checks: test_compatibility, test_integration and test_functionality. */
final class StartupChecks {
  static final int MIN_JAVA = 17;

  private StartupChecks() {}

  /** JVM version, /dev/fuse, libfuse 2, fusermount: every problem, one line each. */
  static List<String> compatibility(boolean needFuse) {
    List<String> p = new ArrayList<>();
    int feature = Runtime.version().feature();
    if (feature < MIN_JAVA) {
      p.add("Java " + feature + " is too old: TruckeeFS needs Java " + MIN_JAVA + " or newer");
    }
    if (needFuse) {
      p.addAll(FuseEnvironment.problems());
    }
    return p;
  }

  static void requireCompatible(boolean needFuse) {
    List<String> p = compatibility(needFuse);
    if (!p.isEmpty()) {
      throw UserError.failed(String.join("\ntruckeefs: ", p));
    }
  }

  /**
   * Every backend answers before the filesystem starts: the metadata store (its totals) and the blob store's own
   * check (for Tahoe: the gateway has storage servers and rootcap is a writable directory).
   */
  static void backends(Settings s) throws FsException {
    try (OfflineStores st = OfflineStores.open(s)) {
      st.metadata.stats();
      st.blobs.checkIntegration();
    }
  }

  /** The started filesystem answers: statfs and the root's attributes. */
  static void integration(FileSystem fs) throws FsException {
    fs.statfs();
    fs.getattr(fs.root());
  }

  /**
   * Creates, writes, reads, renames and deletes in a scratch directory at the root, then removes it; the
   * filesystem is left as it was.
   */
  static void functionality(FileSystem fs) throws FsException {
    Caller root = Caller.ROOT;
    Name dir = Name.of(".truckeefs-selftest-" + UUID.randomUUID());
    InodeAttributes d = fs.mkdir(root, fs.root(), dir, 0700);
    try {
      byte[] data = "truckeefs functionality check\n".getBytes(StandardCharsets.UTF_8);
      OpenResult f = fs.create(root, d.id(), Name.of("a"), 0600, OpenFlags.READ_WRITE.with(OpenFlags.O_CREAT));
      try {
        fs.write(f.handle(), 0, ByteBuffer.wrap(data));
        fs.flush(f.handle());
      } finally {
        fs.release(f.handle());
      }
      fs.rename(root, d.id(), Name.of("a"), d.id(), Name.of("b"), RenameFlags.NONE);
      InodeAttributes b = fs.lookup(root, d.id(), Name.of("b"));
      OpenResult r = fs.open(root, b.id(), OpenFlags.READ);
      ByteBuffer back = ByteBuffer.allocate(data.length + 16);
      try {
        fs.read(r.handle(), 0, back);
      } finally {
        fs.release(r.handle());
      }
      if (!new String(back.array(), 0, back.position(), StandardCharsets.UTF_8).equals(new String(data, StandardCharsets.UTF_8))) {
        throw new FsException(FsError.IO, "functionality check: the file read back differs from what was written");
      }
      fs.unlink(root, d.id(), Name.of("b"));
    } finally {
      try {
        fs.unlink(root, d.id(), Name.of("a"));
      } catch (FsException ignored) {
        // already renamed or removed
      }
      try {
        fs.unlink(root, d.id(), Name.of("b"));
      } catch (FsException ignored) {
        // already removed
      }
      fs.rmdir(root, fs.root(), dir);
    }
  }
}
