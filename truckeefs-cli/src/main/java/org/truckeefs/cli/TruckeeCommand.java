package org.truckeefs.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top-level {@code truckeefs} command: options every subcommand shares, and the settings they read. */
@Command(
    name = "truckeefs",
    mixinStandardHelpOptions = true,
    versionProvider = VersionInfo.class,
    sortOptions = false,
    description = "A POSIX filesystem on Tahoe-LAFS (or a local directory), SQL metadata and Redis coordination."
        + " Without a command, mounts on the mount setting (the seed's `truckeefs -c env.yaml`).",
    footer = "%nExit codes: 0 ok, 1 failure (environment, backend), 2 bad input (arguments, configuration).")
final class TruckeeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE.yaml", scope = ScopeType.INHERIT,
      description = "YAML file of settings (flat snake_case keys, as listed below).")
  Path configFile;

  @Option(names = "-v", scope = ScopeType.INHERIT, description = "More logging: -v info, -vv debug, -vvv trace.")
  boolean[] verbose = new boolean[0];

  @Option(names = "--log-file", paramLabel = "FILE", scope = ScopeType.INHERIT, description = "Also write the log to FILE.")
  Path logFile;

  @Option(names = "--log-config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "A logback.xml that replaces the built-in logging setup (then -v and --log-file do nothing).")
  Path logConfig;

  private final Map<String, String> env;
  private final java.util.List<String> args;
  private Settings settings;
  private ParseResult parsed;
  private Map<String, String> settingFlags = Map.of();

  TruckeeCommand(Map<String, String> env, String[] args) {
    this.env = env;
    this.args = java.util.List.of(args);
  }

  /** The command line as given, for a background mount that starts the same command again. */
  java.util.List<String> args() {
    return args;
  }

  @Override
  public void run() {
    throw new IllegalStateException("Main runs `mount` when no subcommand is given");
  }

  /** Reads -c, -v, --log-file and the setting flags from every level of the parse, then loads the settings. */
  void prepare(ParseResult top) {
    Map<String, String> flags = new LinkedHashMap<>();
    Path config = null;
    Path logConfig = null;
    Path log = null;
    int verbosity = 0;
    for (ParseResult pr = top; pr != null; pr = pr.subcommand()) {
      for (OptionSpec o : pr.matchedOptions()) {
        String name = o.longestName();
        Object value = o.getValue();
        switch (name) {
          case "--config" -> config = (Path) value;
          case "--log-file" -> log = (Path) value;
          case "--log-config" -> logConfig = (Path) value;
          case "-v" -> verbosity = Math.max(verbosity, ((boolean[]) value).length);
          default -> {
            String key = name.startsWith("--") ? name.substring(2).replace('-', '_') : "";
            if (org.truckeefs.core.RiverFsConfig.key(key).isPresent() && value != null) {
              flags.put(key, value.toString());
            }
          }
        }
      }
    }
    parsed = top;
    settingFlags = Map.copyOf(flags);
    if (logConfig != null) {
      Logging.configure(logConfig);
    } else {
      Logging.configure(verbosity, log);
    }
    java.io.PrintWriter err = spec.commandLine().getErr();
    settings = ConfigMapper.load(config, env, flags, w -> {
      err.println("truckeefs: " + w);
      err.flush();
    });
  }

  /** The parsed command line, for a background mount that runs the same command again. */
  ParseResult parsed() {
    return parsed;
  }

  /** The settings given as flags, by key: the background child gets them through its environment instead. */
  Map<String, String> settingFlags() {
    return settingFlags;
  }

  Settings settings() {
    if (settings == null) {
      throw new IllegalStateException("settings are loaded before a subcommand runs");
    }
    return settings;
  }
}
