package org.truckeefs.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.core.MetadataBackup;
import org.truckeefs.core.RiverFS;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The metadata backups the library keeps in the blob store (Tahoe: {@code rootcap/.truckeefs/backups}), reachable
 * from the command line: take one now, list them, restore one into an empty metadata store.
 */
final class BackupCommand {
  private BackupCommand() {}

  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = "Take a metadata backup now and store it with the blob store (Tahoe: under"
          + " rootcap/.truckeefs/backups; the newest backup_keep are kept), or list the stored backups. A mount takes"
          + " them by itself every backup_interval; taking one now needs the filesystem unmounted.")
  static final class Backup implements Callable<Integer> {
    @ParentCommand TruckeeCommand top;

    @Option(names = "--list", description = "List the stored backups, oldest first, instead of taking one.")
    boolean list;

    @Override
    public Integer call() throws Exception {
      Settings s = top.settings();
      PrintWriter out = top.spec.commandLine().getOut();
      if (list) {
        List<String> names;
        try (OfflineStores st = OfflineStores.open(s)) {
          names = MetadataBackup.list(st.blobs);
        } catch (FsException e) {
          throw unsupported(e);
        }
        names.forEach(out::println);
        if (names.isEmpty()) {
          top.spec.commandLine().getErr().println("truckeefs: no backups stored yet");
        }
        return 0;
      }
      List<String> live = OfflineStores.liveMounts(s.dataDir());
      if (!live.isEmpty()) {
        throw UserError.failed("the mount on " + String.join(", ", live) + " takes backups every backup_interval;"
            + " to take one now, unmount first");
      }
      String name;
      try (RiverFS fs = Engine.open(s)) { // takes the data directory like a mount, so nothing changes meanwhile
        name = fs.backupNow();
      } catch (FsException e) {
        throw unsupported(e);
      }
      out.println("truckeefs: stored metadata backup " + name);
      return 0;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = "Rebuild an empty metadata store from a backup (default: the newest; see `truckeefs backup"
          + " --list`). Use the same blob store: the backup refers to its blobs. The filesystem must be unmounted.")
  static final class Restore implements Callable<Integer> {
    @ParentCommand TruckeeCommand top;

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "The backup to restore (default: the newest).")
    String name;

    @Override
    public Integer call() throws Exception {
      Settings s = top.settings();
      long count;
      String chosen;
      try (AutoCloseable owner = OfflineStores.exclusive(s, "restore"); OfflineStores st = OfflineStores.open(s)) {
        if (st.ephemeral()) {
          throw UserError.failed("metadata is in memory (memory:): a restore would vanish when this command exits");
        }
        List<String> names = MetadataBackup.list(st.blobs);
        if (name == null) {
          if (names.isEmpty()) {
            throw UserError.failed("no backups are stored with this blob store");
          }
          chosen = names.get(names.size() - 1);
        } else if (!names.contains(name)) {
          throw UserError.badInput("no backup named " + name + " (see `truckeefs backup --list`)");
        } else {
          chosen = name;
        }
        try (Progress p = Progress.start(s, "restore", -1)) {
          count = MetadataBackup.restore(st.blobs, chosen, st.metadata, p::stepTo);
        }
      } catch (FsException e) {
        throw unsupported(e);
      }
      top.spec.commandLine().getOut().println("truckeefs: restored " + count + " inodes from backup " + chosen);
      return 0;
    }
  }

  /** A local blob store keeps no backups: say where they are kept instead of a bare ENOTSUP. */
  private static Exception unsupported(FsException e) {
    if (e.error() == FsError.UNSUPPORTED) {
      return UserError.failed("this blob store keeps no metadata backups (only Tahoe does, under rootcap); use"
          + " `truckeefs dump` for a local blob store");
    }
    return e;
  }
}
