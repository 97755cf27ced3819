package org.truckeefs.cli;

import java.util.ArrayList;
import java.util.List;
import org.truckeefs.core.ConfigKey;
import org.truckeefs.core.RiverFsConfig;
import picocli.CommandLine;

/**
 * The settings part of {@code truckeefs --help}: one picocli help section per {@link ConfigKey.Section}, each key
 * with its flag, unit, default and environment variable. Wrapped only at spaces (picocli's own wrapping also
 * breaks after '/' and '-', which cut URLs and flag names in two).
 */
final class SettingsHelp {
  private static final int FLAG_COLUMN = 32;
  static final String HEADER = "Settings: every key below is a flag (before or after the command), an environment"
      + " variable (cache_size or TRUCKEEFS_CACHE_SIZE, which wins) or a key in -c FILE.yaml; flags beat the"
      + " environment, which beats the file. SECONDS: seconds, or with a unit (500ms, 30s, 5m, 2h, 1d). BYTES:"
      + " bytes, or with a unit (512k, 64M, 10G; powers of 1024). BOOL: true/false, yes/no, on/off, 1/0. PATH: ~ is"
      + " the home directory.";

  private SettingsHelp() {}

  static void install(CommandLine cl) {
    List<String> keys = new ArrayList<>(cl.getHelpSectionKeys());
    int at = keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST) + 1;
    List<String> added = new ArrayList<>();
    for (ConfigKey.Section section : ConfigKey.Section.values()) {
      String key = "settings-" + section.name();
      added.add(key);
      cl.getHelpSectionMap().put(key, help -> render(section, help.commandSpec().usageMessage().width()));
    }
    keys.addAll(at, added);
    cl.setHelpSectionKeys(keys);
  }

  static String render(ConfigKey.Section section, int width) {
    StringBuilder sb = new StringBuilder();
    if (section.ordinal() == 0) {
      sb.append(String.format("%n")).append(String.join(System.lineSeparator(), wrap(HEADER, width - 1)))
          .append(System.lineSeparator());
    }
    sb.append(String.format("%n%s settings:%n", section.title()));
    for (ConfigKey k : RiverFsConfig.KEYS) {
      if (k.section() != section) {
        continue;
      }
      String flag = "  " + k.flag() + "=" + k.kind().label();
      StringBuilder text = new StringBuilder(k.description());
      // The label names the unit (SECONDS, BYTES); the header explains suffixes. Ranges and choices are shown here.
      if (k.kind() == ConfigKey.Kind.INT || k.kind() == ConfigKey.Kind.CHOICE) {
        text.append(" (").append(k.unit()).append(')');
      }
      if (!k.defaultValue().isEmpty()) {
        text.append(" Default: ").append(k.defaultValue())
            .append(k.kind() == ConfigKey.Kind.DURATION && k.defaultValue().matches("[0-9.]+") ? " s" : "").append('.');
      }
      List<String> lines = wrap(text.toString(), Math.max(30, width - FLAG_COLUMN));
      if (flag.length() < FLAG_COLUMN - 1) {
        sb.append(pad(flag, FLAG_COLUMN)).append(lines.get(0)).append(System.lineSeparator());
        lines = lines.subList(1, lines.size());
      } else {
        sb.append(flag).append(System.lineSeparator());
      }
      for (String l : lines) {
        sb.append(" ".repeat(FLAG_COLUMN)).append(l).append(System.lineSeparator());
      }
    }
    return sb.toString();
  }

  /** Greedy wrap at spaces only; a word longer than the width gets a line of its own, unbroken. */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" +")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    lines.add(line.toString());
    return lines;
  }

  private static String pad(String s, int n) {
    return s + " ".repeat(Math.max(1, n - s.length()));
  }
}
