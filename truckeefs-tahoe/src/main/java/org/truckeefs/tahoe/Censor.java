package org.truckeefs.tahoe;

import java.util.regex.Pattern;

/**
 * Removes caps from text before it is logged or put in an exception message, the way Tahoe's access log does:
 * {@code /uri/...} paths become {@code /uri/[CENSORED]}, and cap-bearing query arguments are censored too.
 */
final class Censor {
  private static final Pattern CAP = Pattern.compile("URI(:|%3A|%3a)[A-Za-z0-9%._:+-]*");
  private static final Pattern URI_PATH = Pattern.compile("/(uri|cap)/[^?#\\s\"'<>]*");
  private static final Pattern CAP_ARGS = Pattern.compile("((?:^|[?&])(?:uri|to_dir)=)[^&#\\s]*");

  private Censor() {}

  /** A request target ({@code /uri/CAP/child?t=json&uri=CAP}) fit for a log line. */
  static String target(String pathAndQuery) {
    String s = URI_PATH.matcher(pathAndQuery).replaceAll("/$1/[CENSORED]");
    return CAP_ARGS.matcher(s).replaceAll("$1[CENSORED]");
  }

  /** Any text (a gateway's error body, a library's exception message) with every cap replaced. */
  static String text(String s) {
    if (s == null) {
      return "";
    }
    return CAP.matcher(URI_PATH.matcher(s).replaceAll("/$1/[CENSORED]")).replaceAll("[CENSORED]");
  }
}
