package org.truckeefs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.lang.management.ManagementFactory;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.fuse.FuseMount;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code mount --background}: starts the same command as a detached process ({@code setsid}) and returns once the
 * mount is served, as {@code mount(8)} expects of a FUSE helper (fstab). A failing start prints the child's
 * one-line error and returns its exit code.
 */
final class Background {
  private static final long WAIT_SECONDS = 120;

  private Background() {}

  static int start(TruckeeCommand top, Path dataDir, Path mountPoint, PrintWriter out)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("setsid", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    // The JVM options this process got (TRUCKEEFS_JAVA_OPTS: -Xmx, -D...), so the child runs the same way.
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(childArgs(top.parsed()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    // Settings given as flags go through the environment (readable only by this user and root), never the child's
    // command line, which every user sees in ps.
    top.settingFlags().forEach((k, v) -> pb.environment().put(RiverFsConfig.key(k).orElseThrow().envName(), v));
    pb.environment().put(ConfigMapper.CHILD_ENV, "1");
    Path log = outputFile(dataDir, mountPoint);
    PrivateFiles.create(log);
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (true) {
      if (!p.isAlive()) {
        String said = Files.readString(log, StandardCharsets.UTF_8).strip();
        throw new UserError(p.exitValue() == 0 ? UserError.FAILED : p.exitValue(),
            said.isEmpty() ? silentEnd(log, p.exitValue()) : said.replaceFirst("^truckeefs: ", ""));
      }
      if (FuseMount.isMountedAt(mountPoint) && Files.readString(log, StandardCharsets.UTF_8).contains("mounted on")) {
        out.println("truckeefs: mounted on " + mountPoint + " in the background (pid " + p.pid() + ", output in " + log + ")");
        return 0;
      }
      if (System.nanoTime() > deadline) {
        throw UserError.failed("the mount process (pid " + p.pid() + ") did not mount within " + WAIT_SECONDS + " s; see " + log);
      }
      Thread.sleep(50);
    }
  }

  /**
   * Why a child that failed said nothing: most often, its output file's disk is full (the one-line error it wrote
   * was lost with the rest), which this says, naming the directory to free.
   */
  static String silentEnd(Path log, int exitCode) {
    try {
      if (Files.getFileStore(log).getUsableSpace() == 0) {
        return "the mount process ended (exit " + exitCode + ") and could not say why: no space left on the disk of "
            + log.getParent() + " (free some, then mount again)";
      }
    } catch (IOException e) {
      // as below
    }
    return "the mount process ended (exit " + exitCode + ") without mounting and without a message in " + log;
  }

  /**
   * Where the child's output goes: next to its pid file, unless the data directory does not exist yet. The child
   * creates it only once every backend answered, so a failed first start must not leave one behind: then the output
   * goes to a private directory under java.io.tmpdir.
   */
  static Path outputFile(Path dataDir, Path mountPoint) {
    Path pid = PidFile.path(dataDir, mountPoint);
    if (Files.isDirectory(dataDir)) {
      return pid.resolveSibling(pid.getFileName() + ".out");
    }
    long uid = new com.sun.security.auth.module.UnixSystem().getUid();
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "truckeefs-" + uid);
    try {
      // a shared temp directory: another user could have made ours first
      if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && (((Number) Files.getAttribute(dir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue() != uid
              || !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
              || (((Number) Files.getAttribute(dir, "unix:mode")).intValue() & 0077) != 0)) {
        throw UserError.failed(dir + " is not a private directory of this user; remove it, or create the data "
            + "directory " + dataDir + " (mode 0700) first");
      }
    } catch (java.io.IOException e) {
      throw UserError.failed("cannot check " + dir + ": " + e.getMessage());
    }
    return dir.resolve(pid.getFileName() + ".out");
  }

  /**
   * The command line again without the setting flags (they go through the environment) and without
   * {@code --background}: every other option and parameter as the user wrote it, level by level.
   */
  static List<String> childArgs(ParseResult top) {
    List<String> out = new ArrayList<>();
    for (ParseResult pr = top; pr != null; pr = pr.subcommand()) {
      if (pr != top) {
        out.add(pr.commandSpec().name());
      }
      for (OptionSpec o : pr.matchedOptions()) {
        String name = o.longestName();
        if (name.equals("--background")
            || RiverFsConfig.key(name.replaceFirst("^--", "").replace('-', '_')).isPresent() && name.startsWith("--")) {
          continue;
        }
        if (o.arity().max() == 0) {
          int times = o.getValue() instanceof boolean[] b ? b.length : 1;
          for (int i = 0; i < times; i++) {
            out.add(name);
          }
        } else {
          for (String v : o.originalStringValues()) {
            out.add(name);
            out.add(v);
          }
        }
      }
      for (PositionalParamSpec p : pr.matchedPositionals()) {
        out.addAll(p.originalStringValues());
      }
    }
    return out;
  }

  /**
   * The calling convention of {@code mount.fuse3} for an fstab entry of type {@code fuse.truckeefs}:
   * {@code truckeefs SOURCE MOUNTPOINT -o OPTIONS}. SOURCE is a YAML configuration file (or {@code truckeefs} for
   * none); options that only mean something to mount(8) are dropped, the rest go to libfuse.
   */
  static String[] fromFstab(String[] args) {
    List<String> out = new ArrayList<>();
    String source = args[0];
    if (!source.equals("truckeefs") && !source.equals("none")) {
      out.add("-c");
      out.add(source);
    }
    out.add("mount");
    out.add("--background");
    out.add(args[1]);
    List<String> opts = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("-o") && i + 1 < args.length) {
        for (String o : args[++i].split(",")) {
          if (!o.isEmpty() && !mountOnly(o)) {
            opts.add(o);
          }
        }
      }
    }
    if (!opts.isEmpty()) {
      out.add("-o");
      out.add(String.join(",", opts));
    }
    return out.toArray(String[]::new);
  }

  private static boolean mountOnly(String o) {
    return List.of("rw", "defaults", "_netdev", "noauto", "auto", "nofail", "user", "users", "nouser", "dev", "suid", "exec",
        "noexec", "relatime", "noatime").contains(o) || o.startsWith("x-") || o.startsWith("comment=");
  }
}
