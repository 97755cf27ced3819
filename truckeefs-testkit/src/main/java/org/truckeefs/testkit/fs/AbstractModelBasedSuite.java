package org.truckeefs.testkit.fs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.ModelOp.Kind;
import org.truckeefs.testkit.fs.ModelRunner.Divergence;
import org.truckeefs.testkit.fs.ReferenceModel.Node;
import org.truckeefs.testkit.fs.ReferenceModel.Resolution;
import org.truckeefs.testkit.fs.ReferenceModel.Slot;

/**
 * Seeded random sequences of create / open / write at random offsets (holes included) / read / truncate / rename /
 * link / unlink / mkdir / rmdir / close / fsync, each applied to the filesystem and to a {@link ReferenceModel},
 * compared after every step. The namespace is small (eight names, three levels) so operations collide.
 *
 * <p>A divergence fails the seed's test with the seed, the step, the shortest prefix of the sequence that still
 * fails when replayed on a fresh filesystem (with a full comparison at its end), and that prefix with every
 * operation removed that is not needed to fail.
 */
public abstract class AbstractModelBasedSuite {
  private static final String[] NAMES = {"a", "b", "c", "d", "e", "f", "g", "h"};

  @TempDir protected Path tmp;

  private final AtomicInteger runs = new AtomicInteger();
  /** Replays per shrinking candidate: 1, or more when the failure is not deterministic. */
  private int attempts = 1;

  /** A new, empty filesystem keeping its state under {@code dir}. Closed by the suite. */
  protected abstract FileSystem createFileSystem(Path dir) throws Exception;

  /** The seeds, one test each. */
  protected long[] seeds() {
    return new long[] {1, 2, 3, 4};
  }

  protected int operationsPerSeed() {
    return 10_000;
  }

  /** Steps between two whole-tree comparisons (content included); every step checks what it touched. */
  protected int fullCheckInterval() {
    return 500;
  }

  /** Largest offset a write or truncate may reach "far past the end of file". */
  protected int maxFileOffset() {
    return 512 * 1024;
  }

  /** Longest write; larger than a chunk exercises writes across chunk boundaries. */
  protected int maxWriteLength() {
    return 70_000;
  }

  /** Filesystem runs the shrinker may spend on one failure. */
  protected int shrinkBudget() {
    return 150;
  }

  @TestFactory
  Stream<DynamicTest> randomSequencesMatchTheModel() {
    return LongStream.of(seeds()).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> runSeed(seed)));
  }

  private void runSeed(long seed) throws Exception {
    List<ModelOp> ops = new ArrayList<>();
    Random rnd = new Random(seed);
    String failure = null;
    int failedAt = -1;
    try (FileSystem fs = createFileSystem(freshDir())) {
      ModelRunner runner = new ModelRunner(fs);
      try {
        for (int i = 0; i < operationsPerSeed() && failure == null; i++) {
          ModelOp op = next(rnd, runner.model);
          ops.add(op);
          try {
            runner.apply(op);
            if ((i + 1) % fullCheckInterval() == 0) {
              runner.fullCheck();
            }
          } catch (Divergence d) {
            failure = d.getMessage();
            failedAt = i;
          }
        }
        if (failure == null) {
          try {
            runner.fullCheck();
          } catch (Divergence d) {
            failure = "final comparison: " + d.getMessage();
            failedAt = ops.size() - 1;
          }
        }
      } finally {
        runner.releaseAll();
      }
    }
    if (failure != null) {
      Assertions.fail(report(seed, failedAt, failure, ops.subList(0, failedAt + 1)));
    }
  }

  // ---- shrinking

  private String report(long seed, int failedAt, String failure, List<ModelOp> prefix) throws Exception {
    StringBuilder sb = new StringBuilder()
        .append("seed ").append(seed).append(": divergence at step ").append(failedAt + 1).append(": ").append(failure);
    int budget = shrinkBudget();
    runs.set(0);
    // Shortest failing prefix: binary search (a diverged state usually stays diverged).
    int lo = 1;
    int hi = prefix.size();
    attempts = 1;
    if (replayFails(prefix) == null) {
      // Not deterministic (a race with background work): measure how often it fails, then shrink with retries.
      int failures = 0;
      for (int i = 0; i < 9; i++) {
        if (replayFails(prefix) != null) {
          failures++;
        }
      }
      sb.append("\nNOT DETERMINISTIC: the sequence failed again in ").append(failures)
          .append(" of 10 replays on a fresh filesystem (a race, e.g. with background uploads)");
      if (failures == 0) {
        return sb.append(listing(prefix, 40)).toString();
      }
      attempts = 5;
    }
    while (lo < hi && runs.get() < budget) {
      int mid = (lo + hi) >>> 1;
      if (replayFails(prefix.subList(0, mid)) != null) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    List<ModelOp> shortest = new ArrayList<>(prefix.subList(0, hi));
    sb.append("\nshortest failing prefix: ").append(shortest.size()).append(" operations");
    // Then drop operations that are not needed to fail: halves, quarters, ... single operations, last first.
    List<ModelOp> minimal = new ArrayList<>(shortest);
    for (int chunk = Math.max(1, minimal.size() / 2); chunk >= 1 && runs.get() < budget; chunk /= 2) {
      for (int end = minimal.size() - 1; end > 0 && runs.get() < budget; end -= chunk) {
        int start = Math.max(0, end - chunk);
        List<ModelOp> candidate = new ArrayList<>(minimal.subList(0, start));
        candidate.addAll(minimal.subList(end, minimal.size()));
        if (replayFails(candidate) != null) {
          minimal = candidate;
        }
      }
    }
    String why = replayFails(minimal);
    why = why == null ? "(passed in its last replays: flaky)" : why;
    sb.append("\nminimised to ").append(minimal.size()).append(" operations (").append(runs.get())
        .append(" replays), failing with: ").append(why)
        .append(listing(minimal, 60));
    return sb.toString();
  }

  /** Replays {@code ops} on fresh filesystems, up to {@link #attempts} times; the first divergence, or null. */
  private String replayFails(List<ModelOp> ops) throws Exception {
    for (int i = 0; i < attempts; i++) {
      String failure = replayOnce(ops);
      if (failure != null) {
        return failure;
      }
    }
    return null;
  }

  /** Replays {@code ops} on a fresh filesystem with a full comparison at the end; the divergence, or null. */
  private String replayOnce(List<ModelOp> ops) throws Exception {
    runs.incrementAndGet();
    try (FileSystem fs = createFileSystem(freshDir())) {
      ModelRunner runner = new ModelRunner(fs);
      try {
        for (ModelOp op : ops) {
          runner.apply(op);
        }
        runner.fullCheck();
        return null;
      } catch (Divergence d) {
        return d.getMessage();
      } finally {
        runner.releaseAll();
      }
    }
  }

  private static String listing(List<ModelOp> ops, int max) {
    StringBuilder sb = new StringBuilder();
    int from = Math.max(0, ops.size() - max);
    if (from > 0) {
      sb.append("\n  ... ").append(from).append(" earlier operations");
    }
    for (int i = from; i < ops.size(); i++) {
      sb.append("\n  ").append(i + 1).append(". ").append(ops.get(i));
    }
    return sb.toString();
  }

  private Path freshDir() throws Exception {
    return Files.createTempDirectory(tmp, "run");
  }

  // ---- generation

  private ModelOp next(Random rnd, ReferenceModel model) {
    int r = rnd.nextInt(106);
    if (r < 12) {
      return ModelOp.onPath(Kind.CREATE, path(rnd), rnd.nextInt(10) < 7 ? 0 : 1 + rnd.nextInt(2));
    } else if (r < 20) {
      return ModelOp.onPath(Kind.OPEN, path(rnd), rnd.nextInt(10) < 6 ? 0 : 1 + rnd.nextInt(3));
    } else if (r < 42) {
      int slot = slot(rnd, model);
      long offset = offset(rnd, sizeIn(model, slot));
      int length = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(maxWriteLength()) : 1 + rnd.nextInt(4096);
      return ModelOp.onSlot(Kind.WRITE, slot, offset, length, rnd.nextLong());
    } else if (r < 56) {
      int slot = slot(rnd, model);
      int size = sizeIn(model, slot);
      return ModelOp.onSlot(Kind.READ, slot, rnd.nextInt(size + 100), 1 + rnd.nextInt(8192), 0);
    } else if (r < 60) {
      String p = path(rnd);
      Resolution res = model.resolve(p);
      int size = !res.failed() && res.node() != null && !res.node().dir ? res.node().size : 0;
      return new ModelOp(Kind.TRUNCATE_PATH, p, null, -1, truncateSize(rnd, size), 0, 0, 0);
    } else if (r < 63) {
      int slot = slot(rnd, model);
      return ModelOp.onSlot(Kind.TRUNCATE_HANDLE, slot, truncateSize(rnd, sizeIn(model, slot)), 0, 0);
    } else if (r < 73) {
      return ModelOp.onSlot(Kind.CLOSE, slot(rnd, model), 0, 0, 0);
    } else if (r < 74) {
      return ModelOp.onSlot(Kind.FSYNC, slot(rnd, model), 0, 0, 0);
    } else if (r < 81) {
      return ModelOp.onPath(Kind.MKDIR, path(rnd), 0);
    } else if (r < 86) {
      return ModelOp.onPath(Kind.RMDIR, path(rnd), 0);
    } else if (r < 93) {
      return ModelOp.onPath(Kind.UNLINK, path(rnd), 0);
    } else if (r < 102) {
      return ModelOp.onTwoPaths(Kind.RENAME, path(rnd), path(rnd), rnd.nextInt(10) == 0 ? 1 : 0);
    } else {
      return ModelOp.onTwoPaths(Kind.LINK, path(rnd), path(rnd), 0);
    }
  }

  private static String path(Random rnd) {
    int r = rnd.nextInt(20);
    int depth = r < 11 ? 1 : r < 18 ? 2 : 3;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      sb.append('/').append(NAMES[rnd.nextInt(NAMES.length)]);
    }
    return sb.toString();
  }

  /** An open slot when there is one (operations on empty slots are skipped, so they are rare). */
  private static int slot(Random rnd, ReferenceModel model) {
    List<Integer> open = new ArrayList<>();
    for (int i = 0; i < ReferenceModel.SLOTS; i++) {
      if (model.slots[i] != null) {
        open.add(i);
      }
    }
    return open.isEmpty() ? rnd.nextInt(ReferenceModel.SLOTS) : open.get(rnd.nextInt(open.size()));
  }

  private static int sizeIn(ReferenceModel model, int slot) {
    Slot s = model.slots[slot];
    Node n = s == null ? null : s.node();
    return n == null ? 0 : n.size;
  }

  private long offset(Random rnd, int size) {
    int r = rnd.nextInt(20);
    if (r < 12) {
      return rnd.nextInt(size + 1);
    } else if (r < 19) {
      return rnd.nextInt(size + 8192);
    }
    return rnd.nextInt(maxFileOffset());
  }

  private long truncateSize(Random rnd, int size) {
    int r = rnd.nextInt(20);
    if (r < 10) {
      return rnd.nextInt(size + 1);
    } else if (r < 17) {
      return rnd.nextInt(size + 10_000);
    }
    return rnd.nextInt(maxFileOffset());
  }
}
