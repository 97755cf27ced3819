package org.truckeefs.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.truckeefs.core.MetadataDump;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Restores core's {@link MetadataDump} into an empty filesystem. */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Recreate the metadata written by `truckeefs dump` in an empty filesystem (same blob store: "
        + "chunks point at the dumped blobs). Inode numbers are new; names, hard links, attributes, xattrs and "
        + "chunk maps are kept.")
final class LoadCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Parameters(paramLabel = "FILE", description = "A file written by `truckeefs dump`.")
  Path file;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    OfflineStores.requireUnmounted(s, "load");
    long count;
    try (OfflineStores st = OfflineStores.open(s)) {
      if (st.ephemeral()) {
        throw UserError.failed("metadata is in memory (memory:): a load would vanish when this command exits");
      }
      try (Progress p = Progress.start(s, "load", -1); InputStream in = open()) {
        count = MetadataDump.restore(in, st.metadata, p::stepTo);
      }
    }
    top.spec.commandLine().getOut().println("truckeefs: loaded " + count + " inodes from " + file);
    return 0;
  }

  private InputStream open() {
    try {
      return new BufferedInputStream(Files.newInputStream(file));
    } catch (NoSuchFileException e) {
      throw UserError.badInput(file + " does not exist");
    } catch (IOException e) {
      throw UserError.badInput("cannot read " + file + ": " + e.getMessage());
    }
  }
}
