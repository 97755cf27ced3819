package org.truckeefs.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.core.MetadataDump;
import org.truckeefs.spi.BlobRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Restores core's {@link MetadataDump} into an empty filesystem, then checks that the blob store holds the blobs
 * the loaded metadata refers to: a dump loaded next to the wrong blob store is a failure now, not thousands of
 * fsck problems later.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Recreate the metadata written by `truckeefs dump` in an empty filesystem (same blob store: "
        + "chunks point at the dumped blobs), then check that the blob store holds every blob the metadata refers "
        + "to. Inode numbers are new; names, hard links, attributes, xattrs and chunk maps are kept. Exit 1 when "
        + "blobs are missing.")
final class LoadCommand implements Callable<Integer> {
  /** How many blobs {@code --check-blobs=sample} looks at. */
  static final int SAMPLE = 1000;

  @ParentCommand TruckeeCommand top;

  @Parameters(paramLabel = "FILE", description = "A file written by `truckeefs dump`.")
  Path file;

  @Option(names = "--check-blobs", paramLabel = "MODE", defaultValue = "all",
      description = "After loading, check that the blob store holds: all (every referenced blob; default), sample ("
          + SAMPLE + " chosen at random, for huge stores) or none (skip the check).")
  String checkBlobs;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    if (!List.of("all", "sample", "none").contains(checkBlobs)) {
      throw UserError.badInput("--check-blobs must be all, sample or none, not '" + checkBlobs + "'");
    }
    long count;
    List<BlobRef> missing = new ArrayList<>();
    long checked;
    try (AutoCloseable owner = OfflineStores.exclusive(s, "load"); OfflineStores st = OfflineStores.open(s)) {
      if (st.ephemeral()) {
        throw UserError.failed("metadata is in memory (memory:): a load would vanish when this command exits");
      }
      try (Progress p = Progress.start(s, "load", -1); InputStream in = open()) {
        count = MetadataDump.restore(in, st.metadata, p::stepTo);
      }
      checked = checkBlobs.equals("none") ? 0 : check(s, st, missing);
    }
    var out = top.spec.commandLine().getOut();
    out.println("truckeefs: loaded " + count + " inodes from " + file
        + (checked > 0 ? "; checked " + checked + " blob(s)" : ""));
    if (!missing.isEmpty()) {
      throw UserError.failed(missing.size() + " of the " + checked + " blob(s) checked are missing from the blob"
          + " store (first: " + missing.get(0).value().replaceFirst("^(URI:[A-Z0-9-]+:[^:]{0,6}).*", "$1...")
          + "): load the dump next to the blob store it was taken from; the metadata store now holds the loaded"
          + " tree, so empty it before loading again");
    }
    return 0;
  }

  /** Every live blob (or a random sample of them) must exist in the blob store with its size. */
  private long check(Settings s, OfflineStores st, List<BlobRef> missing) throws FsException {
    List<BlobRef> all = new ArrayList<>();
    String after = null;
    while (true) {
      List<BlobRef> page = st.metadata.liveBlobs(after, 1000);
      all.addAll(page);
      if (page.size() < 1000) {
        break;
      }
      after = page.get(page.size() - 1).value();
    }
    List<BlobRef> toCheck = all;
    if (checkBlobs.equals("sample") && all.size() > SAMPLE) {
      java.util.Collections.shuffle(all, new Random());
      toCheck = all.subList(0, SAMPLE);
    }
    try (Progress p = Progress.start(s, "check blobs", toCheck.size())) {
      for (BlobRef ref : toCheck) {
        try {
          st.blobs.size(ref);
        } catch (FsException e) {
          if (e.error() != FsError.NOT_FOUND) {
            throw e;
          }
          missing.add(ref);
        }
        p.step();
      }
    }
    return toCheck.size();
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
