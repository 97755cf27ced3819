package org.truckeefs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Python 3 snippets for the mount tests of both adapters (shipped in this module's test jar). */
public final class Python {
  private Python() {}

  /** Runs a Python 3 snippet (argv[1..] = args) and returns its stdout; fails on a non-zero exit. */
  public static String run(String script, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("python3", "-c", script));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("python failed: " + out);
    }
    return out.strip();
  }
}
