package org.truckeefs.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.truckeefs.core.ConfigKey;
import org.truckeefs.core.RiverFsConfig;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Spec;

/**
 * {@code truckeefs completion} (bash/zsh completion script, picocli's AutoComplete) and {@code truckeefs man} (a
 * troff man page written from picocli's model of the commands and core's key table, so it never drifts from
 * {@code --help}). picocli's own man page generator writes AsciiDoc, which would need asciidoctor to install.
 */
final class DocsCommand {
  private DocsCommand() {}

  @Command(name = "completion", mixinStandardHelpOptions = true,
      description = "Print the bash (and zsh) completion script. Install: truckeefs completion >"
          + " /etc/bash_completion.d/truckeefs")
  static final class Completion implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.print(AutoComplete.bash("truckeefs", spec.root().commandLine()));
      out.flush();
      return 0;
    }
  }

  @Command(name = "man", mixinStandardHelpOptions = true,
      description = "Print the truckeefs(1) man page (troff). Install: truckeefs man >"
          + " /usr/local/share/man/man1/truckeefs.1")
  static final class Man implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.print(page(spec.root()));
      out.flush();
      return 0;
    }
  }

  static String page(CommandSpec root) {
    StringBuilder t = new StringBuilder();
    t.append(".TH TRUCKEEFS 1 \"\" \"truckeefs\" \"User Commands\"\n");
    t.append(".SH NAME\ntruckeefs \\- ").append(esc(String.join(" ", root.usageMessage().description()))).append('\n');
    t.append(".SH SYNOPSIS\n.B truckeefs\n[\\fIOPTIONS\\fR] [\\fICOMMAND\\fR] [\\fIARGS\\fR]\n");
    t.append(".SH OPTIONS\n");
    options(t, root);
    t.append(".SH COMMANDS\n");
    for (CommandLine sub : root.subcommands().values()) {
      CommandSpec c = sub.getCommandSpec();
      t.append(".SS ").append(esc(c.name()));
      for (PositionalParamSpec p : c.positionalParameters()) {
        if (!p.hidden()) {
          t.append(' ').append(esc(p.paramLabel()));
        }
      }
      t.append('\n').append(esc(String.join(" ", c.usageMessage().description()))).append('\n');
      options(t, c);
    }
    t.append(".SH SETTINGS\n").append(esc(SettingsHelp.HEADER)).append('\n');
    for (ConfigKey.Section s : ConfigKey.Section.values()) {
      t.append(".SS ").append(esc(s.title())).append('\n');
      for (ConfigKey k : RiverFsConfig.KEYS) {
        if (k.section() == s) {
          t.append(".TP\n.BI ").append(esc(k.flag())).append(" \" \" ").append(k.kind().label()).append('\n')
              .append(esc(k.description()))
              .append(k.defaultValue().isEmpty() ? "" : " Default: " + esc(k.defaultValue()) + ".")
              .append(" Environment: ").append(k.name()).append(" or ").append(k.envName()).append(".\n");
        }
      }
    }
    t.append(".SH EXIT STATUS\n0 success, 1 failure (environment, backend), 2 bad input (arguments, configuration).\n");
    t.append(".SH ENVIRONMENT\n.TP\n.B TRUCKEEFS_JAVA_OPTS\nJVM options for the launcher (and the --background child).\n");
    t.append(".SH SEE ALSO\ndocs/operations.md in the TruckeeFS repository.\n");
    return t.toString();
  }

  private static void options(StringBuilder t, CommandSpec c) {
    for (OptionSpec o : c.options()) {
      if (o.hidden() || o.inherited()) {
        continue;
      }
      t.append(".TP\n.B ").append(esc(String.join(", ", o.names())));
      if (o.arity().max() > 0) {
        t.append(" \\fI").append(esc(o.paramLabel())).append("\\fR");
      }
      t.append('\n').append(esc(String.join(" ", o.description()).replace("${DEFAULT-VALUE}",
          String.valueOf(o.defaultValue())))).append('\n');
    }
  }

  /** troff: backslashes doubled, a leading dot or quote escaped, dashes kept literal. */
  static String esc(String s) {
    String e = s.replace("\\", "\\\\").replace("-", "\\-").replace("%n", " ");
    return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
  }
}
