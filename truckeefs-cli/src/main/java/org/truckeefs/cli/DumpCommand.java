package org.truckeefs.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import org.truckeefs.core.MetadataDump;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Writes core's {@link MetadataDump} of the configured filesystem. */
@Command(name = "dump", mixinStandardHelpOptions = true,
    description = "Write the metadata (tree, attributes, xattrs, chunk maps) as JSON to FILE (mode 0600: it holds "
        + "blob capabilities). The filesystem must not be mounted here, so the dump is one consistent state.")
final class DumpCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Parameters(paramLabel = "FILE", description = "The JSON file to write (- for standard output).")
  String file;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    long count;
    try (AutoCloseable owner = OfflineStores.exclusive(s, "dump"); OfflineStores st = OfflineStores.open(s)) {
      if (st.ephemeral()) {
        throw UserError.failed("metadata is in memory (memory:): there is nothing persistent to dump");
      }
      try (Progress p = Progress.start(s, "dump", st.metadata.stats().inodes()); OutputStream out = open()) {
        count = MetadataDump.write(st.metadata, out, p::stepTo);
      }
    }
    if (!file.equals("-")) {
      top.spec.commandLine().getOut().println("truckeefs: dumped " + count + " inodes to " + file);
    }
    return 0;
  }

  private OutputStream open() throws IOException {
    if (file.equals("-")) {
      return new BufferedOutputStream(System.out) {
        @Override
        public void close() throws IOException {
          flush(); // never close standard output
        }
      };
    }
    Path out = Path.of(file);
    Files.deleteIfExists(out);
    Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    return new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.WRITE));
  }
}
