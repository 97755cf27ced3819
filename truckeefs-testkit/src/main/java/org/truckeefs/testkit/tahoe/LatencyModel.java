package org.truckeefs.testkit.tahoe;

import java.time.Duration;

/**
 * What each request costs on a real gateway, so the emulator answers no faster than Tahoe would and an access
 * pattern that is cheap only in-process (a ranged GET per 4 KiB, a directory rewrite per file) shows in tests and
 * benchmarks. The defaults ({@link #TAHOE_1_17}) are the floor costs measured on a real 1.17.1 gateway on loopback
 * with shares 1/1/1 ({@code docs/tahoe-webapi.md}, "Floor costs").
 *
 * <p>The emulator waits out the cost of a request before applying it (writes) or before sending the answer
 * (reads), and, like a real gateway, which serializes the operations on one mutable node, it applies directory
 * changes to one directory one at a time, each after its own wait.
 *
 * @param mkdir a new mutable directory (RSA key generation and its first publish)
 * @param upload an immutable upload's fixed cost (encode, place shares)
 * @param uploadPerMiB an immutable upload's cost per MiB of body
 * @param dirWrite one directory publish (servermap update, re-pack, signed publish)
 * @param dirWritePerEntry what each entry of the directory adds to a publish (the whole directory is rewritten)
 * @param relinkSameDir {@code t=relink} inside one directory, beyond one publish (it publishes twice)
 * @param download a file read's fixed cost, ranged or not (segment fetch and hash-tree checks)
 * @param downloadPerMiB a file read's cost per MiB answered
 * @param listing {@code ?t=json} on a directory, or a file
 * @param head {@code HEAD} on a file
 * @param check {@code t=check}
 * @param other anything else (welcome page, errors found before any grid access)
 */
public record LatencyModel(Duration mkdir, Duration upload, Duration uploadPerMiB, Duration dirWrite,
    Duration dirWritePerEntry, Duration relinkSameDir, Duration download, Duration downloadPerMiB, Duration listing,
    Duration head, Duration check, Duration other) {

  /** No latency at all: the emulator answers as fast as it can (functional tests that do not measure cost). */
  public static final LatencyModel NONE = new LatencyModel(Duration.ZERO, Duration.ZERO, Duration.ZERO,
      Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
      Duration.ZERO, Duration.ZERO);

  /**
   * A real 1.17.1 gateway on loopback (tahoe-webapi.md): mkdir 158 ms; PUT 1 KiB unlinked 16 ms, about 45 ms/MiB
   * more for large bodies (10 MiB into a directory 516 ms); a directory publish 60 ms plus 0.1 ms per entry (72 ms
   * at 100 entries, 560-740 ms at 5,000); relink 83 ms in one directory, 121 ms across two; GET 20 ms plus
   * 23 ms/MiB (1 MiB 34 ms, 10 MiB 256 ms, a 4 KiB range 22-30 ms); listing 9 ms; HEAD 7 ms.
   */
  public static final LatencyModel TAHOE_1_17 = new LatencyModel(ms(158), ms(16), ms(45), ms(60),
      Duration.ofNanos(100_000), ms(23), ms(20), ms(23), ms(9), ms(7), ms(20), ms(2));

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** Every cost multiplied by {@code factor} (e.g. 0.25 for a quicker test that still sees request counts). */
  public LatencyModel scaled(double factor) {
    if (factor < 0) {
      throw new IllegalArgumentException("negative latency factor " + factor);
    }
    return new LatencyModel(s(mkdir, factor), s(upload, factor), s(uploadPerMiB, factor), s(dirWrite, factor),
        s(dirWritePerEntry, factor), s(relinkSameDir, factor), s(download, factor), s(downloadPerMiB, factor),
        s(listing, factor), s(head, factor), s(check, factor), s(other, factor));
  }

  private static Duration s(Duration d, double factor) {
    return Duration.ofNanos(Math.round(d.toNanos() * factor));
  }

  /** An immutable upload of {@code bytes}; LIT-sized bodies never reach a storage server. */
  long uploadNanos(long bytes) {
    if (bytes <= Caps.LIT_THRESHOLD) {
      return 0;
    }
    return upload.toNanos() + perMiB(uploadPerMiB, bytes);
  }

  /** One publish of a directory holding {@code entries} children. */
  long dirWriteNanos(int entries) {
    return dirWrite.toNanos() + dirWritePerEntry.toNanos() * Math.max(0, entries);
  }

  /** A file read answering {@code bytes}. */
  long downloadNanos(long bytes) {
    return download.toNanos() + perMiB(downloadPerMiB, bytes);
  }

  private static long perMiB(Duration perMiB, long bytes) {
    return (long) (perMiB.toNanos() * (bytes / (double) (1 << 20)));
  }
}
