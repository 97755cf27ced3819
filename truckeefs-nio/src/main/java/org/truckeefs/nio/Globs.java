package org.truckeefs.nio;

import java.util.regex.PatternSyntaxException;

/** Glob syntax of {@link java.nio.file.FileSystem#getPathMatcher} as a regular expression (the JDK's is internal). */
final class Globs {
  private Globs() {}

  static String toRegex(String glob) {
    StringBuilder re = new StringBuilder("^");
    boolean inGroup = false;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '\\' -> {
          if (++i == glob.length()) {
            throw new PatternSyntaxException("no character to escape", glob, i - 1);
          }
          re.append(Pattern.quote(glob.charAt(i)));
        }
        case '/' -> re.append('/');
        case '*' -> {
          if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
            re.append(".*");
            i++;
          } else {
            re.append("[^/]*");
          }
        }
        case '?' -> re.append("[^/]");
        case '{' -> {
          if (inGroup) {
            throw new PatternSyntaxException("cannot nest groups", glob, i);
          }
          re.append("(?:(?:");
          inGroup = true;
        }
        case '}' -> {
          if (inGroup) {
            re.append("))");
            inGroup = false;
          } else {
            re.append("\\}");
          }
        }
        case ',' -> re.append(inGroup ? ")|(?:" : ",");
        case '[' -> {
          int end = glob.indexOf(']', i + 2);
          if (end < 0) {
            throw new PatternSyntaxException("missing ']'", glob, i);
          }
          String cls = glob.substring(i + 1, end);
          re.append("[[^/]&&[");
          if (cls.startsWith("!")) {
            re.append('^');
            cls = cls.substring(1);
          }
          for (char x : cls.toCharArray()) {
            if (x == '[' || x == '\\' || x == '&' || x == '^') {
              re.append('\\');
            }
            re.append(x);
          }
          re.append("]]");
          i = end;
        }
        default -> re.append(Pattern.quote(c));
      }
    }
    if (inGroup) {
      throw new PatternSyntaxException("missing '}'", glob, glob.length() - 1);
    }
    return re.append('$').toString();
  }

  private static final class Pattern {
    static String quote(char c) {
      return Character.isLetterOrDigit(c) ? String.valueOf(c) : "\\Q" + c + "\\E";
    }
  }
}
