package org.truckeefs.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.core.ConfigKey;
import org.truckeefs.core.RiverFsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/** Entry point of the {@code truckeefs} command. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.out, System.err);
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command line; returns the exit code. Never throws, never prints a stack trace unless -vv. */
  static int run(String[] given, Map<String, String> env, PrintStream out, PrintStream err) {
    String[] args = isFstabCall(given) ? Background.fromFstab(given) : given;
    TruckeeCommand top = new TruckeeCommand(env, args);
    CommandLine cl = new CommandLine(top);
    addSettingFlags(cl);
    cl.addSubcommand("mount", new MountCommand());
    cl.addSubcommand("umount", new UmountCommand());
    cl.addSubcommand("status", new StatusCommand());
    cl.addSubcommand("fsck", new FsckCommand());
    cl.addSubcommand("gc", new GcCommand());
    cl.addSubcommand("aot-train", new AotTrainCommand());
    cl.addSubcommand("dump", new DumpCommand());
    cl.addSubcommand("load", new LoadCommand());
    cl.addSubcommand("backup", new BackupCommand.Backup());
    cl.addSubcommand("restore", new BackupCommand.Restore());
    cl.addSubcommand("stats", new StatsCommand());
    cl.addSubcommand("info", new InfoCommand());
    cl.addSubcommand("completion", new DocsCommand.Completion());
    cl.addSubcommand("man", new DocsCommand.Man());
    for (CommandLine sub : cl.getSubcommands().values()) {
      sub.getCommandSpec().usageMessage().footer("%nEvery setting of `truckeefs --help` is accepted here too, as a"
          + " flag before or after the command.");
    }
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setParameterExceptionHandler((ex, a) -> {
      String hint = "";
      if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
          && u.getUnmatched().get(0).startsWith("--")) {
        String key = u.getUnmatched().get(0).substring(2).replaceFirst("=.*", "").replace('-', '_');
        hint = "; " + RiverFsConfig.suggest(key).replace("did you mean ", "did you mean --").replace('_', '-')
            .replace(", ", ", --");
      }
      String help = "`" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help`";
      err.println("truckeefs: " + ex.getMessage() + hint + (hint.contains("--help`") ? "" : " (see " + help + ")"));
      return UserError.BAD_INPUT;
    });
    cl.setExecutionStrategy(pr -> {
      try {
        if (pr.isUsageHelpRequested() || pr.isVersionHelpRequested() || helpRequested(pr)) {
          return new CommandLine.RunLast().execute(pr);
        }
        top.prepare(pr);
        if (pr.subcommand() == null) {
          // The seed's style: `truckeefs -c env.yaml` mounts on the configured mount point.
          if (top.settings().get("mount").isEmpty()) {
            err.println("truckeefs: no command given and no mount setting: give a command (see `truckeefs --help`)"
                + " or set mount to mount there");
            return UserError.BAD_INPUT;
          }
          String[] withMount = java.util.Arrays.copyOf(args, args.length + 1);
          withMount[args.length] = "mount";
          return run(withMount, env, out, err);
        }
        return new CommandLine.RunLast().execute(pr);
      } catch (CommandLine.ExecutionException e) {
        return report(e.getCause(), err);
      } catch (RuntimeException e) {
        return report(e, err);
      }
    });
    return cl.execute(args);
  }

  /** {@code mount.fuse3} runs {@code truckeefs SOURCE MOUNTPOINT -o OPTS} for an fstab line of type fuse.truckeefs. */
  static boolean isFstabCall(String[] args) {
    return args.length >= 2 && !args[0].startsWith("-") && !args[1].startsWith("-")
        && !List.of("mount", "umount", "status", "fsck", "gc", "dump", "load", "backup", "restore", "completion",
            "man", "stats", "info", "help").contains(args[0]);
  }

  private static boolean helpRequested(CommandLine.ParseResult pr) {
    for (CommandLine.ParseResult p = pr; p != null; p = p.subcommand()) {
      if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
        return true;
      }
    }
    return false;
  }

  static int report(Throwable t, PrintStream err) {
    Throwable c = t;
    while (c.getCause() != null && !(c instanceof UserError) && !(c instanceof FsException)) {
      c = c.getCause();
    }
    if (c instanceof UserError u) {
      err.println("truckeefs: " + u.getMessage());
      return u.exitCode();
    }
    if (c instanceof FsException f) {
      err.println("truckeefs: " + f.getMessage().replaceFirst("^E[A-Z]+: ", ""));
      // EINVAL from opening the backends is a setting they rejected: bad input, as the settings' own checks are.
      return f.error() == FsError.INVALID ? UserError.BAD_INPUT : UserError.FAILED;
    }
    log.debug("unexpected failure", t);
    err.println("truckeefs: unexpected error: " + c + " (run with -vv for details)");
    return UserError.FAILED;
  }

  /**
   * One flag per key of {@link RiverFsConfig#KEYS}, named after the key in kebab case, accepted before or after the
   * subcommand. picocli's own option list would wrap descriptions inside URLs and mix the sections, so the flags are
   * hidden there and {@link SettingsHelp} lists them, one help section per {@link ConfigKey.Section}.
   */
  private static void addSettingFlags(CommandLine cl) {
    for (ConfigKey k : RiverFsConfig.KEYS) {
      cl.getCommandSpec().addOption(OptionSpec.builder(k.flag())
          .paramLabel(k.kind().label())
          .type(String.class)
          .arity("1")
          .scopeType(ScopeType.INHERIT)
          .hidden(true)
          .description(k.description())
          .build());
    }
    SettingsHelp.install(cl);
  }
}
