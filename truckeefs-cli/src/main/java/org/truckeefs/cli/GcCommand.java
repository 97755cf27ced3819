package org.truckeefs.cli;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.truckeefs.spi.BlobRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "gc", mixinStandardHelpOptions = true,
    description = "Release blobs that no file has referenced for longer than the grace period (default: the core's, "
        + "1 h) from the blob store. Safe while mounted.")
final class GcCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Option(names = "--grace", paramLabel = "SECONDS", description = "Only blobs unreferenced for at least this long.")
  Long graceSeconds;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    int released = 0;
    try (OfflineStores st = OfflineStores.open(s); Progress p = Progress.start(s, "gc", -1)) {
      Instant before = Instant.now().minus(graceSeconds == null ? st.config.blobGcGrace() : java.time.Duration.ofSeconds(graceSeconds));
      while (true) {
        List<BlobRef> batch = st.metadata.takeReleasableBlobs(before, 500);
        for (BlobRef ref : batch) {
          st.blobs.release(ref);
          released++;
          p.step();
        }
        if (batch.size() < 500) {
          break;
        }
      }
    }
    top.spec.commandLine().getOut().println("truckeefs: released " + released + " unreferenced blob(s)");
    return 0;
  }
}
